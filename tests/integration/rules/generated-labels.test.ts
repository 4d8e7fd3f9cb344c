import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedFor, fraudCheckTrigger, generate, nearMissesFor, type LabelMode } from '../../../src/generate/index.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { parseInstant } from '../../../src/events/time.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { committedOutputs } from '../../support/outputs.ts';
import { outputKeys, reachHorizon, storyMismatches } from '../../support/time-stories.ts';

const CUSTOMERS = Number(process.env.LABELS_CUSTOMERS ?? 1000);
const DAYS = Number(process.env.LABELS_DAYS ?? 60);
// The first test runs the event path alone (TIMERS_ENABLED=false, not the
// default): every output of every customer is labelled, none missing, none
// extra. The second runs the default, timers on (the clock off, so the run is
// exact): the labels state, per planted customer, every output of the rules
// that customer's `timers` labels and near misses name; other timer outputs of
// planted customers (a planted VIP's cadence, an escalation of a planted
// fraud check nobody answers) are not stated, and background customers give
// nothing unlabelled on either path.
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
      ...out.fraudChecks.map((t) => ({ topic: TOPICS.fraudCheckTasks, customerId: t.customerId, ruleId: t.ruleId, trigger: fraudCheckTrigger(t), detail: { priority: t.priority, reasons: [...t.reasons].sort(), dueBy: t.dueBy } })),
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

describe(`the same generated stream with timers on, the default (${CUSTOMERS} customers, ${DAYS} days)`, () => {
  let h: Harness;
  beforeAll(async () => {
    // The 290-day span of asset-growth/window-moves reaches back further than MAX_EVENT_AGE_MS's 400 days before today.
    h = await startHarness({ TIMERS_ENABLED: 'true', STREAM_TIME_FOLLOWS_CLOCK: 'false', MAX_EVENT_AGE_MS: String(3 * 365 * 86_400_000) }, { deferStart: true });
  });
  afterAll(() => h?.stop());

  it('produces every labelled output of every planted customer exactly, and nothing unlabelled for background customers', async () => {
    const generated = generate({ seed: 11, customers: CUSTOMERS, days: DAYS, start: '2026-06-01' });
    const labels = generated.labels;
    const all = [...generated.lines];
    await h.produceLines(all);
    const horizonRecords = await reachHorizon(h, all);
    await h.startService();
    await h.waitForConsumed(all.length + horizonRecords, 600_000);
    const out = await committedOutputs(h);

    const taskIds = [...out.fraudChecks.map((t) => t.taskId), ...out.outreach.map((t) => t.taskId)];
    expect(new Set(taskIds).size).toBe(taskIds.length);
    const planted = new Set(labels.planted.map((p) => p.customerId));
    const problems = storyMismatches(labels, labels.planted, out);
    if (problems.length) console.log('[labels, timers]', problems.slice(0, 20).join('\n'));
    expect(problems).toEqual([]);

    const got = outputKeys(out);
    const background = got.filter((g) => !planted.has(g.customerId));
    const unstated = got.filter((g) => planted.has(g.customerId) && !labels.expected.some((e) => e.customerId === g.customerId && e.ruleId === g.ruleId) && !labels.nearMisses.some((n) => n.customerId === g.customerId && n.ruleId === g.ruleId));
    console.log(`[labels, timers] ${got.length} outputs (${out.fraudChecks.length} fraud checks, ${out.outreach.length} outreach, ${out.suppressions.length} suppressions); ${labels.planted.length} planted customers exact; ${unstated.length} timer outputs of rules their labels do not name`);
    expect(background).toEqual([]);
    // What the labels leave unstated is timer-driven, never an event's.
    expect(unstated.filter((g) => !g.key.split('|')[2]!.startsWith('timer:'))).toEqual([]);
    expect(got.length).toBeGreaterThan(150);
  }, 900_000);
});
