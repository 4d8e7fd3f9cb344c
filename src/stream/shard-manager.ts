import type { Logger } from 'pino';
import { INPUT_TOPICS, isInputTopic } from '../events/topics.ts';
import { CarestreamError } from '../errors.ts';
import { backoffDelayMs } from '../kafka/backoff.ts';
import { STREAM_DEFAULTS } from '../options.ts';
import { decodeInput, eventTimeOf, type BatchDeps } from '../pipeline/process-batch.ts';
import { emptyTally, type Tally } from '../pipeline/tally.ts';
import { FencedError, StateLostError } from '../state/store.ts';
import { liveStart, type PartitionEnds } from './committed-offsets.ts';
import type { ConsumerLoop, FetchedBatch } from './consumer-loop.ts';
import type { StreamContext } from './context.ts';
import type { GroupOffsets } from './group-offsets.ts';
import type { ResolvedIngestorOptions } from './ingestor-options.ts';
import { Rebuild } from './rebuild.ts';
import { acceptFetched, moveShard, newShard, retireShard, type Shard } from './shard.ts';
import { ShardProcessor } from './shard-processor.ts';
import type { ShardProducers } from './shard-producers.ts';

const isRetryableOwnership = (err: unknown): boolean => err instanceof FencedError || err instanceof StateLostError;

/**
 * Shard ownership and take-over (Kafka Streams' TaskManager): makes a shard
 * for every partition number the group assigns, acquires it (fences earlier
 * owners, reads where it stands), rebuilds it or lets it go live, schedules
 * its chunks one at a time, and after a failure drops it and acquires it
 * again after a backoff — re-reading the committed offsets, rebuilding Redis
 * if it lost the state — so nothing is lost and nothing is doubled.
 */
export class ShardManager {
  private readonly o: ResolvedIngestorOptions;
  private readonly deps: BatchDeps;
  private readonly log: Logger;
  private readonly consumer: ConsumerLoop;
  private readonly offsets: GroupOffsets;
  private readonly producers: ShardProducers;
  private readonly rebuild: Rebuild;
  private readonly processor: ShardProcessor;
  private readonly shards = new Map<number, Shard>();
  /** Work of shards dropped at a rebalance, still finishing: a new owner of the partition waits for it. */
  private readonly retiring = new Map<number, Promise<void>>();
  /** Failures in a row per shard, for the retry backoff and giving up (reset when the shard commits or goes live). */
  private readonly failures = new Map<number, number>();
  /** Shards being acquired or rebuilt: until none is, this instance is not ready. */
  private readonly notLive = new Set<number>();
  private stoppingNow = false;
  private fatal = false;
  private assignedShards = new Set<number>();
  private assignedCount = 0;
  readonly tally: Tally = emptyTally();

  constructor(deps: BatchDeps, options: ResolvedIngestorOptions, consumer: ConsumerLoop, offsets: GroupOffsets, producers: ShardProducers, log: Logger) {
    this.deps = deps;
    this.o = options;
    this.log = log;
    this.consumer = consumer;
    this.offsets = offsets;
    this.producers = producers;
    const ctx: StreamContext = {
      deps,
      options,
      log,
      consumer,
      isCurrent: (shard) => this.isCurrent(shard),
      stopping: () => this.stoppingNow,
    };
    this.rebuild = new Rebuild(ctx);
    this.processor = new ShardProcessor(ctx, producers, this.tally, (p) => this.failures.delete(p));
  }

  get assignedPartitions(): number {
    return this.assignedCount;
  }

  get rebuilding(): boolean {
    return this.notLive.size > 0;
  }

  get degraded(): boolean {
    return this.failures.size > 0;
  }

  get stopping(): boolean {
    return this.stoppingNow;
  }

  /** A shard leaves `shards` only retired, so not retired is this ownership's. */
  private isCurrent(shard: Shard): boolean {
    return shard.mode !== 'retired';
  }

