import type { Command } from 'commander';
import { CLI_DEFAULTS } from '../../config.ts';
import { MAX_DAYS } from '../../generate/calendar.ts';
import { integerAtLeast, integerBetween, type Cli } from '../context.ts';
import type { DemoOptions } from '../demo.ts';

export function register(program: Command, cli: Cli): void {
  const d = CLI_DEFAULTS.demo;
  program
    .command('demo')
    .description('a synthetic bank through carestream, with a report on stdout (leaves the stack running; features under the Redis prefix demo)')
    .option('--customers <n>', 'customers', integerAtLeast(1), d.customers)
    .option('--days <d>', `days of history, ending yesterday (at most ${MAX_DAYS})`, integerBetween(1, MAX_DAYS), d.days)
    .option('--seed <s>', 'random seed', integerAtLeast(Number.MIN_SAFE_INTEGER), d.seed)
    .option('--serve', 'keep the service running afterwards (its /metrics, /readyz, agent API and console) until Ctrl-C', false)
    .addHelpText('after', '\nProgress lines go to stderr, the report to stdout. Each run uses a new consumer group and clears the Redis prefix demo.\nExit 1 when a planted scenario was not found.')
    .action(cli.action(async (o: DemoOptions) => (await import('../demo.ts')).demoCommand(cli, o)));
}
