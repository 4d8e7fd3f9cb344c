import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { INPUT_TOPICS } from '../events/topics.ts';
import { producerCachingCoordinators } from '../kafka/coordinator-cache.ts';
import { STREAM_DEFAULTS } from '../options.ts';
import type { BatchDeps } from '../pipeline/process-batch.ts';
import type { Tally } from '../pipeline/tally.ts';
import { ConsumerLoop } from './consumer-loop.ts';
import { GroupOffsets } from './group-offsets.ts';
import { resolveIngestorOptions, type IngestorOptions, type ResolvedIngestorOptions } from './ingestor-options.ts';
import { ShardManager } from './shard-manager.ts';
import { ShardProducers } from './shard-producers.ts';

export type { IngestorOptions, TimerHooks } from './ingestor-options.ts';

/**
 * Consume → process → publish, exactly once, per shard (partition p of every
 * input topic). Each chunk's outputs and input offsets commit in one Kafka
 * transaction whose transactional id belongs to the shard, so an instance
 * that takes a shard over fences the one that lost it — in Kafka through the
 * producer epoch, in Redis through the epoch every write carries.
 *
 * The parts, after Kafka Streams: the consumer loop (ConsumerLoop, its
 * StreamThread), shard ownership and take-over (ShardManager, its
 * TaskManager), what a shard does with a chunk (ShardProcessor, its
 * StreamTask), the transactional producers (ShardProducers, its
 * StreamsProducer) and the rebuild of lost state (Rebuild, its restorer).
 * This class wires them and is all the rest of carestream sees.
 */
export class Ingestor {
  private readonly consumer: ConsumerLoop;
  private readonly offsets: GroupOffsets;
  private readonly producers: ShardProducers;
  private readonly shards: ShardManager;
  private readonly o: ResolvedIngestorOptions;
  private stateWatch: NodeJS.Timeout | undefined;
  private timerTick: NodeJS.Timeout | undefined;

  constructor(kafka: Kafka, deps: BatchDeps, options: IngestorOptions, logger: Logger) {
    const o = (this.o = resolveIngestorOptions(options));
    const log = logger.child({ component: 'ingestor' });
    this.offsets = new GroupOffsets(kafka.admin(), o.groupId, INPUT_TOPICS, o.startAt);
    this.producers = new ShardProducers((transactionalId) => producerCachingCoordinators(kafka, { transactionalId, idempotent: true, maxInFlightRequests: 1 }, { ttlMs: STREAM_DEFAULTS.coordinatorCacheMs }), {
      groupId: o.groupId,
      retried: (partition, attempt) => o.observer?.transactionRetried?.({ partition, attempt }),
      ...(deps.maxDeadLetterBytes !== undefined && { maxDeadLetterBytes: deps.maxDeadLetterBytes }),
    });
    let shards: ShardManager | undefined;
    this.consumer = new ConsumerLoop(
      kafka,
      { groupId: o.groupId, topics: INPUT_TOPICS, concurrency: o.concurrency, sessionTimeoutMs: o.sessionTimeoutMs, fetchMaxBytesPerPartition: o.fetchMaxBytesPerPartition },
      {
        assigned: (ps, assignment) => shards!.assigned(ps, assignment),
        batch: (b) => shards!.batch(b),
        position: (topic, partition, next, caughtUp) => shards!.position(topic, partition, next, caughtUp),
        fatal: (err) => shards!.giveUp(err),
        stopping: () => shards!.stopping,
      },
      log,
    );
    this.shards = shards = new ShardManager(deps, o, this.consumer, this.offsets, this.producers, log);
  }

  /** What the committed chunks applied, counted since start. */
  get tally(): Tally {
    return this.shards.tally;
  }

  /** Partitions currently assigned to this instance. */
  get assignedPartitions(): number {
    return this.shards.assignedPartitions;
  }

  /**
   * True while a shard is being taken over or its lost Redis state rebuilt
   * from the input topics: until it is live, this instance is not ready.
   */
  get rebuilding(): boolean {
    return this.shards.rebuilding;
  }

  /** True from a failed chunk until a chunk commits again (Kafka or Redis unreachable). */
  get degraded(): boolean {
    return this.shards.degraded;
  }

  async start(): Promise<void> {
    await this.offsets.connect();
    await this.consumer.run();
    for (const [topic, partitions] of Object.entries(this.o.startAt ?? {})) {
      for (const p of partitions) this.consumer.seek(topic, p.partition, p.offset);
    }
    this.stateWatch = setInterval(() => void this.shards.watchState(), this.o.stateCheckIntervalMs);
    this.stateWatch.unref();
    if (this.o.timers?.followClock) {
      this.timerTick = setInterval(() => this.shards.tick(), this.o.timers.tickMs);
      this.timerTick.unref();
    }
  }

  /** Finishes the chunks in flight, commits them and leaves the group. */
  async stop(): Promise<void> {
    if (this.stateWatch) clearInterval(this.stateWatch);
    if (this.timerTick) clearInterval(this.timerTick);
    await this.shards.stop();
    await this.consumer.disconnect();
    await this.offsets.disconnect();
    await this.producers.closeAll();
  }
}