  /**
   * After a rebalance every shard is acquired again (its partitions may have
   * moved); queued, uncommitted records are dropped and read again.
   */
  assigned(shards: ReadonlySet<number>, assignment: Readonly<Record<string, readonly number[]>>): void {
    for (const [p, s] of this.shards) {
      retireShard(s);
      this.retiring.set(p, s.running.catch(() => {}));
    }
    this.shards.clear();
    this.notLive.clear();
    this.assignedCount = Object.values(assignment).reduce((n, ps) => n + ps.length, 0);
    this.assignedShards = new Set(shards);
    // Every assigned shard is taken over now, not at its next record: a shard
    // whose state Redis lost is rebuilt even if no new record arrives.
    if (!this.stoppingNow) for (const p of this.assignedShards) this.shardFor(p);
    this.o.observer?.assigned?.({ partitions: this.assignedCount });
    this.log.info({ assignment }, 'partitions assigned');
  }

  giveUp(err: Error): void {
    if (this.fatal || this.stoppingNow) return;
    this.fatal = true;
    this.log.fatal({ err }, 'processing cannot go on; stopping');
    this.o.onFatal?.(err);
  }

  /** Lets the chunks in flight finish (and commit); nothing new starts. */
  async stop(): Promise<void> {
    this.stoppingNow = true;
    for (const s of this.shards.values()) if (s.timer) clearTimeout(s.timer);
    await Promise.allSettled([...this.shards.values()].map((s) => s.running));
  }

  private shardFor(partition: number): Shard {
    let s = this.shards.get(partition);
    if (!s) {
      const shard = (s = newShard(INPUT_TOPICS, partition));
      this.shards.set(partition, shard);
      this.notLive.add(partition);
      this.consumer.pause(partition);
      shard.running = this.acquire(shard).catch((err: Error) => this.recoverOrGiveUp(shard, err));
    }
    return s;
  }

  /**
   * Takes the shard over. The order matters: the earlier owner's transaction
   * must be settled (fresh producer) before the committed offsets are read,
   * because Kafka answers an offset fetch with the offsets before a pending
   * transactional commit (kafkajs has no KIP-447 require_stable) — reading
   * them first could replay a committed chunk and publish its care tasks twice.
   */
  private async acquire(shard: Shard): Promise<void> {
    const p = shard.partition;
    await this.retiring.get(p);
    this.retiring.delete(p);
    if (!this.isCurrent(shard) || this.stoppingNow) return;
    await this.producers.fresh(p);
    const { epoch, built } = await this.deps.store.acquireShard(p);
    const { committed, origin, streamTime, step } = await this.offsets.committed(p);
    const ends = await this.offsets.ends(p);
    if (!this.isCurrent(shard) || this.stoppingNow) return;
    shard.fence = { partition: p, epoch };
    shard.streamTime = streamTime;
    shard.acquiredTimers = { streamTime, step };
    shard.step = 0;
    shard.state = this.deps.store.openShard(p);
    for (const [topic, o] of origin) shard.origin.set(topic, o);
    if (built) {
      this.goLive(shard, committed, ends);
      this.log.debug({ partition: p, epoch, committed: Object.fromEntries(committed) }, 'shard acquired');
    } else {
      this.rebuild.start(shard, committed, ends);
    }
    await this.drain(shard);
  }

  private goLive(shard: Shard, committed: ReadonlyMap<string, bigint>, ends: ReadonlyMap<string, PartitionEnds>): void {
    const p = shard.partition;
    moveShard(shard, 'live');
    this.notLive.delete(p);
    this.failures.delete(p);
    for (const { topic, from, caughtUp } of liveStart(INPUT_TOPICS, committed, ends)) {
      shard.floor.set(topic, from);
      shard.position.set(topic, from);
      shard.queue.setCaughtUp(topic, caughtUp);
      this.consumer.seek(topic, p, from);
      this.consumer.resume(topic, p);
    }
  }

