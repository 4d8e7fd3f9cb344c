import { describe, expect, it } from 'vitest';
import { advanceStreamTime, dueCustomers } from '../../../src/features/index.ts';

const H = 3_600_000;
const T = Date.parse('2026-03-01T10:00:00Z');

describe('stream time', () => {
  const base = { current: null, maxApplied: null, caughtUp: false, wallClock: T + 100 * H, allowedLatenessMs: H };

  it('is the largest applied event time, and never moves back', () => {
    expect(advanceStreamTime({ ...base, maxApplied: T })).toBe(T);
    expect(advanceStreamTime({ ...base, current: T, maxApplied: T - H })).toBe(T);
    expect(advanceStreamTime({ ...base, current: T, maxApplied: null })).toBe(T);
  });

  it('follows the wall clock less the lateness once caught up: a quiet night reaches a 24-hour deadline', () => {
    expect(advanceStreamTime({ ...base, current: T, caughtUp: true, wallClock: T + 25 * H })).toBe(T + 24 * H);
    // behind: the records decide, not the clock
    expect(advanceStreamTime({ ...base, current: T, caughtUp: false, wallClock: T + 25 * H })).toBe(T);
    // a clock behind the events (a replay of future-dated data) does not pull it back
    expect(advanceStreamTime({ ...base, current: T, caughtUp: true, wallClock: T - 5 * H })).toBe(T);
  });

  it('a shard that never applied an event has no time, caught up or not', () => {
    expect(advanceStreamTime({ ...base, caughtUp: true })).toBeNull();
  });

  it('names the customers due, earliest first (ties by id)', () => {
    const index = new Map([['C3', T + H], ['C1', T], ['C2', T], ['C4', T + 2 * H]]);
    expect(dueCustomers(index, T + H)).toEqual(['C1', 'C2', 'C3']);
    expect(dueCustomers(index, T - 1)).toEqual([]);
  });
});
