import { afterAll, describe, expect, it } from 'vitest';
import { Ingestor } from '../../../src/stream/ingestor.ts';
import { connect } from '../../../src/kafka/bootstrap.ts';
import { createStore } from '../../../src/app.ts';
import { createRedis } from '../../../src/state/redis.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { endOffsets } from '../../../src/kafka/read-committed.ts';
import { INPUT_TOPICS, TOPICS } from '../../../src/events/topics.ts';
import { tx } from '../../support/events.ts';
import { testConfig, uniqueName } from '../../support/stack.ts';

describe('a chunk that fails is read again, from the first record not committed', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it('loses and duplicates nothing when processing fails twice', async () => {
    const groupId = uniqueName('it-recovery');
    const config = testConfig({ KAFKA_GROUP_ID: groupId, REDIS_KEY_PREFIX: uniqueName('it') });
    const logger = createLogger('silent');
    const { kafka, serde } = await connect(config, logger);
    const start = await endOffsets(kafka, INPUT_TOPICS);
    const redis = createRedis(config.redis.url!, config);
    await redis.connect();
    cleanup.push(() => redis.quit());
    const store = createStore(redis, config);

    let failuresLeft = 2;
    const ingestor = new Ingestor(
      kafka,
      { serde, store, maxFutureSkewMs: 300_000, maxEventAgeMs: 400 * 86_400_000, now: Date.now },
      {
        groupId,
        concurrency: 3,
        maxIdleMs: 100,
        startAt: Object.fromEntries(INPUT_TOPICS.map((t) => [t, start[t]!])),
        afterBatch: () => {
          // After the store applied the chunk, before anything was committed: the worst moment.
          if (failuresLeft > 0) {
            failuresLeft--;
            throw new Error('injected failure');
          }
          return [];
        },
      },
      logger,
    );
    await ingestor.start();
    cleanup.push(() => ingestor.stop());

    const c = uniqueName('C-rec');
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    let balance = 0;
    const events = Array.from({ length: 40 }, (_, i) => {
      balance += 1_000;
      return tx(c, new Date(Date.parse('2026-11-01T00:00:00+08:00') + i * 60_000).toISOString(), { amountMinor: 1_000, balanceAfterMinor: balance });
    });
    await producer.send({ topic: TOPICS.transactions, acks: -1, messages: await Promise.all(events.map(async (e) => ({ key: c, value: await serde.encode(TOPICS.transactions, e) }))) });

    const deadline = Date.now() + 60_000;
    while (ingestor.tally.consumed < events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(failuresLeft).toBe(0);
    expect(ingestor.tally).toMatchObject({ consumed: 40, deadLettered: 0 });
    // The records applied before the failures come back as their first results, so they count as applied once more, not as duplicates.
    expect(ingestor.tally.applied + ingestor.tally.skipped).toBe(40);
    const f = await store.inspect(c);
    expect(f?.depositsMinor).toBe(40_000);
    expect(f?.asOf).toBe(events.at(-1)!.occurredAt);
  });
});
