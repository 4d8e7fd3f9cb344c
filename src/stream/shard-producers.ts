import type { OutputMessage } from '../pipeline/process-batch.ts';
import { RECORD_OVERHEAD_BYTES } from '../pipeline/dead-letter-fit.ts';
import { topicMessages } from '../kafka/produce.ts';
import { STREAM_DEFAULTS } from '../options.ts';
import { isConcurrentTransactions } from '../kafka/transaction-errors.ts';

/**
 * What the shard producers need of a Kafka client's transactional producer:
 * kafkajs's Producer fits it, and so would another client's behind an adapter.
 */
export interface TransactionalProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  transaction(): Promise<ProducerTransaction>;
}

export interface ProducerTransaction {
  sendBatch(batch: { topicMessages: ReturnType<typeof topicMessages> }): Promise<unknown>;
  sendOffsets(offsets: { consumerGroupId: string; topics: { topic: string; partitions: { partition: number; offset: string; metadata: string | null }[] }[] }): Promise<unknown>;
  commit(): Promise<unknown>;
  abort(): Promise<unknown>;
}

/** Makes an idempotent producer with this transactional id (one in flight, for ordering). */
export type ProducerFactory = (transactionalId: string) => TransactionalProducer;

/** An input offset committed with a chunk, and what its metadata carries (origin, stream time, timer step). */
export interface CommittedOffset {
  readonly topic: string;
  readonly offset: bigint;
  readonly metadata: string | null;
}

export interface ShardProducersOptions {
  readonly groupId: string;
  /** The dead-letter topic's max.message.bytes, when known: a request stays under it. */
  readonly maxDeadLetterBytes?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** A step repeated after CONCURRENT_TRANSACTIONS (for the metric). */
  readonly retried?: (partition: number, attempt: number) => void;
}

/**
 * One transactional producer per shard (Kafka Streams' StreamsProducer): its
 * transactional id belongs to the shard — `<group>.task.<p>`, the name kept
 * from the first version so existing deployments fence across an upgrade —
 * so the instance that takes a shard over fences the one that lost it.
 */
export class ShardProducers {
  private readonly producers = new Map<number, Promise<TransactionalProducer>>();
  private readonly create: ProducerFactory;
  private readonly o: ShardProducersOptions;

  constructor(create: ProducerFactory, options: ShardProducersOptions) {
    this.create = create;
    this.o = options;
  }

  transactionalId(partition: number): string {
    return `${this.o.groupId}.task.${partition}`;
  }

  /** A fresh producer for the shard: initialising it fences every earlier owner and settles their open transaction. */
  async fresh(partition: number): Promise<TransactionalProducer> {
    const old = this.producers.get(partition);
    this.producers.delete(partition);
    if (old) await old.then((p) => p.disconnect()).catch(() => {});
    const p = (async () => {
      const producer = this.create(this.transactionalId(partition));
      await producer.connect();
      return producer;
    })();
    this.producers.set(partition, p);
    p.catch(() => {
      if (this.producers.get(partition) === p) this.producers.delete(partition);
    });
    return p;
  }

  private async producerFor(partition: number): Promise<TransactionalProducer> {
    return this.producers.get(partition) ?? this.fresh(partition);
  }

  /**
   * The outputs and the input offsets in one transaction. On any failure the
   * transaction is aborted and the producer dropped (a fenced or broken
   * producer is replaced when the shard is acquired again), and the error
   * goes to the caller: nothing of the chunk was committed.
   */
  async commit(partition: number, outputs: readonly OutputMessage[], offsets: readonly CommittedOffset[]): Promise<void> {
    const producer = await this.producerFor(partition);
    const tx = await producer.transaction();
    const retry = <T>(step: () => Promise<T>) => retryConcurrent(step, this.o.sleep, (attempt) => this.o.retried?.(partition, attempt));
    try {
      for (const part of chunkBySize(outputs, requestBytes(this.o.maxDeadLetterBytes))) await retry(() => tx.sendBatch({ topicMessages: topicMessages(part) }));
      await retry(() =>
        tx.sendOffsets({
          consumerGroupId: this.o.groupId,
          topics: offsets.map((o) => ({ topic: o.topic, partitions: [{ partition, offset: o.offset.toString(), metadata: o.metadata }] })),
        }),
      );
      await retry(() => tx.commit());
    } catch (err) {
      await tx.abort().catch(() => {});
      this.producers.delete(partition);
      await producer.disconnect().catch(() => {});
      throw err;
    }
  }

  async closeAll(): Promise<void> {
    const producers = await Promise.allSettled(this.producers.values());
    this.producers.clear();
    await Promise.all(producers.map((p) => (p.status === 'fulfilled' ? p.value.disconnect().catch(() => {}) : undefined)));
  }
}

/**
 * One step of a transaction, again while the coordinator answers
 * CONCURRENT_TRANSACTIONS: it is still completing the previous commit (writing
 * its markers), which takes a few milliseconds. The request changed nothing,
 * so the step is simply repeated, as the Java client does, rather than
 * aborting or failing the chunk.
 */
export async function retryConcurrent<T>(
  step: () => Promise<T>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  retried?: (attempt: number) => void,
): Promise<T> {
  const { concurrentTransactionsRetries: retries, concurrentTransactionsMaxDelayMs: maxDelay } = STREAM_DEFAULTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!isConcurrentTransactions(err) || attempt >= retries) throw err;
      retried?.(attempt);
      // Not faster: a tight loop loads the coordinator it is waiting for.
      await sleep(Math.min(maxDelay, 5 * attempt));
    }
  }
}


/**
 * Bytes of outputs sent in one request at most: well under the broker's
 * default 1 MiB batch limit, and under the dead-letter topic's own limit when
 * that is smaller (the messages of one request to one partition form one batch).
 */
export function requestBytes(maxDeadLetterBytes: number | undefined): number {
  const cap = STREAM_DEFAULTS.requestMaxBytes;
  return maxDeadLetterBytes === undefined ? cap : Math.max(1, Math.min(cap, maxDeadLetterBytes - RECORD_OVERHEAD_BYTES));
}

/**
 * Splits outputs into requests of at most `maxBytes` (a message bigger than
 * that goes alone): a batch of dead letters carries every input record's
 * bytes, so it can be as large as the fetched batch itself.
 */
export function chunkBySize(outputs: readonly OutputMessage[], maxBytes: number = STREAM_DEFAULTS.requestMaxBytes): OutputMessage[][] {
  const chunks: OutputMessage[][] = [];
  let current: OutputMessage[] = [];
  let size = 0;
  for (const m of outputs) {
    let bytes = m.value.length + (m.key ? Buffer.byteLength(m.key) : 0) + 64;
    for (const [k, v] of Object.entries(m.headers ?? {})) bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
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
