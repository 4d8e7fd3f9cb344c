import { InvalidArgumentError, type Command } from 'commander';
import { CLI_DEFAULTS, type Config } from '../../config.ts';
import { MAX_DAYS, writeGenerated } from '../../generate/index.ts';
import { parseIsoDate } from '../../generate/calendar.ts';
import { EXIT, integerAtLeast, integerBetween, usageError, type Cli } from '../context.ts';

const isoDate = (value: string): string => {
  try {
    parseIsoDate(value);
  } catch {
    throw new InvalidArgumentError('expected a calendar date, YYYY-MM-DD');
  }
  return value;
};

export interface GenerateOptions {
  readonly customers: number;
  readonly days: number;
  readonly seed: number;
  readonly start: string;
  readonly scenarios: boolean;
  readonly out: string;
  readonly labels: string;
}

export function register(program: Command, cli: Cli): void {
  const d = CLI_DEFAULTS.generate;
  program
    .command('generate')
    .description('a seeded synthetic stream in the replay format, with planted scenarios and near misses for every rule, and a labels file saying which outputs must appear (same options and seed, same bytes)')
    .option('--customers <n>', 'customers', integerAtLeast(1), d.customers)
    .option('--days <d>', `days of history (at most ${MAX_DAYS})`, integerBetween(1, MAX_DAYS), d.days)
    .option('--seed <s>', 'random seed', integerAtLeast(Number.MIN_SAFE_INTEGER), d.seed)
    .option('--start <date>', 'first day, YYYY-MM-DD', isoDate, d.start)
    .option('--no-scenarios', 'no planted scenarios: background traffic only')
    .option('--out <file>', 'the events, one replay line each', d.out)
    .option('--labels <file>', 'the expected outputs, JSON', d.labels)
    .action(cli.action((o: GenerateOptions) => generateCommand(cli.config(), o, cli)));
}

/**
 * `carestream generate` — a seeded synthetic stream in the replay format, with
 * planted scenarios for every rule and a labels file saying what must fire.
 * Same options and seed, same bytes.
 */
export async function generateCommand(config: Config, o: GenerateOptions, cli: Pick<Cli, 'say'>): Promise<number> {
  const started = Date.now();
  let result;
  try {
    result = await writeGenerated(
      { customers: o.customers, days: o.days, seed: o.seed, start: o.start, timeZone: config.businessTimeZone, scenarios: o.scenarios },
      o.out,
      o.labels,
    );
  } catch (err) {
    // The generator's own checks of its options (a start date that is not one, too few days for the scenarios).
    if (err instanceof RangeError) throw usageError(`generate: ${err.message}`);
    const e = err as NodeJS.ErrnoException;
    if (e.code && e.path) throw usageError(`generate: cannot write ${e.path}: ${e.code}`);
    throw err;
  }
  cli.say(`wrote ${result.events} events to ${o.out} and ${result.labels.expected.length} expected outputs to ${o.labels} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return EXIT.ok;
}
