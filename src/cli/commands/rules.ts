// `carestream rules check | backtest | schema`: what a rule owner runs before a
// rule file goes live. The logic is in src/rules/check.ts and src/backtest/;
// this module declares the arguments and prints.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { CLI_DEFAULTS, type Config } from '../../config.ts';
import { CarestreamError } from '../../errors.ts';
import { backtestFile } from '../../backtest/index.ts';
import { reportJson, reportLines } from '../../backtest/report.ts';
import { HistoryLineError, type BacktestSettings } from '../../backtest/run.ts';
import { checkRuleFile, ruleSetJsonSchemaText } from '../../rules/check.ts';
import { loadRuleSetFile, type RuleSet } from '../../rules/config.ts';
import { printable } from '../../text/escape.ts';
import { EXIT, integerAtLeast, usageError, type Cli, type Output } from '../context.ts';

/** `carestream rules check | backtest | schema`. */
export function register(program: Command, cli: Cli): void {
  const rules = program.command('rules').description('rule files before they go live: check one, try two on a history offline, or print the JSON Schema for editors (docs/RULES.md)');
  rules
    .command('check')
    .description('every problem of a rule file, one line each on stdout, judged by the schema the service loads it with (exit 0 valid, 1 not, 2 unreadable)')
    .argument('<file>', 'the JSON rule file')
    .action(cli.action((file: string) => rulesCheck(file)));
  rules
    .command('backtest')
    .description('both rule sets over the same history, offline (no Kafka, no Redis: the service\'s validation, features, rules and contact policy), and per rule the tasks and suppressions the candidate adds and removes, with example customers and their evidence')
    .requiredOption('--base <file>', 'the rule file in force (e.g. {"version":"default-1"} for the shipped rules)')
    .requiredOption('--candidate <file>', 'the rule file to try')
    .requiredOption('--input <file>', 'the history: replay lines, as `carestream generate` writes and `carestream tail` prints')
    .option('--examples <n>', 'example customers per rule', integerAtLeast(0), CLI_DEFAULTS.rulesBacktest.examples)
    .option('--json', 'one JSON object on stdout: the tally, and per rule the counts, the examples and every added and removed task id', false)
    .option('--workers <n>', 'threads (customers are shared among them; 1: no worker threads)', integerAtLeast(1), defaultWorkers())
    .action(cli.action((o: BacktestOptions) => rulesBacktest(o, cli.config(), cli)));
  rules
    .command('schema')
    .description('the rule file\'s JSON Schema, generated from the service\'s schema (what schemas/rules.schema.json holds)')
    .action(cli.action(async () => rulesSchema()));
}

const processOutput: Output = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

const usage = usageError;

/**
 * `rules check FILE`: every problem of the rule file on stdout, one line each
 * (`FILE: <path>: <problem>`); 0 when valid, 1 when not, 2 when it cannot be read.
 */
export async function rulesCheck(file: string, o: Output = processOutput): Promise<number> {
  const r = await checkRuleFile(file);
  if (r.valid) {
    o.out(`${printable(`${file}: valid (version ${JSON.stringify(r.version)})`)}\n`);
    return EXIT.ok;
  }
  for (const p of r.problems) o.out(`${printable(`${file}: ${p}`)}\n`);
  return EXIT.failure;
}

/** `rules schema`: the rule file's JSON Schema (what schemas/rules.schema.json holds). */
export function rulesSchema(o: Output = processOutput): number {
  o.out(ruleSetJsonSchemaText());
  return EXIT.ok;
}

export interface BacktestOptions {
  readonly base: string;
  readonly candidate: string;
  readonly input: string;
  readonly examples: number;
  readonly json: boolean;
  readonly workers: number;
}

/** The service's settings that decide what a history does (validation, lateness, calendar). */
export function backtestSettings(config: Config): BacktestSettings {
  return {
    timeZone: config.businessTimeZone,
    allowedLatenessMs: config.state.allowedLatenessMs,
    duplicateWindowMs: config.state.duplicateWindowMs,
    babyMccs: config.state.babyMccs,
    maxFutureSkewMs: config.validation.maxFutureSkewMs,
    maxEventAgeMs: config.validation.maxEventAgeMs,
    limits: { ids: config.validation.ids, maxAmountMinor: config.validation.maxAmountMinor },
  };
}

async function ruleFile(role: string, path: string): Promise<RuleSet> {
  if (!existsSync(path)) throw usage(`--${role} ${path}: no such file`);
  try {
    return await loadRuleSetFile(path);
  } catch (err) {
    // An invalid rule file is a wrong argument here: its first problem in one line (`rules check` lists them all).
    if (err instanceof CarestreamError && err.code === 'CS_ERR_CONFIG') throw usage(`--${role} ${err.message}`);
    throw err;
  }
}

/**
 * `rules backtest`: both rule sets over the history, offline; the report on
 * stdout (text, or one JSON object with --json), progress on stderr.
 */
export async function rulesBacktest(options: BacktestOptions, config: Config, cli: Pick<Cli, 'say'>, o: Output = processOutput): Promise<number> {
  if (!existsSync(options.input) || !statSync(options.input).isFile()) throw usage(`--input ${options.input}: no such file`);
  const base = await ruleFile('base', options.base);
  const candidate = await ruleFile('candidate', options.candidate);
  const started = Date.now();
  let result;
  try {
    result = await backtestFile({ base, candidate, path: options.input, examples: options.examples, settings: backtestSettings(config), workers: options.workers });
  } catch (err) {
    if (err instanceof HistoryLineError) throw usage(`${options.input}:${err.line}: ${err.detail}`);
    throw err;
  }
  const seconds = (Date.now() - started) / 1000;
  cli.say(`backtest: ${result.tally.lines.toLocaleString('en')} lines in ${seconds.toFixed(1)} s${result.passes > 1 ? `, read ${result.passes} times (${result.reread ?? ''})` : ''}`);
  if (options.json) o.out(`${reportJson(result)}\n`);
  else o.out(`${reportLines(result, options.input).join('\n')}\n`);
  return EXIT.ok;
}

const defaultWorkers = () => Math.max(1, Math.min(CLI_DEFAULTS.rulesBacktest.maxWorkers, availableParallelism()));

