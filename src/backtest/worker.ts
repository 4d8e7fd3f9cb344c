// One worker of a parallel backtest (parallel.ts): it reads the whole file
// and keeps the lines of the customers routed to it, a Pass over their
// records. Does nothing when imported outside a worker.
import { parentPort, workerData } from 'node:worker_threads';
import type { RuleSet } from '../rules/config.ts';
import { fileLines } from './file.ts';
import { customerIdIn, routeOf } from './route.ts';
import { Abort, HistoryLineError, Pass, type BacktestSettings } from './run.ts';

export interface WorkerSetup {
  readonly carestreamBacktest: true;
  readonly path: string;
  readonly ruleSets: readonly RuleSet[];
  readonly settings: BacktestSettings;
  readonly nowMs: number | undefined;
  readonly index: number;
  readonly workers: number;
}

/** worker -> main, once. */
export type FromWorker =
  | { readonly abort: string }
  | { readonly lineError: { readonly line: number; readonly detail: string } }
  | { readonly done: ReturnType<Pass['end']> & { readonly facts: ReturnType<Pass['timeFacts']> } };

const setup = workerData as WorkerSetup | undefined;
if (parentPort && setup?.carestreamBacktest) {
  const { index, workers } = setup;
  const pass = new Pass(setup.ruleSets, setup.settings, true, setup.nowMs, (id) => routeOf(id, workers) === index);
  let message: FromWorker;
  try {
    let n = 0;
    for (const line of fileLines(setup.path)()) {
      n++;
      // Splitting and routing every line is cheap; parsing, validating and applying are the work shared out.
      if (routeOf(customerIdIn(line), workers) === index) pass.push(line, n);
    }
    const r = pass.end();
    message = { done: { outputs: r.outputs, tally: { ...r.tally, lines: n }, facts: pass.timeFacts() } };
  } catch (err) {
    if (err instanceof Abort) message = { abort: err.why };
    else if (err instanceof HistoryLineError) message = { lineError: { line: err.line, detail: err.detail } };
    else throw err;
  }
  parentPort.postMessage(message);
}
