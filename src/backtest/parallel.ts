/**
 * runRuleSets on several threads: the reader routes each line by the customer
 * id in its text (route.ts) to one of `workers` worker threads, each a Pass
 * over its customers' records; their outputs and tallies are merged. A
 * customer's records all go to one worker in file order, so each merge, each
 * state and each contact history is the one a single thread has. When that
 * cannot be promised (an id the reader cannot see, a history out of order) it
 * falls back to runRuleSets in this thread.
 */
import { Worker } from 'node:worker_threads';
import type { RuleSet } from '../rules/config.ts';
import { customerIdIn, routeOf } from './route.ts';
import { DEFAULT_BACKTEST_SETTINGS, HistoryLineError, runRuleSets, timeProblem, type BacktestSettings, type HistoryTally, type Outputs, type RunResult, type TimeFacts } from './run.ts';
import type { FromWorker, ToWorker, WorkerSetup } from './worker.ts';

const BATCH = 2_000;
/** Batches sent to a worker and not yet acknowledged: bounds what waits in memory. */
const IN_FLIGHT = 4;
const YOUNG_GENERATION_MB = 96;

type Attempt =
  | { readonly kind: 'ok'; readonly outputs: Outputs[]; readonly tally: HistoryTally }
  | { readonly kind: 'abort'; readonly why: string }
  | { readonly kind: 'time'; readonly why: string; readonly latest: number };

interface Lane {
  readonly worker: Worker;
  lines: string[];
  numbers: number[];
  inFlight: number;
  wake: (() => void) | undefined;
  readonly result: Promise<FromWorker>;
}

async function attempt(ruleSets: readonly RuleSet[], source: () => Iterable<string>, settings: BacktestSettings, nowMs: number | undefined, workers: number): Promise<Attempt> {
  let stopAt = Number.POSITIVE_INFINITY;
  let aborted = false;
  const lanes: Lane[] = [];
  for (let index = 0; index < workers; index++) {
    const workerData: WorkerSetup = { carestreamBacktest: true, ruleSets, settings, nowMs, index, workers };
    // A larger young generation: every line makes short-lived objects (parsed, validated, views), and
    // scavenging a small one often cost about a sixth of the CPU (measured on the demo's history).
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const lane = { worker, lines: [], numbers: [], inFlight: 0, wake: undefined } as unknown as Lane;
    (lane as { result: Promise<FromWorker> }).result = new Promise<FromWorker>((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        if ('ack' in m) {
          lane.inFlight--;
          lane.wake?.();
          return;
        }
        if ('abort' in m) aborted = true;
        if ('lineError' in m) stopAt = Math.min(stopAt, m.lineError.line);
        lane.wake?.();
        resolve(m);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`backtest worker ${index} exited (code ${code}) before it finished`)));
    });
    // A worker that failed must not leave the reader waiting for its acknowledgement.
    lane.result.catch(() => lane.wake?.());
    lanes.push(lane);
  }
  const send = async (lane: Lane) => {
    while (lane.inFlight >= IN_FLIGHT && !aborted) await new Promise<void>((r) => (lane.wake = r));
    lane.wake = undefined;
    if (aborted) return;
    lane.worker.postMessage({ lines: lane.lines, numbers: lane.numbers } satisfies ToWorker);
    lane.inFlight++;
    lane.lines = [];
    lane.numbers = [];
  };
  try {
    let n = 0;
    for (const line of source()) {
      if (++n >= stopAt || aborted) break;
      const lane = lanes[routeOf(customerIdIn(line), workers)]!;
      lane.lines.push(line);
      lane.numbers.push(n);
      if (lane.lines.length >= BATCH) await send(lane);
    }
    for (const lane of lanes) {
      if (lane.lines.length > 0) await send(lane);
      lane.worker.postMessage({ end: true } satisfies ToWorker);
    }
    const ends = await Promise.all(lanes.map((l) => l.result));
    const abort = ends.find((e) => 'abort' in e);
    if (abort && 'abort' in abort) return { kind: 'abort', why: abort.abort };
    const errors = ends.flatMap((e) => ('lineError' in e ? [e.lineError] : []));
    if (errors.length > 0) {
      const first = errors.reduce((a, b) => (b.line < a.line ? b : a));
      throw new HistoryLineError(first.line, first.detail);
    }
    const done = ends.map((e) => ('done' in e ? e.done : undefined)).filter((d) => d !== undefined);
    const outputs: Outputs[] = ruleSets.map((_, i) => ({
      fraudChecks: done.flatMap((d) => d.outputs[i]!.fraudChecks),
      outreach: done.flatMap((d) => d.outputs[i]!.outreach),
      suppressions: done.flatMap((d) => d.outputs[i]!.suppressions),
    }));
    const sum = (k: keyof HistoryTally) => done.reduce((a, d) => a + d.tally[k], 0);
    const tally: HistoryTally = { lines: n, ignored: sum('ignored'), invalid: sum('invalid'), applied: sum('applied'), skipped: sum('skipped'), late: sum('late'), conflicts: sum('conflicts') };
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
  } finally {
    await Promise.all(lanes.map((l) => l.worker.terminate()));
  }
}

/**
 * runRuleSets over `workers` threads (1: this thread). `source` gives the
 * history's lines afresh on each call (fileLines).
 */
export async function runRuleSetsInParallel(ruleSets: readonly RuleSet[], source: () => Iterable<string>, settings: BacktestSettings = DEFAULT_BACKTEST_SETTINGS, workers = 2): Promise<RunResult> {
  if (workers <= 1) return runRuleSets(ruleSets, source, settings);
  let nowMs = settings.nowMs;
  const reasons: string[] = [];
  for (let passes = 1; ; passes++) {
    const r = await attempt(ruleSets, source, settings, nowMs, workers);
    if (r.kind === 'ok') return { outputs: r.outputs, tally: r.tally, passes, ...(reasons.length ? { reread: reasons.join('; ') } : {}) };
    reasons.push(r.why);
    if (r.kind === 'abort') return runRuleSets(ruleSets, source, { ...settings, ...(nowMs === undefined ? {} : { nowMs }) }, { stream: false, reasons });
    nowMs = r.latest;
  }
}
