import type { Command } from 'commander';
import type { Cli } from '../context.ts';

export function register(program: Command, cli: Cli): void {
  program
    .command('run')
    .description('the service in the foreground: resolves the stack, creates missing topics, registers schemas, consumes, publishes tasks; stops on SIGTERM/SIGINT')
    .addHelpText('after', '\nLogs: pino JSON lines on stdout at LOG_LEVEL (default info), as log collectors expect of a service.')
    .action(cli.action(async () => (await import('../run.ts')).runCommand(cli.config())));
}
