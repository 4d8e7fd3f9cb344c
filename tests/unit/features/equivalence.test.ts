// The pure feature engine against the independent recomputation of the tests
// (tests/support/reference-model.ts) over a generated bank: every customer's
// final features must be equal.
import { describe, expect, it } from 'vitest';
import { generate } from '../../../src/generate/index.ts';
import { referenceRun } from '../../support/reference-model.ts';
import { fold } from './fold.ts';

const OPTS = { timeZone: 'Asia/Shanghai', allowedLatenessMs: 3_600_000, babyMccs: ['5641', '5945'] };

describe('the feature engine over a generated bank (300 customers x 90 days, seed 11)', () => {
  const { lines } = generate({ seed: 11, customers: 300, days: 90, start: '2026-03-01' });
  const all = [...lines];

  it('gives every customer the features the reference model computes, and the same counts', () => {
    const ref = referenceRun(all, OPTS);
    const got = fold(all, OPTS);
    expect(got.features.size).toBe(ref.features.size);
    const differing: string[] = [];
    for (const [id, expected] of ref.features) {
      try {
        expect(got.features.get(id)).toEqual(expected);
      } catch (err) {
        if (differing.length < 2) console.log(id, (err as Error).message.slice(0, 1500));
        differing.push(id);
      }
    }
    expect(differing).toEqual([]);
    expect(got.statuses.APPLIED).toBe(ref.applied);
    expect(got.statuses.DUPLICATE_EVENT).toBe(ref.duplicates);
    expect(got.statuses.LATE).toBe(ref.late);
    expect(got.statuses.STALE_PROFILE).toBe(ref.staleProfiles);
  }, 180_000);

  it('publishing the whole stream again (new offsets) applies nothing and moves no feature', () => {
    const once = fold(all, OPTS);
    const twice = fold([...all, ...all], OPTS);
    expect(twice.statuses.APPLIED).toBe(once.statuses.APPLIED);
    expect(twice.features).toEqual(once.features);
    // the default 7-day duplicate window: the last week's events are duplicates, not LATE
    expect(twice.statuses.DUPLICATE_EVENT).toBeGreaterThan(once.statuses.DUPLICATE_EVENT + 1000);
  }, 180_000);

  it('with a duplicate window as long as the stream, every event published again is a duplicate, none LATE', () => {
    // a window past the oldest event (a few customers' histories start months before the 90 days)
    const opts = { ...OPTS, duplicateWindowMs: 400 * 86_400_000 };
    const once = fold(all, opts);
    const twice = fold([...all, ...all], opts);
    expect(twice.statuses.APPLIED).toBe(once.statuses.APPLIED);
    // what was late is late again; every event applied once comes back a duplicate (a profile: stale)
    expect(twice.statuses.LATE).toBe(2 * once.statuses.LATE);
    const profilesApplied = twice.statuses.STALE_PROFILE - 2 * once.statuses.STALE_PROFILE;
    expect(twice.statuses.DUPLICATE_EVENT).toBe(2 * once.statuses.DUPLICATE_EVENT + once.statuses.APPLIED - profilesApplied);
    expect(twice.features).toEqual(once.features);
  }, 180_000);
});
