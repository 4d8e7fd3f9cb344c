// The shard producers' coordinator cache on the real broker: kafkajs asks
// where the coordinator is before every transaction step; through
// producerCachingCoordinators it asks once, and the transactions still commit.
import { afterAll, describe, expect, it } from 'vitest';
import type { Kafka, Producer } from 'kafkajs';
import { createKafka } from '../../../src/kafka/client.ts';
import { producerCachingCoordinators } from '../../../src/kafka/coordinator-cache.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { retryConcurrent } from '../../../src/stream/shard-producers.ts';
import { testConfig, uniqueName } from '../../support/stack.ts';

const config = testConfig();
const kafka: Kafka = createKafka({ kafkaBrokers: config.kafka.brokers!, registryUrl: config.registry.url!, redisUrl: config.redis.url!, source: 'explicit' }, config, createLogger('silent'));
const groups: string[] = [];

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteGroups(groups).catch(() => {});
  await admin.disconnect();
});

/** Runs `n` transactions that commit an offset of a group of their own; counts the producer's requests by API. */
async function run(producer: Producer, n: number): Promise<{ group: string; requests: Record<string, number> }> {
  const group = uniqueName('it-coordinators');
  groups.push(group);
  const requests: Record<string, number> = {};
  await producer.connect();
  producer.on(producer.events.REQUEST, (e) => {
    const name = (e.payload as { apiName: string }).apiName;
    requests[name] = (requests[name] ?? 0) + 1;
  });
  try {
    for (let i = 1; i <= n; i++) {
      const tx = await producer.transaction();
      // The coordinator answers CONCURRENT_TRANSACTIONS while it completes the previous commit: repeated, as the shard producers do.
      await retryConcurrent(() => tx.sendOffsets({ consumerGroupId: group, topics: [{ topic: TOPICS.transactions, partitions: [{ partition: 0, offset: String(i) }] }] }));
      await retryConcurrent(() => tx.commit());
    }
  } finally {
    await producer.disconnect();
  }
  return { group, requests };
}

describe('shard producers on the real broker', () => {
  it('ask where the coordinators are once, not before every step, and their transactions commit', async () => {
    const settings = { idempotent: true, maxInFlightRequests: 1 } as const;
    const plain = await run(kafka.producer({ ...settings, transactionalId: uniqueName('it-coord-plain') }), 5);
    const cached = await run(producerCachingCoordinators(kafka, { ...settings, transactionalId: uniqueName('it-coord-cached') }, { ttlMs: 60_000 }), 5);

    // Each transaction: AddOffsetsToTxn, TxnOffsetCommit, EndTxn; kafkajs asks before each of them.
    expect(plain.requests.EndTxn).toBe(5);
    expect(cached.requests.EndTxn).toBe(5);
    expect(cached.requests.TxnOffsetCommit).toBe(5);
    expect(plain.requests.GroupCoordinator).toBeGreaterThanOrEqual(15);
    // Once for the transactional id (at InitProducerId, kept since), once for the group.
    expect(cached.requests.GroupCoordinator).toBeLessThanOrEqual(2);

    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const { group } of [plain, cached]) {
        const [t] = await admin.fetchOffsets({ groupId: group, topics: [TOPICS.transactions] });
        expect(t!.partitions.find((p) => p.partition === 0)?.offset).toBe('5');
      }
    } finally {
      await admin.disconnect();
    }
  });
});
