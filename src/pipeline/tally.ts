import type { DeadLetterReason } from '../events/types.ts';

/**
 * What became of every consumed record: exactly one of applied, skipped
 * (a duplicate or a stale profile) or dead-lettered. consumed always equals
 * the sum of the three; the tests hold the pipeline to it.
 */
export interface Tally {
  consumed: number;
  applied: number;
  skipped: number;
  deadLettered: number;
  byReason: Partial<Record<DeadLetterReason, number>>;
}

export const emptyTally = (): Tally => ({ consumed: 0, applied: 0, skipped: 0, deadLettered: 0, byReason: {} });

export function addTally(into: Tally, t: Tally): void {
  into.consumed += t.consumed;
  into.applied += t.applied;
  into.skipped += t.skipped;
  into.deadLettered += t.deadLettered;
  for (const [r, n] of Object.entries(t.byReason)) {
    const k = r as DeadLetterReason;
    into.byReason[k] = (into.byReason[k] ?? 0) + (n ?? 0);
  }
}
