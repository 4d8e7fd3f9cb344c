/**
 * A shard's stream time (docs/RULES.md "Time"): the largest event time the
 * shard has applied; once it has consumed everything available, also the wall
 * clock less the allowed lateness, so a quiet night still reaches a 24-hour
 * deadline. Never moves back (a restart resumes from the stored value).
 * Pure: the caller says what it applied, whether it is caught up and what
 * the clock says.
 */
export interface StreamTimeInput {
  /** The shard's stream time so far (null: none yet, a fresh shard). */
  readonly current: number | null;
  /** The largest occurredAt among the records just applied (null: none). */
  readonly maxApplied: number | null;
  /** Whether the shard has consumed every record available (its lag is 0). */
  readonly caughtUp: boolean;
  readonly wallClock: number;
  readonly allowedLatenessMs: number;
}

export function advanceStreamTime(i: StreamTimeInput): number | null {
  let t = i.current;
  if (i.maxApplied !== null && (t === null || i.maxApplied > t)) t = i.maxApplied;
  // Only a shard that has seen an event follows the clock: an empty partition has no time to keep.
  if (i.caughtUp && t !== null) {
    const clock = i.wallClock - i.allowedLatenessMs;
    if (clock > t) t = clock;
  }
  return t;
}

/** A shard's customers by next due time (what it keeps in Redis as a sorted set): those due at `streamTime`, earliest first. */
export function dueCustomers(index: ReadonlyMap<string, number>, streamTime: number): string[] {
  return [...index]
    .filter(([, at]) => at <= streamTime)
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([id]) => id);
}
