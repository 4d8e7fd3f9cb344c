import { describe, expect, it } from 'vitest';
import { Kafka } from 'kafkajs';
import { cacheCoordinators, canCacheCoordinators, type CoordinatorBroker, type CoordinatorCluster } from '../../../src/kafka/coordinator-cache.ts';

/** A cluster whose coordinator lookups are counted; its brokers' requests fail when told to. */
function fakeCluster() {
  const brokers = new Map<number, CoordinatorBroker & { endTxn: () => Promise<string>; fail?: unknown }>();
  const brokerOf = (nodeId: number) => {
    let b = brokers.get(nodeId);
    if (!b) {
      const broker: CoordinatorBroker & { endTxn: () => Promise<string>; fail?: unknown } = {
        nodeId,
        endTxn: async () => {
          if (broker.fail) throw broker.fail;
          return `ended on ${nodeId}`;
        },
      };
      brokers.set(nodeId, (b = broker));
    }
    return b;
  };
  const state = { coordinator: 1, lookups: 0, gone: new Set<number>() };
  const cluster: CoordinatorCluster = {
    async findGroupCoordinator() {
      state.lookups++;
      return brokerOf(state.coordinator);
    },
    async findBroker({ nodeId }) {
      if (state.gone.has(nodeId)) throw new Error(`broker ${nodeId} not found`);
      return brokerOf(nodeId);
    },
  };
  return { cluster, state, brokerOf };
}

type Txn = CoordinatorBroker & { endTxn: () => Promise<string> };

describe('coordinator cache', () => {
  it('asks once per transactional id and group, not before every step', async () => {
    const { cluster, state } = fakeCluster();
    cacheCoordinators(cluster, { ttlMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      const t = (await cluster.findGroupCoordinator({ groupId: 'g.task.0', coordinatorType: 1 })) as Txn;
      expect(await t.endTxn()).toBe('ended on 1');
      await cluster.findGroupCoordinator({ groupId: 'g', coordinatorType: 0 });
    }
    expect(state.lookups).toBe(2);
  });

  it('asks again after a request to the coordinator failed, and gets the one that moved', async () => {
    const { cluster, state, brokerOf } = fakeCluster();
    cacheCoordinators(cluster, { ttlMs: 60_000 });
    const first = (await cluster.findGroupCoordinator({ groupId: 't', coordinatorType: 1 })) as Txn;
    brokerOf(1).fail = Object.assign(new Error('This is not the correct coordinator for this group'), { type: 'NOT_COORDINATOR_FOR_GROUP' });
    state.coordinator = 2;
    await expect(first.endTxn()).rejects.toThrow(/not the correct coordinator/);
    const second = (await cluster.findGroupCoordinator({ groupId: 't', coordinatorType: 1 })) as Txn;
    expect(await second.endTxn()).toBe('ended on 2');
    expect(state.lookups).toBe(2);
  });

  it('keeps the answer through CONCURRENT_TRANSACTIONS: that coordinator is right, only busy', async () => {
    const { cluster, state, brokerOf } = fakeCluster();
    cacheCoordinators(cluster, { ttlMs: 60_000 });
    const t = (await cluster.findGroupCoordinator({ groupId: 't', coordinatorType: 1 })) as Txn;
    brokerOf(1).fail = { type: 'CONCURRENT_TRANSACTIONS' };
    await expect(t.endTxn()).rejects.toEqual({ type: 'CONCURRENT_TRANSACTIONS' });
    brokerOf(1).fail = undefined;
    expect(await ((await cluster.findGroupCoordinator({ groupId: 't', coordinatorType: 1 })) as Txn).endTxn()).toBe('ended on 1');
    expect(state.lookups).toBe(1);
  });

  it('asks again when the broker it knew is gone from the pool, and after the time to live', async () => {
    let now = 0;
    const { cluster, state } = fakeCluster();
    cacheCoordinators(cluster, { ttlMs: 1_000, now: () => now });
    await cluster.findGroupCoordinator({ groupId: 't', coordinatorType: 1 });
    state.gone.add(1);
    state.coordinator = 3;
    expect((await cluster.findGroupCoordinator({ groupId: 't', coordinatorType: 1 })).nodeId).toBe(3);
    expect(state.lookups).toBe(2);
    now = 999;
    await cluster.findGroupCoordinator({ groupId: 't', coordinatorType: 1 });
    expect(state.lookups).toBe(2);
    now = 2_000;
    await cluster.findGroupCoordinator({ groupId: 't', coordinatorType: 1 });
    expect(state.lookups).toBe(3);
  });

  it('finds the hook in the installed kafkajs (an upgrade that moves it falls back to asking every time)', () => {
    expect(canCacheCoordinators(new Kafka({ clientId: 't', brokers: ['127.0.0.1:1'] }))).toBe(true);
  });
});
