import { parseOrigin, parseStreamTime, parseTimerStep, type TimerStepId } from '../kafka/origin.ts';
import type { OffsetRead } from '../kafka/settled-offsets.ts';

/** Where each of a shard's input partitions stands in the group, as its last commit left it. */
export interface CommittedPosition {
  /** Next offset to read per input topic; -1 when the group never committed and no start was given. */
  readonly committed: Map<string, bigint>;
  /** Where the group's state begins, for topics where it does not begin at the partition's start (origin.ts). */
  readonly origin: Map<string, bigint>;
  /** The stream time the last commit carried, or null. */
  readonly streamTime: number | null;
  /** The last committed timer step, or null. */
  readonly step: TimerStepId | null;
}

/** Offsets a new group starts at instead of committed ones, per topic (tests and the bench seed groups at the end of shared topics). */
export type StartAt = Readonly<Record<string, readonly { partition: number; offset: string }[]>>;

/**
 * Reads a shard's committed position out of an offset fetch of the group.
 * Pure: the fetch (and waiting for it to settle) is the caller's.
 */
export function readCommitted(fetched: readonly OffsetRead[], partition: number, startAt: StartAt | undefined): CommittedPosition {
  const committed = new Map<string, bigint>();
  const origin = new Map<string, bigint>();
  let streamTime: number | null = null;
  let step: TimerStepId | null = null;
  let stepAt = Number.NEGATIVE_INFINITY;
  const starts = new Map((startAt ? Object.entries(startAt) : []).map(([t, ps]) => [t, ps.find((x) => x.partition === partition)?.offset]));
  for (const { topic, partitions } of fetched) {
    const p = partitions.find((x) => x.partition === partition);
    const o = BigInt(p?.offset ?? '-1');
    const start = starts.get(topic);
    committed.set(topic, o >= 0n ? o : start !== undefined ? BigInt(start) : -1n);
    const from = parseOrigin(p?.metadata) ?? (o < 0n && start !== undefined ? BigInt(start) : undefined);
    if (from !== undefined) origin.set(topic, from);
    const st = parseStreamTime(p?.metadata);
    if (st !== null && (streamTime === null || st > streamTime)) streamTime = st;
    // Every commit with timers carries every input topic, so they agree; the latest stream time wins otherwise.
    const ts = parseTimerStep(p?.metadata);
    if (ts !== null && (st ?? Number.NEGATIVE_INFINITY) >= stepAt) {
      step = ts;
      stepAt = st ?? Number.NEGATIVE_INFINITY;
    }
  }
  return { committed, origin, streamTime, step };
}

/** The first and next-to-write offsets of one partition. */
export interface PartitionEnds {
  readonly low: bigint;
  readonly high: bigint;
}

/** Where a live shard starts reading each topic: the committed offset, or the partition's start when retention deleted past it. */
export function liveStart(topics: readonly string[], committed: ReadonlyMap<string, bigint>, ends: ReadonlyMap<string, PartitionEnds>): { topic: string; from: bigint; caughtUp: boolean }[] {
  return topics.map((topic) => {
    const { low, high } = ends.get(topic)!;
    const c = committed.get(topic)!;
    const from = c < low ? low : c;
    return { topic, from, caughtUp: from >= high };
  });
}

/**
 * What a rebuild replays per topic: from where the group's state begins (the
 * partition's start, or the origin when later) up to the committed offset.
 */
export function rebuildRanges(topics: readonly string[], committed: ReadonlyMap<string, bigint>, ends: ReadonlyMap<string, PartitionEnds>, origin: ReadonlyMap<string, bigint>): { ranges: { topic: string; low: bigint; until: bigint }[]; total: number } {
  let total = 0;
  const ranges = topics.map((topic) => {
    const { low: start } = ends.get(topic)!;
    const from = origin.get(topic);
    const low = from !== undefined && from > start ? from : start;
    const c = committed.get(topic)!;
    const until = c < low ? low : c;
    total += Number(until - low);
    return { topic, low, until };
  });
  return { ranges, total };
}
