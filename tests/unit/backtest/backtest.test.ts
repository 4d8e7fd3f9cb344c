import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtest, backtestFile, diffOutputs, HistoryLineError, runRuleSets, type Outputs } from '../../../src/backtest/index.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import type { Suppression } from '../../../src/events/types.ts';
import { expectedFor, generate } from '../../../src/generate/index.ts';
import { defaultRuleSet, parseRuleSet } from '../../../src/rules/config.ts';

describe('backtest over a generated bank (250 customers x 60 days, seed 11)', () => {
  const { lines, labels } = generate({ seed: 11, customers: 250, days: 60, start: '2026-06-01' });
  const all = [...lines];

  // The backtest evaluates rules on events only (no timers yet): the labels of the event path.
  it('with the shipped rules gives exactly the labelled tasks and suppressions (what the service must publish)', () => {
    const { outputs, tally } = runRuleSets([defaultRuleSet()], all);
    const out = outputs[0]!;
    const got = [
      ...out.fraudChecks.map((t) => `${TOPICS.fraudCheckTasks}|${t.customerId}|${t.ruleId}|${t.transactionEventId}`),
      ...out.outreach.map((t) => `${TOPICS.outreachTasks}|${t.customerId}|${t.ruleId}|${t.sourceEventIds.at(-1)}`),
      ...out.suppressions.map((s) => `${TOPICS.suppressions}|${s.customerId}|${s.ruleId}|${s.sourceEventIds.at(-1)}`),
    ].sort();
    const expected = expectedFor(labels, 'events').map((e) => `${e.topic}|${e.customerId}|${e.ruleId}|${e.triggerEventId}`).sort();
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

describe('reading the history', () => {
  const { lines } = generate({ seed: 5, customers: 80, days: 45, start: '2026-06-01' });
  const all = [...lines];
  const candidate = parseRuleSet({ version: 'lower-outflow', rules: { 'large-outflow': { minAmountMinor: 30_000 } } });
  const keys = (r: ReturnType<typeof backtest>) => ({
    base: [...r.base.outputs.fraudChecks, ...r.base.outputs.outreach].map((t) => t.taskId).sort(),
    candidate: [...r.candidate.outputs.fraudChecks, ...r.candidate.outputs.outreach].map((t) => t.taskId).sort(),
    suppressions: r.candidate.outputs.suppressions.map((s) => `${s.evidence.taskId} ${s.reason}`).sort(),
    rules: r.rules,
    tally: r.tally,
  });
  const streamed = backtest({ base: defaultRuleSet(), candidate, history: all });

  it('streams a history in event-time order: one reading', () => {
    expect(streamed.passes).toBe(1);
    expect(streamed.reread).toBeUndefined();
    expect(streamed.rules.find((d) => d.ruleId === 'large-outflow')!.tasks.added).toBeGreaterThan(0);
  });

  it('reads a history out of time order again whole, with the same answer (each customer in turn, each topic in its order)', () => {
    const byCustomer = new Map<string, string[]>();
    for (const l of all) {
      const id = (JSON.parse(l) as { value: { customerId: string } }).value.customerId;
      if (!byCustomer.has(id)) byCustomer.set(id, []);
      byCustomer.get(id)!.push(l);
    }
    const regrouped = [...byCustomer.values()].reverse().flat();
    const r = backtest({ base: defaultRuleSet(), candidate, history: regrouped });
    expect(r.passes).toBe(2);
    expect(r.reread).toMatch(/not in event-time order/);
    expect(keys(r)).toEqual(keys(streamed));
  }, 60_000);

  it('takes lines from a generator (read once) and from a function that reads afresh', () => {
    expect(keys(backtest({ base: defaultRuleSet(), candidate, history: (function* () { yield* all; })() }))).toEqual(keys(streamed));
    expect(keys(backtest({ base: defaultRuleSet(), candidate, history: () => all }))).toEqual(keys(streamed));
  }, 60_000);

  it('gives the same answer on two worker threads, from a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-backtest-'));
    const file = join(dir, 'history.jsonl');
    writeFileSync(file, `${all.join('\n')}\n`);
    const r = await backtestFile({ base: defaultRuleSet(), candidate, path: file, workers: 2 });
    expect(r.passes).toBe(1);
    expect(keys(r)).toEqual(keys(streamed));
  }, 60_000);

  it('on workers, falls back to one thread when a line spells its customer id with an escape, and names the first bad line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-backtest-'));
    // "\u0043" is "C": the same customer, but the reader cannot see it in the text.
    const escaped = all.map((l, i) => (i === 100 ? l.replace('"customerId":"C', '"customerId":"\\u0043') : l));
    expect(escaped[100]).not.toBe(all[100]);
    const file = join(dir, 'escaped.jsonl');
    writeFileSync(file, `${escaped.join('\n')}\n`);
    const r = await backtestFile({ base: defaultRuleSet(), candidate, path: file, workers: 2 });
    expect(r.passes).toBe(2);
    expect(r.reread).toMatch(/wrong worker/);
    expect(keys(r)).toEqual(keys(streamed));
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, `${[...all.slice(0, 50), 'nope', ...all.slice(50, 70), '{}', ...all.slice(70)].join('\n')}\n`);
    await expect(backtestFile({ base: defaultRuleSet(), candidate, path: broken, workers: 2 })).rejects.toThrow(/^line 51: /);
  }, 60_000);

  it('applies the maximum event age against the latest event: an event older than that is refused (read again knowing "now")', () => {
    const latest = Math.max(...all.map((l) => Date.parse((JSON.parse(l) as { value: { occurredAt?: string; updatedAt: string } }).value.occurredAt ?? (JSON.parse(l) as { value: { updatedAt: string } }).value.updatedAt)));
    const old = JSON.parse(all.find((l) => l.includes(`"${TOPICS.transactions}"`))!) as { value: Record<string, unknown> };
    old.value.eventId = 'E-OLD-1';
    old.value.occurredAt = new Date(latest - 401 * 86_400_000).toISOString();
    const r = runRuleSets([defaultRuleSet()], [JSON.stringify(old), ...all]);
    expect(r.tally.invalid).toBe(1);
    expect(r.passes).toBe(2);
    expect(r.reread).toMatch(/maximum event age/);
  }, 60_000);
});
