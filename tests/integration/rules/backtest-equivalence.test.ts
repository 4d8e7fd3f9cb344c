import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generate } from '../../../src/generate/index.ts';
import type { RuleDiff } from '../../../src/backtest/index.ts';
import { startHarness } from '../../support/harness.ts';
import { committedOutputs, type CommittedOutputs } from '../../support/outputs.ts';

const cli = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const CUSTOMERS = Number(process.env.BACKTEST_CUSTOMERS ?? 150);
const DAYS = Number(process.env.BACKTEST_DAYS ?? 45);

/**
 * The backtest's promise (issue 15, Done when): what `rules backtest` says a
 * candidate adds is what the service does with it. The same generated history
 * goes through the real service twice — the shipped rules, then a candidate
 * lowering large-outflow.minAmountMinor to 30,000 — each on its own consumer
 * group and Redis prefix, started at the end of the topics; the difference of
 * their committed tasks is compared with the backtest's report, run as a user
 * runs it (a child process over the same file).
 */
describe(`rules backtest against the service (${CUSTOMERS} customers, ${DAYS} days)`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-backtest-it-'));
  const files = { base: join(dir, 'base.json'), candidate: join(dir, 'candidate.json'), history: join(dir, 'history.jsonl') };
  writeFileSync(files.base, JSON.stringify({ version: 'default-1' }));
  writeFileSync(files.candidate, JSON.stringify({ version: 'lower-outflow-30000', rules: { 'large-outflow': { minAmountMinor: 30_000 } } }));
  // Recent enough for the service's clock (MAX_EVENT_AGE_MS) and ending before today.
  const DAY_MS = 86_400_000;
  const start = new Date((Math.floor(Date.now() / DAY_MS) - DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  const all = [...generate({ seed: 23, customers: CUSTOMERS, days: DAYS, start }).lines];
  writeFileSync(files.history, `${all.join('\n')}\n`);

  const throughService = async (env: Record<string, string>): Promise<CommittedOutputs> => {
    // Loaded before the service starts, as the backtest sees the file: each customer's records merged by event time.
    // The backtest replays the event path (src/backtest/run.ts): the service runs it alone here, as TIMERS_ENABLED=false.
    const h = await startHarness({ TIMERS_ENABLED: 'false', ...env }, { deferStart: true });
    try {
      await h.produceLines(all);
      await h.startService();
      await h.waitForConsumed(all.length, 600_000);
      return await committedOutputs(h);
    } finally {
      await h.stop();
    }
  };

  it('reports exactly the fraud checks (and every other change) the candidate makes in the service', async () => {
    const base = await throughService({});
    const candidate = await throughService({ RULES_FILE: files.candidate });
    expect(candidate.fraudChecks.every((t) => t.ruleSetVersion === 'lower-outflow-30000')).toBe(true);

    const ids = (o: CommittedOutputs) => ({
      fraudChecks: new Set(o.fraudChecks.map((t) => t.taskId)),
      outreach: new Set(o.outreach.map((t) => t.taskId)),
      suppressions: new Set(o.suppressions.map((s) => `${s.evidence.taskId} ${s.reason}`)),
    });
    const a = ids(base);
    const b = ids(candidate);
    const minus = (x: Set<string>, y: Set<string>) => [...x].filter((k) => !y.has(k)).sort();
    const service = {
      addedFraudChecks: minus(b.fraudChecks, a.fraudChecks),
      removedFraudChecks: minus(a.fraudChecks, b.fraudChecks),
      addedOutreach: minus(b.outreach, a.outreach),
      removedOutreach: minus(a.outreach, b.outreach),
      addedSuppressions: minus(b.suppressions, a.suppressions),
      removedSuppressions: minus(a.suppressions, b.suppressions),
    };

    const run = spawnSync(process.execPath, [cli, 'rules', 'backtest', '--base', files.base, '--candidate', files.candidate, '--input', files.history, '--json'], { encoding: 'utf8', timeout: 300_000 });
    // One progress line on stderr, read once (the generated file is in event-time order): no log lines.
    expect(run.stderr).toMatch(/^backtest: [\d,]+ lines in [\d.]+ s\n$/);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as { tally: { lines: number; applied: number; invalid: number }; rules: RuleDiff[] };
    expect(report.tally).toMatchObject({ lines: all.length, applied: all.length, invalid: 0 });
    const fraudRules = new Set([...base.fraudChecks, ...candidate.fraudChecks].map((t) => t.ruleId));
    const of = (pick: (d: RuleDiff) => readonly string[], fraud: boolean) => report.rules.filter((d) => fraudRules.has(d.ruleId) === fraud).flatMap(pick).sort();
    const backtest = {
      addedFraudChecks: of((d) => d.changes.addedTasks, true),
      removedFraudChecks: of((d) => d.changes.removedTasks, true),
      addedOutreach: of((d) => d.changes.addedTasks, false),
      removedOutreach: of((d) => d.changes.removedTasks, false),
      addedSuppressions: report.rules.flatMap((d) => d.changes.addedSuppressions).sort(),
      removedSuppressions: report.rules.flatMap((d) => d.changes.removedSuppressions).sort(),
    };
    console.log(`[backtest] ${all.length} events: service ${a.fraudChecks.size} -> ${b.fraudChecks.size} fraud checks (+${service.addedFraudChecks.length}), backtest +${backtest.addedFraudChecks.length}`);
    // Something to compare: the candidate must add fraud checks here.
    expect(service.addedFraudChecks.length).toBeGreaterThan(0);
    expect(backtest).toEqual(service);
    // The counts the report prints agree with its lists.
    const lo = report.rules.find((d) => d.ruleId === 'large-outflow')!;
    expect(lo.tasks.added).toBe(lo.changes.addedTasks.length);
    expect(lo.tasks.base).toBe(base.fraudChecks.filter((t) => t.ruleId === 'large-outflow').length);
    expect(lo.tasks.candidate).toBe(candidate.fraudChecks.filter((t) => t.ruleId === 'large-outflow').length);
  }, 900_000);
});
