import type { Command } from 'commander';
import type { Cli } from '../context.ts';

export function register(program: Command, cli: Cli): void {
  program
    .command('inspect')
    .description("the customer's current features as JSON (docs/FEATURES.md; the same form as GET /v1/customers/{id}/features)")
    .argument('<customerId>', "a customer id (REDIS_KEY_PREFIX=demo for the demo's customers)")
    .addHelpText('after', '\nExit 1 when nothing is known about the customer.')
    .action(cli.action(async (customerId: string) => (await import('../inspect.ts')).inspectCommand(cli.config(), customerId, cli)));
}
