import { INPUT_TOPICS } from '../events/topics.ts';
import { advanceStreamTime } from '../features/stream-time.ts';
import { processBatch, type InputRecord } from '../pipeline/process-batch.ts';
import type { QueuedRecord } from './shard-queue.ts';
import { rebuildRanges, type PartitionEnds } from './committed-offsets.ts';
import type { StreamContext } from './context.ts';
import { maxAppliedTime, moveShard, type Shard } from './shard.ts';

/**
 * The restorer: when Redis lost a shard's state, each input partition is
 * replayed from where the group's state begins up to the committed offset into
 * the features, publishing nothing and committing nothing, then the shard goes
 * live at the committed offsets. (Kafka Streams restores from a changelog; here
 * the input topics are the changelog.)
 */
export class Rebuild {
  private readonly ctx: StreamContext;

  constructor(ctx: StreamContext) {
    this.ctx = ctx;
  }

  /** From `acquiring`: seeks every input partition to where the replay starts. */
  start(shard: Shard, committed: ReadonlyMap<string, bigint>, ends: ReadonlyMap<string, PartitionEnds>): void {
    const { consumer, log, options } = this.ctx;
    const p = shard.partition;
    moveShard(shard, 'rebuilding');
    const { ranges, total } = rebuildRanges(INPUT_TOPICS, committed, ends, shard.origin);
    for (const { topic, low, until } of ranges) {
      shard.floor.set(topic, low);
      shard.ceiling.set(topic, until);
      shard.queue.setCaughtUp(topic, low >= until);
      if (low < until) {
        consumer.seek(topic, p, low);
        consumer.resume(topic, p);
      }
    }
    shard.rebuild = { total, done: 0, customers: new Set(), streamTime: null };
    // A new group (or one seeded where its records begin) has nothing to rebuild: not worth a warning.
    if (total === 0) log.info({ partition: p }, 'no shard state in Redis yet and nothing to rebuild (a first run); starting fresh');
    else log.warn({ partition: p, records: total }, 'the shard state is missing in Redis; rebuilding it from the input topics');
    options.observer?.rebuildProgress?.({ partition: p, done: 0, total, finished: false });
  }

  /** A topic replayed up to its ceiling: caught up, and paused so nothing past the ceiling is fetched. */
  topicDone(shard: Shard, topic: string): void {
    shard.queue.setCaughtUp(topic, true);
    if (!this.ctx.consumer.isPaused(topic, shard.partition)) this.ctx.consumer.pause(shard.partition, [topic]);
  }

  /** True once every topic is replayed and nothing is queued: time to finish. */
  complete(shard: Shard): boolean {
    return shard.mode === 'rebuilding' && shard.queue.size === 0 && INPUT_TOPICS.every((t) => shard.queue.isCaughtUp(t));
  }

  /** A chunk of the rebuild: features only, nothing published, nothing committed. */
  async chunk(shard: Shard, chunk: readonly QueuedRecord<InputRecord>[]): Promise<void> {
    const { deps, options, log } = this.ctx;
    const fence = { ...shard.fence!, rebuilding: true };
    const state = shard.state!;
    const rebuild = shard.rebuild!;
    const result = await processBatch(deps, chunk.map((r) => r.message), state, fence, options.timers?.hooks);
    const timers = options.timers;
    if (timers) {
      // With timers, the state remembers what was decided (issued checks, the
      // cadence's contacts) and which timers fired: decided again here, up to
      // the stream time the commits carried, and nothing is published.
      if (options.afterBatch) await options.afterBatch(result, state, fence);
      const applied = advanceStreamTime({ current: rebuild.streamTime, maxApplied: maxAppliedTime(result), caughtUp: false, wallClock: 0, allowedLatenessMs: timers.allowedLatenessMs });
      const sc = shard.acquiredTimers.streamTime;
      const upTo = applied !== null && sc !== null ? Math.min(applied, sc) : null;
      if (upTo !== null) await state.fireDue(upTo, null, fence, timers.hooks);
      rebuild.streamTime = applied;
    }
    await state.flush(fence);
    for (const r of chunk) if (r.message.decoded.ok) rebuild.customers.add(r.message.decoded.record.event.customerId);
    rebuild.done += chunk.length;
    options.observer?.rebuildProgress?.({ partition: shard.partition, done: rebuild.done, total: rebuild.total, finished: false });
    log.debug({ partition: shard.partition, records: chunk.length, applied: result.tally.applied, done: rebuild.done, total: rebuild.total }, 'rebuild chunk applied');
  }

  /**
   * Timers due after the last replayed record (up to the committed stream
   * time), the contact history restored, the state marked built. True when
   * the shard is still this ownership's and may go live at its ceiling.
   */
  async finish(shard: Shard): Promise<boolean> {
    const { deps, options, log } = this.ctx;
    const p = shard.partition;
    const fence = { ...shard.fence!, rebuilding: true };
    const state = shard.state!;
    const rebuilt = shard.rebuild!;
    const sc = shard.acquiredTimers.streamTime;
    if (options.timers && sc !== null) await state.fireDue(sc, null, fence, options.timers.hooks);
    await options.restoreContacts?.(p, rebuilt.customers, state, fence);
    await state.flush(fence);
    await deps.store.markShardBuilt(fence);
    if (!this.ctx.isCurrent(shard)) return false;
    log.info({ partition: p, records: rebuilt.done, customers: rebuilt.customers.size }, 'shard state rebuilt; processing resumes');
    options.observer?.rebuildProgress?.({ partition: p, done: rebuilt.done, total: rebuilt.total, finished: true });
    shard.rebuild = undefined;
    return true;
  }
}
