import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { INPUT_TOPICS, isInputTopic } from '../events/topics.ts';
import { processBatch, type BatchDeps, type BatchResult, type OutputMessage } from '../pipeline/process-batch.ts';
import { addTally, emptyTally, type Tally } from '../pipeline/tally.ts';

export interface IngestorOptions {
  readonly groupId: string;
  readonly concurrency: number;
  /** Turns a processed batch into the messages to publish (rules and policy plug in here). */
  readonly afterBatch?: (result: BatchResult) => Promise<OutputMessage[]> | OutputMessage[];
  readonly onBatchCommitted?: (topic: string, partition: number, result: BatchResult) => void;
  /** Where to start instead of the committed offsets (tests start a new group at the end of the topics). */
  readonly startAt?: Readonly<Record<string, readonly { partition: number; offset: string }[]>>;
}

/**
 * Consume → process → publish, exactly once: each partition's batch is
 * processed in order and its outputs and its input offsets commit in one Kafka
 * transaction. The transactional id is per input partition, so an instance
 * that takes a partition over fences the producer of the one that lost it.
 */
export class Ingestor {
  private readonly kafka: Kafka;
  private readonly deps: BatchDeps;
  private readonly o: IngestorOptions;
  private readonly log: Logger;
  private readonly consumer: Consumer;
  private readonly producers = new Map<string, Promise<Producer>>();
  readonly tally: Tally = emptyTally();
  private assigned = 0;

  constructor(kafka: Kafka, deps: BatchDeps, options: IngestorOptions, logger: Logger) {
    this.kafka = kafka;
    this.deps = deps;
    this.o = options;
    this.log = logger.child({ component: 'ingestor' });
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 1024 * 1024,
      // A fetch returns as soon as there is data; this bounds how long an idle
      // fetch holds up a shutdown.
      maxWaitTimeInMs: 500,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.assigned = Object.values(e.payload.memberAssignment).reduce((n, ps) => n + ps.length, 0);
      this.log.info({ assignment: e.payload.memberAssignment }, 'partitions assigned');
    });
  }

  /** Partitions currently assigned to this instance. */
  get assignedPartitions(): number {
    return this.assigned;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...INPUT_TOPICS], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.o.concurrency,
      eachBatch: (payload) => this.onBatch(payload),
    });
    for (const [topic, partitions] of Object.entries(this.o.startAt ?? {})) {
      for (const p of partitions) this.consumer.seek({ topic, partition: p.partition, offset: p.offset });
    }
  }

  /** Finishes the batches in flight, commits them and leaves the group. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
    const producers = await Promise.allSettled(this.producers.values());
    await Promise.all(producers.map((p) => (p.status === 'fulfilled' ? p.value.disconnect() : undefined)));
    this.producers.clear();
  }

  private producerFor(topic: string, partition: number): Promise<Producer> {
    const id = `${this.o.groupId}.${topic}.${partition}`;
    let p = this.producers.get(id);
    if (!p) {
      p = (async () => {
        const producer = this.kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        return producer;
      })();
      this.producers.set(id, p);
      p.catch(() => this.producers.delete(id));
    }
    return p;
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const { topic, partition, messages } = batch;
    if (messages.length === 0 || !isRunning() || isStale()) return;
    if (!isInputTopic(topic)) return;
    const started = Date.now();
    const result = await processBatch(this.deps, topic, partition, messages);
    const extra = this.o.afterBatch ? await this.o.afterBatch(result) : [];
    await heartbeat();
    if (isStale()) return; // a rebalance took the partition: the new owner replays it
    const outputs = [...result.outputs, ...extra];
    const next = String(Number(batch.lastOffset()) + 1);
    const producer = await this.producerFor(topic, partition);
    const tx = await producer.transaction();
    try {
      for (const chunk of chunkBySize(outputs)) {
        const byTopic = new Map<string, { key: Buffer | string | null; value: Buffer }[]>();
        for (const m of chunk) {
          let list = byTopic.get(m.topic);
          if (!list) byTopic.set(m.topic, (list = []));
          list.push({ key: m.key, value: m.value });
        }
        await tx.sendBatch({ topicMessages: [...byTopic].map(([t, msgs]) => ({ topic: t, messages: msgs })) });
      }
      await tx.sendOffsets({ consumerGroupId: this.o.groupId, topics: [{ topic, partitions: [{ partition, offset: next }] }] });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => {});
      // A fenced or broken producer is replaced on the next batch.
      this.producers.delete(`${this.o.groupId}.${topic}.${partition}`);
      await producer.disconnect().catch(() => {});
      throw err;
    }
    // The fetch position follows resolved offsets; committing happened in the transaction.
    resolveOffset(batch.lastOffset());
    addTally(this.tally, result.tally);
    this.o.onBatchCommitted?.(topic, partition, result);
    this.log.debug({ topic, partition, records: messages.length, outputs: outputs.length, ms: Date.now() - started }, 'batch committed');
  }
}

/**
 * Splits outputs into requests well under the broker's default 1 MiB message
 * batch limit: a batch of dead letters carries every input record's bytes, so
 * it can be as large as the fetched batch itself.
 */
export function chunkBySize(outputs: readonly OutputMessage[], maxBytes = 512 * 1024): OutputMessage[][] {
  const chunks: OutputMessage[][] = [];
  let current: OutputMessage[] = [];
  let size = 0;
  for (const m of outputs) {
    const bytes = m.value.length + (m.key ? Buffer.byteLength(m.key) : 0) + 64;
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(m);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
