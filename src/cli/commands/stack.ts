import type { Command } from 'commander';
import type { Cli } from '../context.ts';

export function register(program: Command, cli: Cli): void {
  const stack = program
    .command('stack')
    .description('the managed stack: labelled containers where a runtime answers, else local processes (README, "The stack")');
  stack
    .command('up')
    .description('start the stack, or find it running; prints KAFKA_BROKERS=... lines on stdout for scripts')
    .action(cli.action(async () => (await import('../stack.ts')).stackUpCommand(cli.config(), cli)));
  stack
    .command('down')
    .description('stop the stack and delete its data')
    .option('--keep-data', 'only stop it: the next `stack up` starts it again with its topics and schemas', false)
    .action(cli.action(async (o: { keepData: boolean }) => (await import('../stack.ts')).stackDownCommand(cli.config(), o, cli)));
  stack
    .command('status')
    .description('what runs, where, which pid or container (exit 3 when a component does not answer)')
    .action(cli.action(async () => (await import('../stack.ts')).stackStatusCommand(cli.config())));
}
