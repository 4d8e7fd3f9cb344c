import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../../src/generate/index.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { referenceRun } from '../../support/reference-model.ts';
import type { FeatureView } from '../../../src/state/feature-view.ts';

const CUSTOMERS = Number(process.env.GENERATED_CUSTOMERS ?? 1000);
const DAYS = Number(process.env.GENERATED_DAYS ?? 60);

describe(`a generated stream of ${CUSTOMERS} customers over ${DAYS} days`, () => {
  let h: Harness;
  beforeAll(async () => {
    // The history starts on a fixed day (2026-06-01) and its planted time scenarios reach 230 days
    // before it: older than MAX_EVENT_AGE_MS's 400 days once the calendar has moved far enough.
    h = await startHarness({ CONSUMER_CONCURRENCY: '3', MAX_EVENT_AGE_MS: String(3 * 365 * 86_400_000) });
  });
  afterAll(() => h?.stop());

  it('yields, for every customer, the features an independent recomputation gives; publishing it again changes nothing', async () => {
    const { lines } = generate({ seed: 7, customers: CUSTOMERS, days: DAYS, start: '2026-06-01' });
    const all = [...lines];
    const ref = referenceRun(all, { timeZone: 'Asia/Shanghai', allowedLatenessMs: 3_600_000, babyMccs: ['5641', '5945'] });

    const t0 = Date.now();
    await h.produceLines(all);
    await h.waitForConsumed(all.length, 600_000);
    const secs = (Date.now() - t0) / 1000;
    console.log(`[generated] ${all.length} records produced and processed in ${secs.toFixed(1)} s (${Math.round(all.length / secs)} records/s end to end)`);

    const t = h.app.tally;
    expect(t.consumed).toBe(all.length);
    expect(t.consumed).toBe(t.applied + t.skipped + t.deadLettered);
    expect(t.deadLettered).toBe(0);
    expect(t.applied).toBe(ref.applied);

    const store = h.app.store!;
    const snapshot = new Map<string, FeatureView | null>();
    const differing: string[] = [];
    for (const [customerId, expected] of ref.features) {
      const actual = await store.inspect(customerId);
      snapshot.set(customerId, actual);
      try {
        expect(actual).toEqual(expected);
      } catch (err) {
        if (differing.length < 3) console.log(customerId, (err as Error).message.slice(0, 2000));
        differing.push(customerId);
      }
    }
    expect(differing).toEqual([]);
    expect(snapshot.size).toBeGreaterThanOrEqual(CUSTOMERS);

    // The whole stream again, at new offsets: every record is skipped or late, no feature moves.
    const t1 = Date.now();
    await h.produceLines(all);
    await h.waitForConsumed(2 * all.length, 600_000);
    console.log(`[generated] published again: processed in ${((Date.now() - t1) / 1000).toFixed(1)} s, tally ${JSON.stringify(h.app.tally)}`);
    const t2 = h.app.tally;
    expect(t2.applied).toBe(ref.applied);
    expect(t2.consumed).toBe(t2.applied + t2.skipped + t2.deadLettered);
    const changed: string[] = [];
    for (const [customerId, before] of snapshot) {
      const after = await store.inspect(customerId);
      if (JSON.stringify(after) !== JSON.stringify(before)) changed.push(customerId);
    }
    expect(changed).toEqual([]);
  }, 900_000);
});
