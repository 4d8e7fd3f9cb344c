import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { createApp, type App, type AppOptions } from '../../src/app.ts';
import { connect } from '../../src/kafka/bootstrap.ts';
import { topicMessages } from '../../src/kafka/produce.ts';
import { commitGroupOffsets, endOffsets, readCommitted } from '../../src/kafka/read-committed.ts';
import type { Serde } from '../../src/kafka/serde.ts';
import { INPUT_TOPICS, TOPICS, type Topic } from '../../src/events/topics.ts';
import { parseReplayLine } from '../../src/events/json-form.ts';
import type { EventOf } from '../../src/events/types.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Config } from '../../src/config.ts';
import { testConfig, uniqueName } from './stack.ts';

/**
 * A carestream instance on the real stack with its own consumer group and its
 * own Redis key prefix, started at the current end of the input topics, so a
 * test sees exactly the records it produces.
 */
export interface Harness {
  readonly config: Config;
  readonly app: App;
  readonly kafka: Kafka;
  readonly serde: Serde;
  /** Produces replay-format objects ({topic, key?, value}) in order. */
  produceLines(lines: readonly string[]): Promise<void>;
  produce<T extends Topic>(topic: T, value: EventOf<T>, key?: string): Promise<void>;
  produceRaw(topic: string, key: string | null, value: Buffer | null): Promise<void>;
  /** Waits until the service has committed at least `n` more records than when the harness started. */
  waitForConsumed(n: number, timeoutMs?: number): Promise<void>;
  /** Committed records of a topic produced since the harness started. */
  readTopic(topic: Topic, predicate?: (key: string | null) => boolean, idleMs?: number): Promise<{ key: string | null; value: Buffer; headers: Record<string, string> }[]>;
  /** Starts the service when the harness was created with { deferStart: true } (topics pre-loaded first). */
  startService(): Promise<void>;
  stop(): Promise<void>;
}

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

export async function startHarness(env: Record<string, string> = {}, options: { deferStart?: boolean; logger?: Logger; app?: AppOptions } = {}): Promise<Harness> {
  const groupId = uniqueName('it-group');
  const config = testConfig({ KAFKA_GROUP_ID: groupId, REDIS_KEY_PREFIX: uniqueName('it'), ...env });
  const { kafka, serde } = await connect(config, logger);
  const start = await endOffsets(kafka, [...INPUT_TOPICS, TOPICS.dlq, TOPICS.fraudCheckTasks, TOPICS.outreachTasks, TOPICS.suppressions]);
  // The new group starts at the current end of the inputs: its offsets are
  // committed up front (a transaction carrying only offsets), so they hold
  // across consumer restarts.
  await commitGroupOffsets(kafka, groupId, Object.fromEntries(INPUT_TOPICS.map((t) => [t, start[t]!])));
  const app = createApp(config, options.logger ?? logger, options.app);
  let started = false;
  const startService = async () => {
    if (!started) await app.start();
    started = true;
  };
  if (!options.deferStart) await startService();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  const h: Harness = {
    config,
    app,
    kafka,
    serde,
    async produceLines(lines) {
      const msgs = await Promise.all(
        lines.map(async (l) => {
          const r = parseReplayLine(l);
          return { topic: r.topic, key: r.key, value: await serde.encode(r.topic, r.value) };
        }),
      );
      for (let i = 0; i < msgs.length; i += 2000) {
        await producer.sendBatch({ acks: -1, topicMessages: topicMessages(msgs.slice(i, i + 2000)) });
      }
    },
    async produce(topic, value, key) {
      const k = key ?? (value as { customerId: string }).customerId;
      await producer.send({ topic, acks: -1, messages: [{ key: k, value: await serde.encode(topic, value) }] });
    },
    async produceRaw(topic, key, value) {
      await producer.send({ topic, acks: -1, messages: [{ key, value }] });
    },
    async waitForConsumed(n, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (app.tally.consumed < n) {
        if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${n} records, the service committed ${app.tally.consumed}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    readTopic(topic, predicate = () => true, idleMs = 1500) {
      return readCommitted(kafka, topic, start, predicate, idleMs);
    },
    startService,
    async stop() {
      await producer.disconnect();
      if (started) await app.stop();
    },
  };
  return h;
}
