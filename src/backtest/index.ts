/**
 * The offline what-if of `carestream rules backtest`: two rule sets over the
 * same history (the replay JSONL the generator writes), through the same pure
 * code the service runs (run.ts), and per rule what the candidate adds and
 * removes (diff.ts). Pure: the caller gives the lines (file.ts reads a file)
 * and prints the result (report.ts).
 */
import type { RuleSet } from '../rules/config.ts';
import { diffOutputs, type RuleDiff } from './diff.ts';
import { runRuleSetsInParallel } from './parallel.ts';
import { runRuleSets, type BacktestSettings, type History, type HistoryTally, type Outputs, type RunResult } from './run.ts';

export { diffOutputs, type ExampleChange, type RuleDiff } from './diff.ts';
export { DEFAULT_BACKTEST_SETTINGS, HistoryLineError, runRuleSets, type BacktestSettings, type History, type HistoryTally, type Outputs, type RunResult } from './run.ts';

export interface BacktestResult {
  readonly base: { readonly version: string; readonly outputs: Outputs };
  readonly candidate: { readonly version: string; readonly outputs: Outputs };
  /** Rules with any task or suppression, by rule id. */
  readonly rules: readonly RuleDiff[];
  readonly tally: HistoryTally;
  /** How many times the history was read (1: streamed), and why again when it was. */
  readonly passes: number;
  readonly reread?: string;
}

export interface BacktestInput {
  readonly base: RuleSet;
  readonly candidate: RuleSet;
  /** Replay lines (`{"topic","key"?,"value"}`), e.g. a file's lines. */
  readonly history: History;
  /** Example customers per rule (default 3). */
  readonly examples?: number;
  readonly settings?: BacktestSettings;
}

/**
 * `carestream rules backtest`: both rule sets over the same history, and per
 * rule what the candidate adds and removes. Throws HistoryLineError for a
 * line that is not a replay line.
 */
export function backtest(input: BacktestInput): BacktestResult {
  return resultOf(input, runRuleSets([input.base, input.candidate], input.history, input.settings));
}

/** backtest() over a history file, on `workers` threads (default 2; 1: this thread). */
export async function backtestFile(input: Omit<BacktestInput, 'history'> & { readonly path: string; readonly workers?: number }): Promise<BacktestResult> {
  return resultOf(input, await runRuleSetsInParallel([input.base, input.candidate], input.path, input.settings, input.workers));
}

function resultOf(input: Omit<BacktestInput, 'history'>, { outputs, tally, passes, reread }: RunResult): BacktestResult {
  return {
    base: { version: input.base.version, outputs: outputs[0]! },
    candidate: { version: input.candidate.version, outputs: outputs[1]! },
    rules: diffOutputs(outputs[0]!, outputs[1]!, input.examples ?? 3),
    tally,
    passes,
    ...(reread ? { reread } : {}),
  };
}