  /** A position learnt without records (markers, aborted data). */
  position(topic: string, partition: number, next: bigint, caughtUp: boolean): void {
    const shard = this.shards.get(partition);
    if (!shard || shard.mode === 'acquiring') return;
    if (shard.mode === 'rebuilding') {
      if (next >= shard.ceiling.get(topic)!) this.rebuild.topicDone(shard, topic);
    } else if (shard.queue.sizeOf(topic) === 0) {
      shard.queue.setCaughtUp(topic, caughtUp);
    }
    void this.schedule(shard);
  }

  async batch(batch: FetchedBatch): Promise<void> {
    const { topic, partition, messages } = batch;
    if (messages.length === 0 || !isInputTopic(topic) || this.stoppingNow || batch.isStale()) return;
    const shard = this.shardFor(partition);
    if (shard.mode === 'acquiring') return; // paused; fetched again from the right place once acquired
    const next = batch.lastOffset + 1n;
    const rebuilding = shard.mode === 'rebuilding';
    const ceiling = rebuilding ? shard.ceiling.get(topic)! : undefined;
    const kept = acceptFetched(shard, topic, messages);
    this.o.observer?.fetched?.({ topic, partition, highWatermark: batch.highWatermark, lastOffset: batch.lastOffset });
    // Decoded here, in the fetch, so records can be ordered by their event time.
    const decoded = await Promise.all(kept.map((m) => decodeInput(this.deps, topic, partition, m)));
    if (!this.isCurrent(shard)) return;
    const records = kept.map((m, i) => ({ timestamp: eventTimeOf(decoded[i]!, m), message: { topic, partition, message: m, decoded: decoded[i]! } }));
    if (ceiling !== undefined) {
      shard.queue.push(topic, records, next >= ceiling);
      if (next >= ceiling) this.rebuild.topicDone(shard, topic);
    } else {
      shard.queue.push(topic, records, next >= batch.highWatermark);
    }
    // The fetch position follows resolved offsets; commits happen in the
    // shard's transactions. Resolved only now: a decode that threw (registry
    // down) has the batch fetched again.
    batch.resolve();
    if (shard.queue.sizeOf(topic) > this.o.maxQueued && !this.consumer.isPaused(topic, partition)) this.consumer.pause(partition, [topic]);
    // Processing runs beside fetching: a shard waiting for another topic's
    // records must not hold up the fetch that brings them. Paused partitions
    // bound the memory.
    void this.schedule(shard);
    await batch.heartbeat();
  }

  /** Idle live shards whose stream time follows the clock: a drain with nothing queued runs their timer step. */
  tick(): void {
    for (const shard of this.shards.values()) if (shard.mode === 'live' && shard.queue.size === 0) void this.schedule(shard);
  }

  /** A live shard whose ownership hash vanished from Redis is taken over again, which rebuilds its state. */
  async watchState(): Promise<void> {
    for (const shard of [...this.shards.values()]) {
      if (shard.mode !== 'live') continue;
      const p = shard.partition;
      const present = await this.deps.store.hasShardState(p).catch(() => true); // Redis unreachable: chunks will tell
      if (present || !this.isCurrent(shard)) continue;
      shard.running = shard.running
        .then(() => {
          throw new StateLostError(`shard ${p} state missing in Redis`);
        })
        .catch((err: Error) => this.recoverOrGiveUp(shard, err));
    }
  }

  /** Queues a drain of the shard behind the one running; resolves when it is done. */
  private schedule(shard: Shard): Promise<void> {
    shard.running = shard.running.then(() => this.drain(shard)).catch((err: Error) => this.recoverOrGiveUp(shard, err));
    return shard.running;
  }

  /** recover(), and should recovering itself fail, a clean exit for the supervisor rather than an unhandled rejection. */
  private recoverOrGiveUp(shard: Shard, err: Error): Promise<void> {
    return this.recover(shard, err).catch((e: Error) => this.giveUp(e));
  }

