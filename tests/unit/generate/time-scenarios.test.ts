// The planted time scenarios (src/generate/scenarios/time.ts) hold on the
// pipeline with timers: each planted customer's records run through the
// feature engine, its timers and the shipped rules without I/O
// (tests/support/timer-pipeline.ts, what the stream task is to do), stream
// time ending at the file's last event, and for every rule a `timers` label
// or near miss of that customer names, the outputs are exactly the labelled
// ones. The live check of the same labels waits for the live path to fire
// timers (tests/integration/rules/generated-labels.test.ts, MODE).
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../../src/events/time.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { expectedFor, nearMissesFor } from '../../../src/generate/index.ts';
import { TIME_SCENARIOS } from '../../../src/generate/scenarios/time.ts';
import { defaultRuleSet } from '../../../src/rules/config.ts';
import { runWithTimers, type InputRecord } from '../../support/timer-pipeline.ts';
import { decode, eventTime } from './fixture.ts';

const OPTIONS = { seed: 20260601, customers: 300, days: 75, start: '2026-06-01' };

describe('the time scenarios on the pipeline with timers', () => {
  const data = decode(OPTIONS);
  const horizon = Math.max(...data.records.map(eventTime));
  const names = new Set(TIME_SCENARIOS.map((t) => t.name));
  const planted = data.labels.planted.filter((p) => names.has(p.scenario));
  const byCustomer = new Map<string, InputRecord[]>();
  for (const r of data.records) {
    const id = (r.value as { customerId: string }).customerId;
    if (!planted.some((p) => p.customerId === id)) continue;
    let list = byCustomer.get(id);
    if (!list) byCustomer.set(id, (list = []));
    list.push(r as InputRecord);
  }
  const expected = expectedFor(data.labels, 'timers');
  const nearMisses = nearMissesFor(data.labels, 'timers');

  it('plants every time scenario', () => {
    expect(new Set(planted.map((p) => p.scenario))).toEqual(names);
  });

  it.each(TIME_SCENARIOS.map((t) => t.name))('%s: exactly the labelled outputs of its rules', (scenario) => {
    for (const p of planted.filter((x) => x.scenario === scenario)) {
      const mine = expected.filter((e) => e.customerId === p.customerId);
      const rules = new Set([...mine.map((e) => e.ruleId), ...nearMisses.filter((n) => n.customerId === p.customerId).map((n) => n.ruleId)]);
      expect(rules.size, scenario).toBeGreaterThan(0);
      const out = runWithTimers(p.customerId, byCustomer.get(p.customerId)!, horizon, { ruleSet: defaultRuleSet(), timeZone: 'Asia/Shanghai', allowedLatenessMs: 3_600_000 });
      const got = [
        ...out.fraudChecks.map((t) => `${TOPICS.fraudCheckTasks}|${t.ruleId}|${t.ruleId === 'fraud-check-escalation' ? `timer:FRAUD_SLA:${t.evidence.originalTaskId}` : t.transactionEventId}|${t.priority}|${t.dueBy}`),
        ...out.outreach.map((t) => `${TOPICS.outreachTasks}|${t.ruleId}|${t.sourceEventIds.at(-1)}|${t.priority}|${t.dueBy}|${t.kind}|${t.offerCode}`),
        ...out.suppressions.map((x) => `${TOPICS.suppressions}|${x.ruleId}|${x.sourceEventIds.at(-1)}|${x.reason}`),
      ].filter((k) => rules.has(k.split('|')[1] as never)).sort();
      const want = mine
        .map((e) =>
          e.topic === TOPICS.fraudCheckTasks
            ? `${e.topic}|${e.ruleId}|${e.triggerEventId}|${e.priority}|${parseInstant(e.dueBy!)}`
            : e.topic === TOPICS.outreachTasks
              ? `${e.topic}|${e.ruleId}|${e.triggerEventId}|${e.priority}|${parseInstant(e.dueBy!)}|${e.kind}|${e.offerCode}`
              : `${e.topic}|${e.ruleId}|${e.triggerEventId}|${e.suppressionReason}`,
        )
        .sort();
      expect(got, `${scenario} ${p.customerId}`).toEqual(want);
    }
  });
});
