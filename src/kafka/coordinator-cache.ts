import type { Kafka, Producer, ProducerConfig } from 'kafkajs';
import { isConcurrentTransactions } from './transaction-errors.ts';

/**
 * kafkajs 2.2 asks a broker where the coordinator is (a FindCoordinator
 * request) before every step of a transaction: AddPartitionsToTxn,
 * AddOffsetsToTxn and EndTxn to the transaction coordinator, TxnOffsetCommit
 * to the group coordinator. A chunk's commit is then six requests where three
 * do the work, each a round trip on the chunk's critical path and CPU on both
 * ends. The coordinator of a transactional id or a group only moves when its
 * broker fails or its partition's leadership changes, and the broker then
 * answers NOT_COORDINATOR (or the connection fails), so the answer is kept per
 * producer and forgotten on any error of a request sent to it. What kafkajs
 * does next is unchanged: its retry asks again, and now gets a fresh answer.
 */

/** The part of a kafkajs Cluster this needs (src/cluster/index.js). */
export interface CoordinatorCluster {
  findGroupCoordinator(args: { groupId: string; coordinatorType?: number }): Promise<CoordinatorBroker>;
  findBroker(args: { nodeId: number }): Promise<CoordinatorBroker>;
}

export interface CoordinatorBroker {
  readonly nodeId: number;
}

export interface CoordinatorCacheOptions {
  /** An answer is asked again after this long even without an error. */
  readonly ttlMs: number;
  readonly now?: () => number;
}

/** Makes `cluster.findGroupCoordinator` answer from what it learnt, until a request to that coordinator fails or the answer is ttlMs old. */
export function cacheCoordinators(cluster: CoordinatorCluster, o: CoordinatorCacheOptions): void {
  const lookup = cluster.findGroupCoordinator.bind(cluster);
  const now = o.now ?? Date.now;
  const known = new Map<string, { nodeId: number; at: number }>();
  cluster.findGroupCoordinator = async (args) => {
    const key = `${args.coordinatorType ?? 0}:${args.groupId}`;
    const hit = known.get(key);
    let broker: CoordinatorBroker | undefined;
    if (hit && now() - hit.at < o.ttlMs) {
      // The broker as the pool has it now (connected; replaced after a metadata change).
      broker = await cluster.findBroker({ nodeId: hit.nodeId }).catch(() => undefined);
    }
    if (!broker) {
      known.delete(key);
      broker = await lookup(args);
      known.set(key, { nodeId: broker.nodeId, at: now() });
    }
    return forgettingOnError(broker, () => known.delete(key));
  };
}

/**
 * The broker, with every request that fails making its answer forgotten.
 * CONCURRENT_TRANSACTIONS is the one expected failure that says the
 * coordinator is right (it is completing the previous commit): kept.
 */
function forgettingOnError<B extends CoordinatorBroker>(broker: B, forget: () => void): B {
  return new Proxy(broker, {
    get(target, name) {
      const v = Reflect.get(target, name, target) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const r = (v as (...a: unknown[]) => unknown).apply(target, args);
        if (!(r instanceof Promise)) return r;
        return r.catch((err: unknown) => {
          if (!isConcurrentTransactions(err)) forget();
          throw err;
        });
      };
    },
  });
}

/** Where kafkajs 2.2 keeps the function that makes each client's Cluster (src/index.js, PRIVATE.CREATE_CLUSTER). */
const CREATE_CLUSTER = 'private:Kafka:createCluster';

type ClusterFactory = (...args: unknown[]) => CoordinatorCluster;

/** The client's cluster factory and where it sits, when this kafkajs has one. */
function clusterFactory(kafka: Kafka): { key: symbol; create: ClusterFactory } | undefined {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CREATE_CLUSTER);
  const create = key && (kafka as unknown as Record<symbol, unknown>)[key];
  return key && typeof create === 'function' ? { key, create: create as ClusterFactory } : undefined;
}

/** Whether this kafkajs lets producers cache their coordinators (a test pins it for the installed version). */
export function canCacheCoordinators(kafka: Kafka): boolean {
  return clusterFactory(kafka) !== undefined;
}

/**
 * `kafka.producer(config)` whose cluster caches its coordinators. kafkajs
 * makes the producer's cluster synchronously inside producer(), through a
 * per-client function under a private symbol: it is wrapped for that one
 * call. A kafkajs without it gives the plain producer (every step asks, as
 * before), so an upgrade degrades to the old cost, never to an error.
 */
export function producerCachingCoordinators(kafka: Kafka, config: ProducerConfig, o: CoordinatorCacheOptions): Producer {
  const factory = clusterFactory(kafka);
  if (!factory) return kafka.producer(config);
  const { key, create } = factory;
  const slots = kafka as unknown as Record<symbol, ClusterFactory>;
  slots[key] = (...args: unknown[]) => {
    const cluster = create(...args);
    cacheCoordinators(cluster, o);
    return cluster;
  };
  try {
    return kafka.producer(config);
  } finally {
    slots[key] = create;
  }
}
