import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedFor, generate, nearMissesFor, type LabelMode } from '../../../src/generate/index.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { parseInstant } from '../../../src/events/time.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { committedOutputs } from '../../support/outputs.ts';

const CUSTOMERS = Number(process.env.LABELS_CUSTOMERS ?? 1000);
const DAYS = Number(process.env.LABELS_DAYS ?? 60);
// The service runs the event path alone here (TIMERS_ENABLED=false, not the
// default): its labels are those of the event path. The timer labels of the planted time
// scenarios are checked live by tests/integration/rules/time-triggers.test.ts
// (timers on, the clock off); with timers on for every customer this test also
// needs each customer's cadences and birthdays in the labels
// (src/generate/scenarios/time.ts).
const MODE: LabelMode = 'events';

describe(`the planted scenarios of a generated stream (${CUSTOMERS} customers, ${DAYS} days)`, () => {
  let h: Harness;
  beforeAll(async () => {
    // The topics are loaded before the service starts, as after an outage or a
    // bulk load: records are then processed in event-time order across topics.
    h = await startHarness({ TIMERS_ENABLED: 'false' }, { deferStart: true });
  });
  afterAll(() => h?.stop());

  it('produce exactly the labelled tasks and suppressions: none missing, none extra', async () => {
    const generated = generate({ seed: 11, customers: CUSTOMERS, days: DAYS, start: '2026-06-01' });
    const { lines } = generated;
    const labels = { ...generated.labels, expected: expectedFor(generated.labels, MODE), nearMisses: nearMissesFor(generated.labels, MODE) };
    const all = [...lines];
    await h.produceLines(all);
    await h.startService();
    await h.waitForConsumed(all.length, 600_000);
    const out = await committedOutputs(h);

    type Row = { topic: string; customerId: string; ruleId: string; trigger: string; detail: Record<string, unknown> };
    const actual: Row[] = [
      ...out.fraudChecks.map((t) => ({ topic: TOPICS.fraudCheckTasks, customerId: t.customerId, ruleId: t.ruleId, trigger: t.transactionEventId, detail: { priority: t.priority, reasons: [...t.reasons].sort(), dueBy: t.dueBy } })),
      ...out.outreach.map((t) => ({ topic: TOPICS.outreachTasks, customerId: t.customerId, ruleId: t.ruleId, trigger: t.sourceEventIds.at(-1)!, detail: { kind: t.kind, offerCode: t.offerCode, priority: t.priority, dueBy: t.dueBy, reasons: [...t.reasons].sort() } })),
      ...out.suppressions.map((s) => ({ topic: TOPICS.suppressions, customerId: s.customerId, ruleId: s.ruleId, trigger: s.sourceEventIds.at(-1)!, detail: { kind: s.kind, offerCode: s.offerCode, reason: s.reason } })),
    ];
    const key = (r: { topic: string; customerId: string; ruleId: string; trigger: string }) => `${r.topic}|${r.customerId}|${r.ruleId}|${r.trigger}`;
    const expectedKeys = new Map(labels.expected.map((e) => [key({ topic: e.topic, customerId: e.customerId, ruleId: e.ruleId, trigger: e.triggerEventId }), e]));
    const actualKeys = new Map(actual.map((a) => [key(a), a]));

    const missing = [...expectedKeys.keys()].filter((k) => !actualKeys.has(k));
    const extra = [...actualKeys.keys()].filter((k) => !expectedKeys.has(k));
    const matched = [...expectedKeys.keys()].filter((k) => actualKeys.has(k)).length;
    const precision = actual.length === 0 ? 0 : matched / actual.length;
    const recall = labels.expected.length === 0 ? 1 : matched / labels.expected.length;
    console.log(`[labels] expected ${labels.expected.length}, produced ${actual.length} (${out.fraudChecks.length} fraud checks, ${out.outreach.length} outreach, ${out.suppressions.length} suppressions), matched ${matched}: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);
    if (missing.length) console.log('[labels] missing:', missing.slice(0, 20).map((k) => `${k} (${expectedKeys.get(k)!.scenario})`));
    if (extra.length) console.log('[labels] extra:', extra.slice(0, 20));
    expect(actual.length).toBe(actualKeys.size); // no duplicates
    expect(missing).toEqual([]);
    expect(extra).toEqual([]);

    // Details: kind, offer, priority, reasons and dueBy as labelled.
    const wrong: string[] = [];
    for (const [k, e] of expectedKeys) {
      const a = actualKeys.get(k)!.detail;
      const check = (field: string, want: unknown, got: unknown) => {
        if (want !== undefined && JSON.stringify(want) !== JSON.stringify(got)) wrong.push(`${k} ${field}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`);
      };
      check('priority', e.priority, a.priority);
      check('kind', e.kind, a.kind);
      check('offerCode', e.offerCode, a.offerCode);
      check('reason', e.suppressionReason, a.reason);
      check('reasons', e.reasons ? [...e.reasons].sort() : undefined, a.reasons);
      check('dueBy', e.dueBy ? parseInstant(e.dueBy) : undefined, a.dueBy);
    }
    if (wrong.length) console.log('[labels] wrong details:', wrong.slice(0, 20));
    expect(wrong).toEqual([]);

    // Near misses get no task from their rule.
    const nearMissHits = labels.nearMisses.filter((n) => actual.some((a) => a.customerId === n.customerId && a.ruleId === n.ruleId && a.topic !== TOPICS.suppressions));
    expect(nearMissHits).toEqual([]);
  }, 900_000);
});
