import { Cluster, Redis, type ChainableCommander } from 'ioredis';
import type { Config } from '../config.ts';
import { redisSecurityOptions } from '../security/redis-options.ts';
import { CarestreamError } from '../errors.ts';
import { StateKeys } from './keys.ts';
import { parseRedisClusterUrl } from './redis-url.ts';

/** The service's Redis: one server (redis://, rediss://) or a Redis Cluster (redis-cluster://). */
export type RedisClient = Redis | Cluster;

/**
 * The client for REDIS_URL; commands queue while it reconnects. ACL user,
 * password and TLS certificates come from config.security.redis (credentials
 * in the URL, rediss://user:password@host, work too).
 *
 * For a redis-cluster:// URL an ioredis Cluster over the seed nodes (it finds
 * every slot's owner and follows MOVED/ASK). Every command and script the
 * service sends touches one hash slot (src/state/keys.ts); a chunk's commands
 * go out in one round per node (inOneRound): auto-pipelining groups what is
 * sent in the same tick by the node that serves it.
 */
export function createRedis(url: string, config: Pick<Config, 'security'>): RedisClient {
  const security = redisSecurityOptions(config.security.redis);
  const nodes = parseRedisClusterUrl(url);
  if (nodes) {
    return new Cluster(nodes.map((n) => ({ host: n.host, port: n.port })), {
      lazyConnect: true,
      enableAutoPipelining: true,
      clusterRetryStrategy: (times) => Math.min(100 * 2 ** times, 5_000),
      // ACL credentials as for one server; TLS has no cluster URL form yet (REDIS_TLS_* need rediss://).
      redisOptions: { ...security, maxRetriesPerRequest: 20 },
    });
  }
  return new Redis(url, {
    ...security,
    lazyConnect: true,
    maxRetriesPerRequest: 20,
    enableAutoPipelining: false,
    retryStrategy: (times) => Math.min(100 * 2 ** times, 5_000),
  });
}

/** The clients every key lives on: the server itself, or each primary of a cluster. */
export function primaries(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/**
 * Runs the commands `add` queues in one round trip per server, and gives each
 * one's [error, reply] in the order they were queued. On one server, one
 * pipeline; on a cluster, where a pipeline must stay on one node, each
 * command is sent on its own in the same tick and auto-pipelining sends each
 * node's share as one pipeline.
 */
export async function inOneRound(redis: RedisClient, add: (p: ChainableCommander) => void): Promise<[Error | null, unknown][]> {
  if (!(redis instanceof Cluster)) {
    const p = redis.pipeline();
    add(p);
    return ((await p.exec()) ?? []) as [Error | null, unknown][];
  }
  const calls: Promise<unknown>[] = [];
  // The cluster client stands in for the pipeline: each command it is given returns its promise.
  const recorder = new Proxy(redis, {
    get(target, name, receiver) {
      const v = Reflect.get(target, name, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push((v as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        return recorder;
      };
    },
  }) as unknown as ChainableCommander;
  add(recorder);
  const settled = await Promise.allSettled(calls);
  return settled.map((s) => (s.status === 'fulfilled' ? [null, s.value] : [s.reason as Error, null]));
}

/** UNLINKs every key under `prefix:` (demo and benchmark clean-up), on every primary; returns how many there were. */
export async function deleteKeysWithPrefix(redis: RedisClient, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const { node, keys } of scanPages(redis, new StateKeys(prefix).everything())) {
    // One UNLINK per key on a cluster: keys of one SCAN page are of many slots.
    deleted += redis instanceof Cluster ? (await Promise.all(keys.map((k) => node.unlink(k)))).reduce((a, b) => a + b, 0) : await node.unlink(...keys);
  }
  return deleted;
}

/** SCAN of every primary for `pattern`: each non-empty page with the node that holds its keys. */
export async function* scanPages(redis: RedisClient, pattern: string): AsyncGenerator<{ readonly node: Redis; readonly keys: string[] }> {
  for (const node of primaries(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) yield { node, keys };
    } while (cursor !== '0');
  }
}

/** `redis` as one server, for a tool that reads a single server's INFO or keyspace (`what` names it); a cluster is refused. */
export function singleServer(redis: RedisClient, what: string): Redis {
  if (redis instanceof Cluster) throw new CarestreamError('CS_ERR_CONFIG', `${what} needs one Redis server, not a Redis Cluster (redis-cluster://)`);
  return redis;
}
