import { advanceStreamTime } from '../features/stream-time.ts';
import { originMetadata } from '../kafka/origin.ts';
import { processBatch, releaseViews, type BatchResult, type InputRecord, type OutputMessage } from '../pipeline/process-batch.ts';
import { addTally, emptyTally, type Tally } from '../pipeline/tally.ts';
import { TOPIC_INDEX } from '../state/encode.ts';
import type { TimerStep } from '../state/shard-state.ts';
import type { StreamContext } from './context.ts';
import type { QueuedRecord } from './shard-queue.ts';
import type { ShardProducers } from './shard-producers.ts';
import { fromKept, keptText, maxAppliedTime, nextOffsets, type Shard } from './shard.ts';

/** A chunk whose Redis and rules half is done, waiting for its transaction. */
export interface PreparedChunk {
  readonly chunk: readonly QueuedRecord<InputRecord>[];
  readonly result: BatchResult;
  readonly outputs: OutputMessage[];
  /** Next offset to read per input topic once this chunk commits. */
  readonly next: ReadonlyMap<string, bigint>;
  readonly startedAt: number;
  /** The shard's stream time once this chunk commits (carried in the commit's offset metadata). */
  readonly streamTime: number | null;
  /** With timers: the chunk's timer step (carried in the commit's offset metadata). */
  readonly step?: number;
}

/**
 * What a live shard does with a chunk of its records (Kafka Streams'
 * StreamTask): features applied, rules and policy decided, timers fired by
 * stream time, every changed customer written back — then outputs and input
 * offsets committed in one Kafka transaction through the shard's producer.
 */
export class ShardProcessor {
  private readonly ctx: StreamContext;
  private readonly producers: ShardProducers;
  private readonly tally: Tally;
  private readonly onCommitted: (partition: number) => void;

  constructor(ctx: StreamContext, producers: ShardProducers, tally: Tally, onCommitted: (partition: number) => void) {
    this.ctx = ctx;
    this.producers = producers;
    this.tally = tally;
    this.onCommitted = onCommitted;
  }

  /**
   * The Redis and rules half of a chunk: features applied, decisions taken and
   * recorded, outputs built. Runs while the previous chunk's transaction
   * commits; safe because every applied record's result is kept until its own
   * chunk commits, so a chunk replayed after a failed commit gets the same
   * results whatever was applied after it.
   */
  async prepare(shard: Shard, chunk: readonly QueuedRecord<InputRecord>[]): Promise<PreparedChunk> {
    const { deps, options } = this.ctx;
    const startedAt = Date.now();
    const fence = shard.fence!;
    const state = shard.state!;
    // 1. The chunk's records applied to the shard's customers (in memory).
    const result = await processBatch(deps, chunk.map((r) => r.message), state, fence, options.timers?.hooks);
    // 2. Rules and the contact policy; their contacts and decision-log entries go to the shard state.
    const extra = options.afterBatch ? await options.afterBatch(result, state, fence) : [];
    releaseViews(result);
    // 3. Time as a trigger: the chunk's stream time fires every timer due by
    //    then, through the same rules and policy, against the same state,
    //    before the write-back below, so the outputs commit with the chunk.
    let streamTime = shard.streamTime;
    let step: number | undefined;
    const timerOutputs: OutputMessage[] = [];
    if (options.timers) {
      streamTime = advanceStreamTime({ current: shard.streamTime, maxApplied: maxAppliedTime(result), caughtUp: false, wallClock: 0, allowedLatenessMs: options.timers.allowedLatenessMs });
      shard.streamTime = streamTime;
      step = ++shard.step;
      // With no stream time yet nothing is due, but the first step still takes over an earlier owner's kept outputs.
      timerOutputs.push(...(await this.timerStep(shard, streamTime ?? Number.MIN_SAFE_INTEGER, step, result.decidedTimers ?? [])));
    }
    // 4. Every customer the chunk changed, written back before its transaction commits (step 5, commit).
    await state.flush(fence);
    const next = nextOffsets(chunk);
    if (step !== undefined) {
      for (const [topic, o] of next) shard.position.set(topic, o);
      for (const [topic, o] of shard.position) if (o >= 0n) next.set(topic, o);
    }
    return { chunk, result, outputs: [...result.outputs, ...extra, ...timerOutputs], next, startedAt, streamTime, ...(step !== undefined && { step }) };
  }

