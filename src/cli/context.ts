// What every command module gets: settings parsed when the command runs, a
// logger that suits a person at a terminal, progress lines, and its exit code.
// A command module (src/cli/commands/<name>.ts) exports `register`, which adds
// the command to the program; src/cli/commands.ts finds every such module.
import { InvalidArgumentError, type Command } from 'commander';
import { pino } from 'pino';
import { loadConfig, type Config } from '../config.ts';
import { CarestreamError } from '../errors.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { printable } from '../text/escape.ts';

/** The exit codes of every command (each command's --help lists them). */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2, stackDown: 3, software: 70, config: 78 });

export const EXIT_CODES_HELP = `
Output: data on stdout; progress, warnings and errors on stderr (JSON log lines
at LOG_LEVEL or --log-level when one is given; \`run\` logs JSON to stdout).

Exit codes:
  0   done
  1   failed (a connection, a record or the run; the line on stderr says which),
      or the demo did not find every planted scenario
  2   usage: an unknown command or option, a bad value, a missing or unreadable file
  3   stack status: a component does not answer
  70  run: the service stopped after an error it cannot recover from
  78  configuration: an environment variable or CARESTREAM_CONFIG_FILE is invalid`;

export interface Output {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export interface Cli {
  /**
   * The settings (src/config.ts) with the global options applied; `env` adds
   * or replaces variables. Called inside an action, so --help and a bad
   * argument read no file and connect to nothing.
   */
  config(env?: Record<string, string | undefined>): Config;
  /**
   * The log of a command other than the service: with LOG_LEVEL or
   * --log-level given, pino JSON lines on stderr at that level; else only
   * warnings and errors, each as one plain line on stderr.
   */
  logger(config: Config): Logger;
  /** A progress line for people, on stderr (stdout stays for data). */
  say(line?: string): void;
  /** An action whose result is the process's exit code. */
  action<A extends unknown[]>(run: (...args: A) => Promise<number>): (...args: A) => Promise<void>;
}

/** What a command module exports. */
export type Register = (program: Command, cli: Cli) => void;

/** A command-line problem found after parsing (a file that does not open, an id that is not one): exit 2. */
export const usageError = (message: string) => new CarestreamError('CS_ERR_CLI_USAGE', message);

const LEVEL_WORD: Readonly<Record<number, string>> = { 40: 'warning', 50: 'error', 60: 'fatal' };

/** One plain line from a pino JSON line: level word, message, and the error's message if any. */
export function humanLogLine(json: string): string {
  let o: { level?: number; msg?: string; err?: { message?: string }; error?: unknown };
  try {
    o = JSON.parse(json);
  } catch {
    return printable(json.trimEnd());
  }
  const detail = o.err?.message ?? (typeof o.error === 'string' ? o.error : undefined);
  const word = LEVEL_WORD[o.level ?? 0] ?? 'note';
  return printable(`carestream: ${word}: ${o.msg ?? ''}${detail ? ` (${detail})` : ''}`);
}

export function createCli(output: Output, globals: () => { logLevel?: string }): Cli & { readonly exitCode: number } {
  let exitCode: number = EXIT.ok;
  return {
    get exitCode() {
      return exitCode;
    },
    config(env = {}) {
      const { logLevel } = globals();
      return loadConfig({ ...process.env, ...(logLevel ? { LOG_LEVEL: logLevel } : {}), ...env });
    },
    logger(config) {
      if (config.logLevelExplicit) return createLogger(config.logLevel, pino.destination({ fd: 2, sync: true }));
      return createLogger('warn', { write: (line: string) => output.err(`${humanLogLine(line)}\n`) });
    },
    say(line = '') {
      output.err(`${printable(line)}\n`);
    },
    action(run) {
      return async (...args) => {
        exitCode = await run(...args);
      };
    },
  };
}

// ---- option values, checked while parsing (a bad one exits 2 before anything runs) ----

/** An integer from min to max, for commander's argParser. */
export const integerBetween = (min: number, max: number) => (value: string): number => {
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer');
  if (n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
  if (n > max) throw new InvalidArgumentError(`expected an integer <= ${max}`);
  return n;
};

/** An integer >= min, for commander's argParser. */
export const integerAtLeast = (min: number) => integerBetween(min, Number.MAX_SAFE_INTEGER);
