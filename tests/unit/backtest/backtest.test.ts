import { describe, expect, it } from 'vitest';
import { backtest, diffOutputs, HistoryLineError, runRuleSets, type Outputs } from '../../../src/backtest/index.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import type { Suppression } from '../../../src/events/types.ts';
import { generate } from '../../../src/generate/index.ts';
import { defaultRuleSet, parseRuleSet } from '../../../src/rules/config.ts';

describe('backtest over a generated bank (250 customers x 60 days, seed 11)', () => {
  const { lines, labels } = generate({ seed: 11, customers: 250, days: 60, start: '2026-06-01' });
  const all = [...lines];

  it('with the shipped rules gives exactly the labelled tasks and suppressions (what the service must publish)', () => {
    const { outputs, tally } = runRuleSets([defaultRuleSet()], all);
    const out = outputs[0]!;
    const got = [
      ...out.fraudChecks.map((t) => `${TOPICS.fraudCheckTasks}|${t.customerId}|${t.ruleId}|${t.transactionEventId}`),
      ...out.outreach.map((t) => `${TOPICS.outreachTasks}|${t.customerId}|${t.ruleId}|${t.sourceEventIds.at(-1)}`),
      ...out.suppressions.map((s) => `${TOPICS.suppressions}|${s.customerId}|${s.ruleId}|${s.sourceEventIds.at(-1)}`),
    ].sort();
    const expected = labels.expected.map((e) => `${e.topic}|${e.customerId}|${e.ruleId}|${e.triggerEventId}`).sort();
    expect(got).toEqual(expected);
    expect(tally.invalid).toBe(0);
    expect(tally.applied + tally.skipped + tally.late + tally.conflicts + tally.invalid).toBe(all.length);
  }, 180_000);

  it('a candidate lowering large-outflow.minAmountMinor to 3,000,000 adds fraud checks of that rule only, with evidence', () => {
    const candidate = parseRuleSet({ version: 'lower-outflow', rules: { 'large-outflow': { minAmountMinor: 3_000_000 } } });
    const r = backtest({ base: defaultRuleSet(), candidate, history: all, examples: 2 });
    const lo = r.rules.find((x) => x.ruleId === 'large-outflow')!;
    expect(lo.tasks.added).toBeGreaterThan(0);
    expect(lo.tasks.removed).toBe(0);
    expect(lo.tasks.candidate).toBe(lo.tasks.base + lo.tasks.added);
    expect(lo.examples.length).toBe(2);
    expect(new Set(lo.examples.map((e) => e.customerId)).size).toBe(2);
    for (const e of lo.examples) {
      expect(e.change).toBe('added');
      const amount = Number(e.evidence.amountMinor);
      expect(amount).toBeGreaterThanOrEqual(3_000_000);
      expect(amount).toBeLessThan(5_000_000);
    }
    const added = new Set(r.candidate.outputs.fraudChecks.map((t) => t.taskId));
    for (const t of r.base.outputs.fraudChecks) expect(added.has(t.taskId)).toBe(true);
    for (const other of r.rules.filter((x) => x.ruleId !== 'large-outflow')) {
      expect({ rule: other.ruleId, ...other.tasks, ...other.suppressions }).toMatchObject({ added: 0, removed: 0 });
    }
  }, 180_000);
});

describe('diffOutputs', () => {
  const sup = (taskId: string, customerId: string, reason: Suppression['reason']): Suppression => ({
    customerId, ruleId: 'welcome', ruleVersion: 1, kind: 'CARE', offerCode: null, reason, createdAt: 0,
    evidence: { taskId }, sourceEventIds: ['e'], ruleSetVersion: 'v',
  } as unknown as Suppression);
  const none: Outputs = { fraudChecks: [], outreach: [], suppressions: [] };

  it('counts a suppression whose reason changed as one removed and one added, and caps the examples per rule', () => {
    const base: Outputs = { ...none, suppressions: [sup('T-1', 'C1', 'COOLDOWN'), sup('T-2', 'C2', 'CONTACT_CAP')] };
    const candidate: Outputs = { ...none, suppressions: [sup('T-1', 'C1', 'CONTACT_CAP'), sup('T-2', 'C2', 'CONTACT_CAP'), sup('T-3', 'C3', 'NO_CONSENT')] };
    const [d] = diffOutputs(base, candidate, 1);
    expect(d).toMatchObject({ ruleId: 'welcome', tasks: { base: 0, candidate: 0, added: 0, removed: 0 }, suppressions: { base: 2, candidate: 3, added: 2, removed: 1 } });
    expect(d!.examples).toEqual([{ customerId: 'C1', change: 'added', output: 'suppression', taskId: 'T-1', reason: 'CONTACT_CAP', evidence: { taskId: 'T-1' } }]);
  });

  it('names the line of a history line that is not a replay line', () => {
    expect(() => runRuleSets([defaultRuleSet()], ['', '{"topic":"bank.transactions.v1"'])).toThrow(HistoryLineError);
    expect(() => runRuleSets([defaultRuleSet()], ['', 'nope'])).toThrow(/^line 2: /);
  });
});
