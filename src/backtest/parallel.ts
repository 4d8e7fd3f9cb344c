/**
 * runRuleSets on several threads: each of `workers` worker threads reads the
 * file and takes the lines whose customer id (as the text spells it,
 * route.ts) routes to it, a Pass over those customers' records; their outputs
 * and tallies are merged. A customer's records all go to one worker in file
 * order, so each merge, each
 * state and each contact history is the one a single thread has. When that
 * cannot be promised (an id the reader cannot see, a history out of order) it
 * falls back to runRuleSets in this thread.
 */
import { Worker } from 'node:worker_threads';
import type { RuleSet } from '../rules/config.ts';
import { fileLines } from './file.ts';
import { DEFAULT_BACKTEST_SETTINGS, HistoryLineError, runRuleSets, timeProblem, type BacktestSettings, type HistoryTally, type Outputs, type RunResult, type TimeFacts } from './run.ts';
import type { FromWorker, WorkerSetup } from './worker.ts';

const YOUNG_GENERATION_MB = 96;

type Attempt =
  | { readonly kind: 'ok'; readonly outputs: Outputs[]; readonly tally: HistoryTally }
  | { readonly kind: 'abort'; readonly why: string }
  | { readonly kind: 'time'; readonly why: string; readonly latest: number };

function runWorker(setup: WorkerSetup): Promise<FromWorker> {
  // A larger young generation: every line makes short-lived objects (parsed, validated, views), and
  // scavenging a small one often cost about a sixth of the CPU (measured on the demo's history).
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
  return new Promise<FromWorker>((resolve, reject) => {
    let result: FromWorker | undefined;
    worker.once('message', (m: FromWorker) => (result = m));
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolve(result) : reject(new Error(`backtest worker ${setup.index} exited (code ${code}) without a result`))));
  });
}

async function attempt(ruleSets: readonly RuleSet[], path: string, settings: BacktestSettings, nowMs: number | undefined, workers: number): Promise<Attempt> {
  const ends = await Promise.all(Array.from({ length: workers }, (_, index) => runWorker({ carestreamBacktest: true, path, ruleSets, settings, nowMs, index, workers })));
  const abort = ends.find((e) => 'abort' in e);
  if (abort && 'abort' in abort) return { kind: 'abort', why: abort.abort };
  const errors = ends.flatMap((e) => ('lineError' in e ? [e.lineError] : []));
  if (errors.length > 0) {
    // Each worker stops at its first bad line: the earliest of those is the file's first.
    const first = errors.reduce((a, b) => (b.line < a.line ? b : a));
    throw new HistoryLineError(first.line, first.detail);
  }
  const done = ends.flatMap((e) => ('done' in e ? [e.done] : []));
  const outputs: Outputs[] = ruleSets.map((_, i) => ({
    fraudChecks: done.flatMap((d) => d.outputs[i]!.fraudChecks),
    outreach: done.flatMap((d) => d.outputs[i]!.outreach),
    suppressions: done.flatMap((d) => d.outputs[i]!.suppressions),
  }));
  const sum = (k: keyof HistoryTally) => done.reduce((a, d) => a + d.tally[k], 0);
  // Every worker reads every line: the line count is any one's.
  const tally: HistoryTally = { lines: done[0]!.tally.lines, ignored: sum('ignored'), invalid: sum('invalid'), applied: sum('applied'), skipped: sum('skipped'), late: sum('late'), conflicts: sum('conflicts') };
  if (nowMs === undefined) {
    const facts: TimeFacts = {
      latest: Math.max(...done.map((d) => d.facts.latest)),
      earliestEvent: Math.min(...done.map((d) => d.facts.earliestEvent)),
      latestAssessment: Math.max(...done.map((d) => d.facts.latestAssessment)),
      latestBirth: Math.max(...done.map((d) => d.facts.latestBirth)),
    };
    const why = timeProblem(facts, settings);
    if (why) return { kind: 'time', why, latest: facts.latest };
  }
  return { kind: 'ok', outputs, tally };
}

/** runRuleSets over the history file at `path` on `workers` threads (1: this thread). */
export async function runRuleSetsInParallel(ruleSets: readonly RuleSet[], path: string, settings: BacktestSettings = DEFAULT_BACKTEST_SETTINGS, workers = 2): Promise<RunResult> {
  const source = fileLines(path);
  if (workers <= 1) return runRuleSets(ruleSets, source, settings);
  let nowMs = settings.nowMs;
  const reasons: string[] = [];
  for (let passes = 1; ; passes++) {
    const r = await attempt(ruleSets, path, settings, nowMs, workers);
    if (r.kind === 'ok') return { outputs: r.outputs, tally: r.tally, passes, ...(reasons.length ? { reread: reasons.join('; ') } : {}) };
    reasons.push(r.why);
    if (r.kind === 'abort') return runRuleSets(ruleSets, source, { ...settings, ...(nowMs === undefined ? {} : { nowMs }) }, { stream: false, reasons });
    nowMs = r.latest;
  }
}
