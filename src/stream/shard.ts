import type { BatchResult, InputRecord, OutputMessage, OutputMeta } from '../pipeline/process-batch.ts';
import type { Fence } from '../state/store.ts';
import type { CommittedTimers, ShardState } from '../state/shard-state.ts';
import { ShardQueue, type QueuedRecord } from './shard-queue.ts';
import { moveMode, type ShardMode } from './shard-mode.ts';

/**
 * A shard is partition number p of every input topic (the co-partition
 * assigner keeps them on one member), and this is one ownership of it: made
 * when the shard is assigned or taken over again after a failure, retired when
 * it is lost. Records of a shard are taken in time order across its topics,
 * so a customer's profile, transactions and channel events are seen in the
 * order they happened.
 *
 * (The first version called this a "task"; the word now means only the care
 * task sent to the fraud desk and contact centres. Names persisted before the
 * change keep it: the transactional id `<group>.task.<p>`, the Redis keys
 * `<prefix>:s2:task:<p>…`, metric names, and the `script` label values
 * 'acquire-task' and 'mark-task-built' of the Redis script timings.)
 */
export interface Shard {
  readonly partition: number;
  readonly queue: ShardQueue<InputRecord>;
  /** The chain of drains: one chunk of a shard at a time, in order. */
  running: Promise<void>;
  timer: NodeJS.Timeout | undefined;
  mode: ShardMode;
  fence: Fence | undefined;
  /** The shard's customers for this ownership (opened when acquired). */
  state: ShardState | undefined;
  /** Records below these offsets are not taken (committed, or stale fetches). */
  readonly floor: Map<string, bigint>;
  /** While rebuilding: where the replay stops (the committed offsets). */
  readonly ceiling: Map<string, bigint>;
  /** Where the group's state begins, when not at the start of the topics (carried in every commit). */
  readonly origin: Map<string, bigint>;
  rebuild: RebuildProgress | undefined;
  /** Stream time: the largest event time applied, or the clock less the lateness once caught up; null before any. */
  streamTime: number | null;
  /**
   * What the last commit before this ownership carried: its stream time (a
   * rebuild fires timers up to it) and its timer step (which kept outputs
   * were published).
   */
  acquiredTimers: CommittedTimers;
  /** This ownership's last timer step (one per chunk prepared and per idle step). */
  step: number;
  /**
   * With timers: the next offset per input topic once the chunks prepared so
   * far commit. Every commit carries all of them, so every input topic's
   * metadata holds the last commit's timer step.
   */
  readonly position: Map<string, bigint>;
}

export interface RebuildProgress {
  readonly total: number;
  done: number;
  readonly customers: Set<string>;
  streamTime: number | null;
}

export function newShard(topics: readonly string[], partition: number): Shard {
  return {
    partition,
    queue: new ShardQueue<InputRecord>(topics, partition),
    running: Promise.resolve(),
    timer: undefined,
    mode: 'acquiring',
    fence: undefined,
    state: undefined,
    floor: new Map(),
    ceiling: new Map(),
    origin: new Map(),
    rebuild: undefined,
    streamTime: null,
    acquiredTimers: { streamTime: null, step: null },
    step: 0,
    position: new Map(),
  };
}

export function moveShard(shard: Shard, to: ShardMode): void {
  shard.mode = moveMode(shard.partition, shard.mode, to);
}

/** Retires the shard (idempotent): its timer stops and its work, seeing the mode, commits nothing more. */
export function retireShard(shard: Shard): void {
  if (shard.timer) clearTimeout(shard.timer);
  shard.timer = undefined;
  if (shard.mode !== 'retired') moveShard(shard, 'retired');
}

/**
 * The fetched records the shard takes: at or above its floor (below it they
 * were committed, or are a stale fetch), and below the ceiling while it
 * rebuilds. Moves the floor past what it takes.
 */
export function acceptFetched<M extends { readonly offset: string }>(shard: Shard, topic: string, messages: readonly M[]): M[] {
  const floor = shard.floor.get(topic)!;
  const ceiling = shard.mode === 'rebuilding' ? shard.ceiling.get(topic)! : undefined;
  const kept = messages.filter((m) => {
    const o = BigInt(m.offset);
    return o >= floor && (ceiling === undefined || o < ceiling);
  });
  if (kept.length > 0) shard.floor.set(topic, BigInt(kept[kept.length - 1]!.offset) + 1n);
  return kept;
}

/** Next offset to read per input topic once a chunk commits. */
export function nextOffsets(chunk: readonly QueuedRecord<InputRecord>[]): Map<string, bigint> {
  const next = new Map<string, bigint>();
  for (const r of chunk) {
    const o = BigInt(r.message.message.offset) + 1n;
    if ((next.get(r.topic) ?? -1n) < o) next.set(r.topic, o);
  }
  return next;
}

/** The largest event time among applied transactions and channel events (profiles carry an update time, not a stream event). */
export function maxAppliedTime(result: BatchResult): number | null {
  let max: number | null = null;
  for (const a of result.applied) if (a.record.kind !== 'profile' && (max === null || a.record.event.occurredAt > max)) max = a.record.event.occurredAt;
  return max;
}

/** An output as kept with a customer until its timer step commits (JSON: Buffers in base64). */
interface KeptOutput {
  readonly topic: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly meta?: OutputMeta;
}

export const keptText = (outputs: readonly OutputMessage[]): string =>
  JSON.stringify(outputs.map((m): KeptOutput => ({ topic: m.topic, key: m.key === null ? null : m.key.toString(), value: m.value.toString('base64'), ...(m.headers && { headers: m.headers }), ...(m.meta && { meta: m.meta }) })));

export const fromKept = (text: string): OutputMessage[] =>
  (JSON.parse(text) as KeptOutput[]).map((k) => ({ topic: k.topic, key: k.key, value: Buffer.from(k.value, 'base64'), ...(k.headers && { headers: k.headers }), ...(k.meta && { meta: k.meta }) }));
