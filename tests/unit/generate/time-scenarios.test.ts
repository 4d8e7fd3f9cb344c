// The planted time scenarios (src/generate/scenarios/time.ts) hold on the
// pipeline with timers: each planted customer's records run through the
// feature engine, its timers and the shipped rules without I/O
// (tests/support/timer-pipeline.ts, what a shard is to do), stream
// time ending at the file's last event, and for every rule a `timers` label
// or near miss of that customer names, the outputs are exactly the labelled
// ones. The live check of the same labels waits for the live path to fire
// timers (tests/integration/rules/generated-labels.test.ts, MODE).
import { describe, expect, it } from 'vitest';
import { expectedFor } from '../../../src/generate/index.ts';
import { TIME_SCENARIOS } from '../../../src/generate/scenarios/time.ts';
import { defaultRuleSet } from '../../../src/rules/config.ts';
import { runWithTimers, type InputRecord } from '../../support/timer-pipeline.ts';
import { labelKey, outputKeys, storyRules } from '../../support/time-stories.ts';
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

  it('plants every time scenario', () => {
    expect(new Set(planted.map((p) => p.scenario))).toEqual(names);
  });

  it.each(TIME_SCENARIOS.map((t) => t.name))('%s: exactly the labelled outputs of its rules', (scenario) => {
    for (const p of planted.filter((x) => x.scenario === scenario)) {
      const mine = expected.filter((e) => e.customerId === p.customerId);
      const rules = storyRules(data.labels, p.customerId);
      expect(rules.size, scenario).toBeGreaterThan(0);
      const out = runWithTimers(p.customerId, byCustomer.get(p.customerId)!, horizon, { ruleSet: defaultRuleSet(), timeZone: 'Asia/Shanghai', allowedLatenessMs: 3_600_000 });
      const got = outputKeys(out).filter((g) => rules.has(g.ruleId)).map((g) => g.key).sort();
      const want = mine.map(labelKey).sort();
      expect(got, `${scenario} ${p.customerId}`).toEqual(want);
    }
  });
});
