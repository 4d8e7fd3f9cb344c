import { InvalidArgumentError, type Command } from 'commander';
import { CLI_DEFAULTS } from '../../config.ts';
import { MAX_DAYS, parseIsoDate } from '../../generate/calendar.ts';
import { integerAtLeast, integerBetween, type Cli } from '../context.ts';
import type { GenerateOptions } from '../generate.ts';

const isoDate = (value: string): string => {
  try {
    parseIsoDate(value);
  } catch {
    throw new InvalidArgumentError('expected a calendar date, YYYY-MM-DD');
  }
  return value;
};

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
    .action(cli.action(async (o: GenerateOptions) => (await import('../generate.ts')).generateCommand(cli.config(), o, cli)));
}
