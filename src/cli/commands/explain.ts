import { InvalidArgumentError, type Command } from 'commander';
import { parseInstant } from '../../events/time.ts';
import type { Cli } from '../context.ts';
import type { ExplainOptions } from '../explain.ts';

/** An ISO-8601 instant with an offset, for commander's argParser (the audit commands' --from and --to). */
export function instantOption(value: string): number {
  const t = parseInstant(value);
  if (t === undefined) throw new InvalidArgumentError('expected an ISO-8601 instant with an offset, such as 2026-11-01T00:00:00+08:00');
  return t;
}

export function register(program: Command, cli: Cli): void {
  program
    .command('explain')
    .description('why the customer was or was not contacted: tier, key features, tasks and suppressions with reasons, evidence and care status, contacts counting against caps, outcomes')
    .argument('<customerId>', 'a customer id (REDIS_KEY_PREFIX=demo for the demo\'s customers)')
    .option('--from <instant>', 'decisions published from this instant on, from the audit trail of the task topics (ISO-8601 with an offset)', instantOption)
    .option('--to <instant>', 'decisions published before this instant (default: now)', instantOption)
    .option('--json', 'the same as one JSON document', false)
    .addHelpText('after', [
      '',
      'With CARESTREAM_API_URL and CARESTREAM_API_TOKEN(_FILE) it asks the agent API (scopes features:read and',
      'tasks:read; the decisions from the audit trail) and needs no Kafka or Redis settings. Without, it reads',
      'Redis: the decision log (latest 50), or with --from/--to the audit trail of the task topics.',
      'Exit 1 when nothing is known about the customer.',
    ].join('\n'))
    .action(cli.action(async (customerId: string, o: ExplainOptions) => (await import('../explain.ts')).explainCommand(cli.config(), customerId, o, cli)));
}