  /**
   * Fires the shard's timers due at `streamTime` and decides on them; their
   * outputs are kept with the customers (written at the flush) until the
   * step commits, so an owner that takes over after a failed commit
   * publishes them (the timers are consumed in the state it loads). Kept
   * outputs of an earlier owner come back here too, as they were.
   */
  private async timerStep(shard: Shard, streamTime: number, stepNo: number, early: readonly unknown[]): Promise<OutputMessage[]> {
    const timers = this.ctx.options.timers!;
    const state = shard.state!;
    const fence = shard.fence!;
    const fired = await state.fireDue(streamTime, { step: stepNo, committed: shard.acquiredTimers }, fence, timers.hooks);
    const kept = fired.kept.flatMap(fromKept);
    if (fired.fired.size === 0 && early.length === 0) return kept;
    // Timers that fired between a customer's records come first: they fired earlier in stream time.
    const step: TimerStep = early.length === 0 ? fired : { ...fired, decided: [...early, ...fired.decided] };
    const outputs = await timers.afterTimers(step, state, fence);
    const byCustomer = new Map<string, OutputMessage[]>();
    for (const m of outputs) {
      const id = m.key === null ? undefined : m.key.toString();
      if (id === undefined) continue;
      let list = byCustomer.get(id);
      if (!list) byCustomer.set(id, (list = []));
      list.push(m);
    }
    await state.keepTimerOutputs(stepNo, new Map([...byCustomer].map(([id, ms]) => [id, keptText(ms)])), fence);
    return [...kept, ...outputs];
  }

  /**
   * A shard that consumed everything available: its stream time follows the
   * clock less the allowed lateness (STREAM_TIME_FOLLOWS_CLOCK), and the
   * timers that makes due fire in a chunk without records — the same rules,
   * policy, write-back and transaction, committing the offsets the shard
   * already stands at, with the new stream time in their metadata.
   */
  async idleStep(shard: Shard): Promise<void> {
    const timers = this.ctx.options.timers;
    if (!timers?.followClock || shard.streamTime === null || this.ctx.stopping()) return;
    const streamTime = advanceStreamTime({ current: shard.streamTime, maxApplied: null, caughtUp: true, wallClock: Date.now(), allowedLatenessMs: timers.allowedLatenessMs });
    if (streamTime === null || streamTime === shard.streamTime) return;
    shard.streamTime = streamTime;
    const startedAt = Date.now();
    const step = ++shard.step;
    const outputs = await this.timerStep(shard, streamTime, step, []);
    await shard.state!.flush(shard.fence!);
    if (outputs.length === 0) return;
    const next = new Map<string, bigint>();
    for (const [topic, at] of shard.position) if (at >= 0n) next.set(topic, at);
    await this.commit(shard, { chunk: [], result: { outputs: [], tally: emptyTally(), applied: [], customers: new Map() }, outputs, next, startedAt, streamTime, step });
  }

  /** The Kafka half: outputs and input offsets in one transaction. */
  async commit(shard: Shard, prepared: PreparedChunk): Promise<void> {
    const { options, log } = this.ctx;
    // A rebalance took the shard: the new owner replays the chunk. (Not
    // isCurrent: a chunk prepared before a shutdown still commits.)
    if (shard.mode === 'retired') return;
    const { chunk, result, outputs, next, startedAt } = prepared;
    const partition = shard.partition;
    const owner = shard.state!.owner;
    await this.producers.commit(
      partition,
      outputs,
      [...next].map(([topic, offset]) => ({ topic, offset, metadata: originMetadata(shard.origin.get(topic), prepared.streamTime, prepared.step === undefined ? undefined : { owner, step: prepared.step }) ?? null })),
    );
    this.onCommitted(partition);
    // Committed: the kept results of these records will never be replayed. A
    // failure here leaves only garbage behind, so it does not fail the chunk.
    void shard.state!
      .committed(chunk.map((r) => ({ customerId: r.message.decoded.ok ? r.message.decoded.record.event.customerId : undefined, topicIndex: TOPIC_INDEX[r.message.topic], offset: r.message.message.offset })))
      .catch((err: Error) => log.warn({ err, partition }, 'could not delete the results of a committed chunk'));
    if (prepared.step !== undefined) {
      void shard.state!.committedTimers(prepared.step).catch((err: Error) => log.warn({ err, partition }, 'could not delete the kept timer outputs of a committed chunk'));
    }
    addTally(this.tally, result.tally);
    options.observer?.chunkCommitted?.({ partition, records: chunk.map((r) => r.message), result, outputs, committed: next, startedAt, committedAt: Date.now() });
    log.debug({ partition, records: chunk.length, outputs: outputs.length, ms: Date.now() - startedAt }, 'chunk committed');
  }
}
