// `carestream rules check | backtest | schema`: what a rule owner runs before a
// rule file goes live. The logic is in src/rules/check.ts and src/backtest/;
// this module reads the arguments and prints.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { Config } from '../config.ts';
import { CarestreamError } from '../errors.ts';
import { backtestInParallel } from '../backtest/index.ts';
import { fileLines } from '../backtest/file.ts';
import { reportJson, reportLines } from '../backtest/report.ts';
import { HistoryLineError, type BacktestSettings } from '../backtest/run.ts';
import { checkRuleFile, ruleSetJsonSchemaText } from '../rules/check.ts';
import { loadRuleSetFile, type RuleSet } from '../rules/config.ts';
import { printable } from '../text/escape.ts';

export interface Output {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const processOutput: Output = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export const RULES_USAGE = [
  'usage: carestream rules check FILE',
  '       carestream rules backtest --base A.json --candidate B.json --input history.jsonl [--examples N] [--json] [--workers N]',
  '       carestream rules schema',
].join('\n');

const usage = (message: string) => new CarestreamError('CS_ERR_CLI_USAGE', message);

/**
 * `rules check FILE`: every problem of the rule file on stdout, one line each
 * (`FILE: <path>: <problem>`); 0 when valid, 1 when not, 2 when it cannot be read.
 */
export async function rulesCheck(file: string, o: Output = processOutput): Promise<number> {
  const r = await checkRuleFile(file);
  if (r.valid) {
    o.out(`${printable(`${file}: valid (version ${JSON.stringify(r.version)})`)}\n`);
    return 0;
  }
  for (const p of r.problems) o.out(`${printable(`${file}: ${p}`)}\n`);
  return 1;
}

/** `rules schema`: the rule file's JSON Schema (what schemas/rules.schema.json holds). */
export function rulesSchema(o: Output = processOutput): number {
  o.out(ruleSetJsonSchemaText());
  return 0;
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
export async function rulesBacktest(options: BacktestOptions, config: Config, o: Output = processOutput): Promise<number> {
  if (!existsSync(options.input) || !statSync(options.input).isFile()) throw usage(`--input ${options.input}: no such file`);
  const base = await ruleFile('base', options.base);
  const candidate = await ruleFile('candidate', options.candidate);
  const started = Date.now();
  let result;
  try {
    result = await backtestInParallel({ base, candidate, history: fileLines(options.input), examples: options.examples, settings: backtestSettings(config), workers: options.workers });
  } catch (err) {
    if (err instanceof HistoryLineError) throw usage(`${options.input}:${err.line}: ${err.detail}`);
    throw err;
  }
  const seconds = (Date.now() - started) / 1000;
  if (options.json) o.out(`${reportJson(result)}\n`);
  else o.out(`${reportLines(result, options.input, seconds).join('\n')}\n`);
  return 0;
}

const defaultWorkers = () => Math.max(1, Math.min(4, availableParallelism()));

function count(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(v) || v < min) throw usage(`--${name} must be an integer >= ${min}\n${RULES_USAGE}`);
  return v;
}

/** The dispatcher's entry (src/cli/commands.ts): `rules <check|backtest|schema> ...`. */
export async function rulesCommand(config: Config, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'check') {
    const { positionals } = parse(rest, {});
    if (positionals.length !== 1) throw usage(`rules check takes one FILE\n${RULES_USAGE}`);
    return rulesCheck(positionals[0]!);
  }
  if (sub === 'schema') {
    if (rest.length > 0) throw usage(`rules schema takes no arguments\n${RULES_USAGE}`);
    return rulesSchema();
  }
  if (sub === 'backtest') {
    const { values, positionals } = parse(rest, {
      base: { type: 'string' },
      candidate: { type: 'string' },
      input: { type: 'string' },
      examples: { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw usage(`unexpected argument ${JSON.stringify(positionals[0])}\n${RULES_USAGE}`);
    for (const k of ['base', 'candidate', 'input'] as const) if (typeof values[k] !== 'string') throw usage(`rules backtest needs --${k}\n${RULES_USAGE}`);
    return rulesBacktest(
      {
        base: values.base as string,
        candidate: values.candidate as string,
        input: values.input as string,
        examples: count('examples', values.examples as string | undefined, 3, 0),
        workers: count('workers', values.workers as string | undefined, defaultWorkers(), 1),
        json: values.json === true,
      },
      config,
    );
  }
  throw usage(RULES_USAGE);
}

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usage(`${(err as Error).message}\n${RULES_USAGE}`);
  }
}