  /**
   * A chunk failed (Redis or Kafka unreachable, a fenced producer, lost
   * state): nothing of it was committed. The shard is retired and acquired
   * again after a backoff.
   */
  private async recover(shard: Shard, err: Error): Promise<void> {
    const partition = shard.partition;
    if (!this.isCurrent(shard) || this.stoppingNow) return;
    const ownership = isRetryableOwnership(err);
    const attempt = ownership ? 1 : (this.failures.get(partition) ?? 0) + 1;
    if (!ownership) this.failures.set(partition, attempt);
    const delay = ownership ? STREAM_DEFAULTS.ownershipRetryMs : backoffDelayMs(attempt);
    const level = err instanceof StateLostError ? 'warn' : 'error';
    this.log[level]({ err, partition, attempt, retryInMs: delay }, err instanceof StateLostError ? 'Redis lost the shard state; the shard will rebuild it' : 'processing a chunk failed; it will be read again');
    this.o.observer?.chunkFailed?.({ partition, error: err, attempt, retryInMs: delay });
    if (attempt >= this.o.maxFailures) {
      this.giveUp(new CarestreamError('CS_ERR_PROCESSING_GAVE_UP', `shard ${partition} failed ${attempt} times in a row; last error: ${err.message}`, { cause: err }));
      return;
    }
    retireShard(shard); // queued records are dropped, running work stops
    this.shards.delete(partition);
    this.notLive.delete(partition);
    this.consumer.pause(partition);
    await new Promise((r) => setTimeout(r, delay));
    if (this.stoppingNow || this.shards.has(partition)) return;
    // Acquire again now rather than on the next fetch: the partitions are paused.
    if (this.assignedShards.has(partition)) this.shardFor(partition);
  }

  private async drain(shard: Shard): Promise<void> {
    if (shard.mode === 'acquiring') return;
    const { maxIdleMs: maxIdle, maxChunk } = this.o;
    // One transaction in flight while the next chunk is prepared (pipelining
    // hides the Redis and rules time behind the commit round trips).
    let committing: Promise<void> | undefined;
    const settle = async () => {
      const c = committing;
      committing = undefined;
      if (c) await c;
    };
    try {
      for (;;) {
        if (!this.isCurrent(shard) || this.stoppingNow) break;
        const chunk = shard.queue.take(maxChunk, Date.now(), maxIdle);
        if (chunk.length === 0) break;
        if (shard.mode === 'rebuilding') {
          await settle();
          await this.rebuild.chunk(shard, chunk);
          continue;
        }
        const prepared = await this.processor.prepare(shard, chunk);
        await settle();
        committing = this.processor.commit(shard, prepared);
        committing.catch(() => {}); // awaited by settle(); this only silences the interim
      }
      await settle();
    } catch (err) {
      // Never leave a transaction running behind a failure: the shard is taken
      // over again next, with a fresh producer.
      await committing?.catch(() => {});
      throw err;
    }
    if (!this.isCurrent(shard) || this.stoppingNow) return;
    if (this.rebuild.complete(shard)) {
      if (!(await this.rebuild.finish(shard))) return;
      const ends = await this.offsets.ends(shard.partition);
      if (!this.isCurrent(shard)) return;
      this.goLive(shard, shard.ceiling, ends);
      return;
    }
    if (shard.mode === 'live' && shard.queue.size === 0 && INPUT_TOPICS.every((t) => shard.queue.isCaughtUp(t))) await this.processor.idleStep(shard);
    this.resumeDrained(shard);
    const retryAt = shard.queue.retryAt(maxIdle);
    if (retryAt !== undefined && Number.isFinite(retryAt) && shard.queue.size > 0 && !shard.timer) {
      shard.timer = setTimeout(() => {
        shard.timer = undefined;
        void this.schedule(shard);
      }, Math.max(0, retryAt - Date.now()) + 5);
    }
  }

  private resumeDrained(shard: Shard): void {
    for (const topic of INPUT_TOPICS) {
      if (this.consumer.isPaused(topic, shard.partition) && shard.queue.sizeOf(topic) < this.o.maxQueued / 2 && !(shard.mode === 'rebuilding' && shard.queue.isCaughtUp(topic))) {
        this.consumer.resume(topic, shard.partition);
      }
    }
  }
}
