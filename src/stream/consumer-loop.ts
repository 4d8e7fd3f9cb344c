import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { CarestreamError } from '../errors.ts';
import { STREAM_DEFAULTS } from '../options.ts';
import { coPartitionAssigner } from '../kafka/copartition-assigner.ts';

/** One fetched batch of one input partition, as the shards see it. */
export interface FetchedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessage[];
  readonly lastOffset: bigint;
  readonly highWatermark: bigint;
  /** Moves the fetch position past this batch (commits are the shards' own, in their transactions). */
  resolve(): void;
  heartbeat(): Promise<void>;
  /** True when a rebalance made this batch stale. */
  isStale(): boolean;
}

export interface ConsumerLoopHandlers {
  /** After every rebalance: the shard (partition) numbers this member owns now, and the assignment per topic. */
  assigned(shards: ReadonlySet<number>, assignment: Readonly<Record<string, readonly number[]>>): void;
  batch(batch: FetchedBatch): Promise<void>;
  /** A position learnt without records (a batch of only transaction markers or aborted records). */
  position(topic: string, partition: number, next: bigint, caughtUp: boolean): void;
  /** The consumer cannot go on; the process should exit for its supervisor. */
  fatal(err: Error): void;
  /** True once the service is shutting down (a crash then is not restarted). */
  stopping(): boolean;
}

export interface ConsumerLoopOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Partitions processed at once. */
  readonly concurrency: number;
  readonly sessionTimeoutMs: number;
  readonly fetchMaxBytesPerPartition: number;
}

/**
 * The consumer loop (Kafka Streams' StreamThread): one kafkajs consumer of the
 * input topics in a group whose assigner keeps partition p of every topic on
 * one member, reading committed records only, with no auto-commit. It fetches,
 * pauses and resumes partitions for the shards, survives the crashes kafkajs
 * deems final after a broker restart, and hands every batch to the handlers.
 * The rest of carestream sees only this class, so the Kafka client can change.
 */
export class ConsumerLoop {
  private readonly consumer: Consumer;
  private readonly o: ConsumerLoopOptions;
  private readonly on: ConsumerLoopHandlers;
  private readonly log: Logger;
  private readonly paused = new Set<string>();
  /** Consumer restarts after final errors since the last successful join. */
  private restarts = 0;

  constructor(kafka: Kafka, options: ConsumerLoopOptions, handlers: ConsumerLoopHandlers, log: Logger) {
    this.o = options;
    this.on = handlers;
    this.log = log;
    const d = STREAM_DEFAULTS;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      partitionAssigners: [coPartitionAssigner],
      readUncommitted: false,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(d.heartbeatMinMs, Math.floor(options.sessionTimeoutMs / 10)),
      maxBytesPerPartition: options.fetchMaxBytesPerPartition,
      // Room for every assigned partition in one fetch: a response capped lower
      // fills the first partitions and starves the rest, which would then hold
      // back their shards' time alignment.
      maxBytes: d.consumerMaxBytes,
      // A fetch returns as soon as there is data; this bounds how long an idle
      // fetch holds up a shutdown.
      maxWaitTimeInMs: d.consumerMaxWaitMs,
      // Ride out a broker restart (about a minute of retries) before the
      // consumer gives up and the process exits for its supervisor.
      retry: { ...d.consumerRetry },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.restarts = 0;
      this.paused.clear();
      const assignment = e.payload.memberAssignment;
      // kafkajs keeps partitions paused across a rebalance; a paused partition
      // would never deliver the batch that starts its shard again.
      for (const [topic, partitions] of Object.entries(assignment)) this.consumer.resume([{ topic, partitions }]);
      this.on.assigned(new Set(Object.values(assignment).flat()), assignment);
    });
    // Batches of only transaction markers or aborted records never reach
    // eachBatch; their positions still tell whether a topic is caught up.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, (e) => {
      const { topic, partition, batchSize, lastOffset, offsetLag } = e.payload;
      if (batchSize === 0 && this.o.topics.includes(topic)) this.on.position(topic, partition, BigInt(lastOffset) + 1n, BigInt(offsetLag) <= 0n);
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => this.crashed(e.payload.error, e.payload.restart));
  }

  private crashed(error: Error, restart: boolean): void {
    if (restart) {
      this.log.warn({ err: error }, 'the Kafka consumer failed and restarts');
      return;
    }
    // kafkajs deems some errors final that a broker restart causes ("Failed
    // to find group coordinator"): run the consumer again a few times
    // (counted from the last successful join) before the process exits for
    // its supervisor.
    this.restarts++;
    if (this.restarts > STREAM_DEFAULTS.consumerRestarts || this.on.stopping()) {
      this.on.fatal(new CarestreamError('CS_ERR_CONSUMER_CRASHED', `the Kafka consumer stopped: ${error.message}`, { cause: error }));
      return;
    }
    const delay = STREAM_DEFAULTS.consumerRestartDelayMs * this.restarts;
    this.log.warn({ err: error, attempt: this.restarts, retryInMs: delay }, 'the Kafka consumer stopped; running it again');
    setTimeout(() => {
      if (!this.on.stopping()) this.run().catch((err: Error) => this.on.fatal(err));
    }, delay);
  }

  async run(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.o.topics], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.o.concurrency,
      eachBatch: (payload) => this.on.batch(fetchedBatch(payload)),
    });
  }

  pause(partition: number, topics: readonly string[] = this.o.topics): void {
    for (const topic of topics) {
      this.whileRunning('pause', () => this.consumer.pause([{ topic, partitions: [partition] }]));
      this.paused.add(`${topic}:${partition}`);
    }
  }

  resume(topic: string, partition: number): void {
    this.paused.delete(`${topic}:${partition}`);
    this.whileRunning('resume', () => this.consumer.resume([{ topic, partitions: [partition] }]));
  }

  /**
   * Between a crash of the consumer and its next run (a broker restart),
   * kafkajs refuses pause, resume and seek ("consumer#run must be called
   * first"). Nothing is fetched meanwhile, and the run's group join makes
   * every shard anew (paused, then sought to its committed offsets), so the
   * call is not needed; thrown, it would end the process from a shard's
   * retry.
   */
  private whileRunning(what: string, call: () => void): void {
    try {
      call();
    } catch (err) {
      if (!isNotRunning(err)) throw err;
      this.log.debug({ err, call: what }, 'the Kafka consumer is not running; skipped (its next group join starts every shard again)');
    }
  }

  isPaused(topic: string, partition: number): boolean {
    return this.paused.has(`${topic}:${partition}`);
  }

  seek(topic: string, partition: number, offset: bigint | string): void {
    this.whileRunning('seek', () => this.consumer.seek({ topic, partition, offset: offset.toString() }));
  }

  async disconnect(): Promise<void> {
    await this.consumer.disconnect().catch(() => {});
  }
}

/** kafkajs's refusal of a call on a consumer that is not running (KafkaJSNonRetriableError). */
export function isNotRunning(err: unknown): boolean {
  return err instanceof Error && err.name === 'KafkaJSNonRetriableError' && /must be called first|not initialized/i.test(err.message);
}

function fetchedBatch({ batch, resolveOffset, heartbeat, isStale }: EachBatchPayload): FetchedBatch {
  return {
    topic: batch.topic,
    partition: batch.partition,
    messages: batch.messages,
    lastOffset: BigInt(batch.lastOffset()),
    highWatermark: BigInt(batch.highWatermark),
    resolve: () => resolveOffset(batch.lastOffset()),
    heartbeat,
    isStale,
  };
}
