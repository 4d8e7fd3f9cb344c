// One worker of a parallel backtest (parallel.ts): a Pass over the lines of
// the customers routed to it. Does nothing when imported outside a worker.
import { parentPort, workerData } from 'node:worker_threads';
import type { RuleSet } from '../rules/config.ts';
import { routeOf } from './route.ts';
import { Abort, HistoryLineError, Pass, type BacktestSettings } from './run.ts';

export interface WorkerSetup {
  readonly carestreamBacktest: true;
  readonly ruleSets: readonly RuleSet[];
  readonly settings: BacktestSettings;
  readonly nowMs: number | undefined;
  readonly index: number;
  readonly workers: number;
}

/** main -> worker: lines with their numbers, or the end. */
export type ToWorker = { readonly lines: readonly string[]; readonly numbers: readonly number[] } | { readonly end: true };
/** worker -> main. */
export type FromWorker =
  | { readonly ack: true }
  | { readonly abort: string }
  | { readonly lineError: { readonly line: number; readonly detail: string } }
  | { readonly done: ReturnType<Pass['end']> & { readonly facts: ReturnType<Pass['timeFacts']> } };

const setup = workerData as WorkerSetup | undefined;
if (parentPort && setup?.carestreamBacktest) {
  const port = parentPort;
  const pass = new Pass(setup.ruleSets, setup.settings, true, setup.nowMs, (id) => routeOf(id, setup.workers) === setup.index);
  let stopped = false;
  port.on('message', (m: ToWorker) => {
    if (stopped) return;
    try {
      if ('end' in m) {
        const r = pass.end();
        port.postMessage({ done: { ...r, facts: pass.timeFacts() } } satisfies FromWorker);
        stopped = true;
        return;
      }
      for (let i = 0; i < m.lines.length; i++) pass.push(m.lines[i]!, m.numbers[i]!);
      port.postMessage({ ack: true } satisfies FromWorker);
    } catch (err) {
      stopped = true;
      if (err instanceof Abort) port.postMessage({ abort: err.why } satisfies FromWorker);
      else if (err instanceof HistoryLineError) port.postMessage({ lineError: { line: err.line, detail: err.detail } } satisfies FromWorker);
      else throw err;
    }
  });
}
