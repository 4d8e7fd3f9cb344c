// Time as a trigger on the real stack (issue 13, Done when): the planted time
// scenarios of the generator (src/generate/scenarios/time.ts) through the
// service with timers on — a crossing of 500,000 twelve days after a single
// deposit with the next event six weeks later (one vip-upgrade dated the
// crossing day) and one reversed the same day; growth appearing as the
// 180-day window moves (asset-growth); a VIP falling below 500,000
// (vip-downgrade) and one staying above; a VIP nobody reaches (care-cadence
// 30 days apart) and one REACHED recently; birthdays; fraud checks unanswered
// (escalated once), answered in time (not escalated) and answered a minute
// after dueBy (escalated). Stream time follows only the events
// (STREAM_TIME_FOLLOWS_CLOCK=false): every shard reaches the file's last event
// time through one last event per partition, so the outputs are exactly the
// `timers` labels, the same the pure pipeline gives
// (tests/unit/generate/time-scenarios.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReplayLine } from '../../../src/events/json-form.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { generate } from '../../../src/generate/index.ts';
import { TIME_SCENARIOS } from '../../../src/generate/scenarios/time.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { committedOutputs } from '../../support/outputs.ts';
import { reachHorizon, storyMismatches } from '../../support/time-stories.ts';
import { channel, tx } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';
import { taskIdFor } from '../../../src/tasks/task-id.ts';

const OPTIONS = { seed: 20260601, customers: 300, days: 75, start: '2026-06-01' };

describe('time as a trigger, through the service (planted time scenarios)', () => {
  let h: Harness;
  beforeAll(async () => {
    // The 180-day window of asset-growth reaches back further than MAX_EVENT_AGE_MS's 400 days before today.
    h = await startHarness({ TIMERS_ENABLED: 'true', STREAM_TIME_FOLLOWS_CLOCK: 'false', MAX_EVENT_AGE_MS: String(3 * 365 * 86_400_000) }, { deferStart: true });
  });
  afterAll(() => h?.stop());

  it('gives exactly the labelled outputs of every time scenario, each once', async () => {
    const { lines, labels } = generate(OPTIONS);
    const all = [...lines];
    const records = all.map((l) => ({ line: l, r: parseReplayLine(l) }));
    const names = new Set(TIME_SCENARIOS.map((t) => t.name));
    const planted = labels.planted.filter((p) => names.has(p.scenario));
    const ids = new Set(planted.map((p) => p.customerId));
    const mine = records.filter(({ r }) => ids.has((r.value as { customerId: string }).customerId));
    await h.produceLines(mine.map((m) => m.line));
    const horizonRecords = await reachHorizon(h, all);
    await h.startService();
    await h.waitForConsumed(mine.length + horizonRecords, 300_000);
    const out = await committedOutputs(h, (id) => id !== null && ids.has(id));

    // No output twice (a timer step is one transaction with its chunk).
    const taskIds = [...out.fraudChecks.map((t) => t.taskId), ...out.outreach.map((t) => t.taskId)];
    expect(new Set(taskIds).size).toBe(taskIds.length);

    const problems = storyMismatches(labels, planted, out);
    if (problems.length) console.log('[time-triggers]', problems.join('\n'));
    expect(problems).toEqual([]);
    // The stories of the issue, by name: each scenario was planted and checked above.
    expect(new Set(planted.map((p) => p.scenario))).toEqual(names);
  }, 420_000);
});

describe('a quiet night: stream time follows the clock once a shard is caught up', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ TIMERS_ENABLED: 'true', STREAM_TIME_FOLLOWS_CLOCK: 'true', TIMER_TICK_MS: '200' });
  });
  afterAll(() => h?.stop());

  it('escalates a fraud check left unanswered past its 24 h with no event after it, once; one answered in time is not escalated', async () => {
    const hour = 3_600_000;
    const at = Date.now() - 30 * hour; // due 24 h later: 6 h ago, past the clock less the allowed hour
    const unanswered = uniqueName('C-sla');
    const answered = uniqueName('C-ok');
    const outflow = (c: string) => tx(c, new Date(at).toISOString(), { type: 'TRANSFER_OUT', amountMinor: 60_000_000, balanceAfterMinor: 0, counterparty: { accountRef: 'CP-9', ownAccount: false } });
    const a = outflow(unanswered);
    const b = outflow(answered);
    for (const c of [unanswered, answered]) await h.produce(TOPICS.transactions, tx(c, new Date(at - 2 * hour).toISOString(), { amountMinor: 60_000_000, balanceAfterMinor: 60_000_000 }));
    await h.produce(TOPICS.transactions, a);
    await h.produce(TOPICS.transactions, b);
    const checkOfB = taskIdFor({ ruleId: 'large-outflow', customerId: answered, triggerEventId: b.eventId });
    await h.produce(TOPICS.channelEvents, channel(answered, new Date(at + 2 * hour).toISOString(), { action: 'CONTACT_OUTCOME', channel: 'CALL_CENTER', attributes: { taskId: checkOfB, outcome: 'REACHED' } }));
    await h.waitForConsumed(5);

    // No event comes after the deadline: only the clock can make it due.
    const mine = (id: string | null) => id === unanswered || id === answered;
    let out = await committedOutputs(h, mine);
    for (let i = 0; i < 120 && !out.fraudChecks.some((t) => t.ruleId === 'fraud-check-escalation'); i++) {
      await new Promise((r) => setTimeout(r, 500));
      out = await committedOutputs(h, mine);
    }
    const checkOfA = taskIdFor({ ruleId: 'large-outflow', customerId: unanswered, triggerEventId: a.eventId });
    const escalations = out.fraudChecks.filter((t) => t.ruleId === 'fraud-check-escalation');
    expect(escalations.map((t) => [t.customerId, t.priority, t.reasons, t.evidence.originalTaskId, t.dueBy])).toEqual([[unanswered, 'P1', ['SLA_MISSED'], checkOfA, a.occurredAt + 24 * hour + 4 * hour]]);
    expect(out.fraudChecks.filter((t) => t.ruleId === 'large-outflow').map((t) => t.customerId).sort()).toEqual([unanswered, answered].sort());
  }, 120_000);
});
