import { Argument, InvalidArgumentError, Option, type Command } from 'commander';
import { CLI_DEFAULTS } from '../../config.ts';
import { ALL_TOPICS, type Topic } from '../../events/topics.ts';
import { integerAtLeast, type Cli } from '../context.ts';
import type { TailOptions } from '../tail.ts';

/** A Kafka offset: 64-bit, so kept as its decimal string. */
const offset = (value: string): string => {
  if (!/^\d{1,19}$/.test(value) || BigInt(value) > 2n ** 63n - 1n) throw new InvalidArgumentError('expected an offset, a non-negative integer');
  return value;
};

export function register(program: Command, cli: Cli): void {
  program
    .command('tail')
    .description('print the committed records of a topic, one per line (like kcat -C)')
    .addArgument(new Argument('<topic>', 'a carestream topic').choices(ALL_TOPICS))
    .option('--from-beginning', 'start at the oldest record (default: only new ones)', false)
    .option('--max <n>', 'stop after N records', integerAtLeast(1))
    .option('--idle-ms <ms>', 'stop after MS without a record', integerAtLeast(0))
    .addOption(new Option('--format <format>', 'json: the replay format with partition, offset and timestamp; text: one line for people').choices(['json', 'text']).default(CLI_DEFAULTS.tail.format))
    .option('--key <key>', 'only the records with this Kafka key (inputs and tasks are keyed by customerId)')
    .option('--partition <p>', 'only this partition (like kcat -p)', integerAtLeast(0))
    .option('--offset <o>', 'start at this offset, in --partition or in every partition (like kcat -o); instead of --from-beginning', offset)
    .addHelpText('after', [
      '',
      'json:  {"topic","partition","offset","timestamp","key"?,"value"} per line; "key" only where it is not the',
      '       default (the customerId). `carestream replay` reads these lines and ignores the position fields.',
      'text:  TOPIC [PARTITION] @OFFSET TIMESTAMP key=KEY VALUE (the value in the JSON form)',
      'Records that do not decode are named on stderr (partition, offset, reason).',
    ].join('\n'))
    .action(cli.action(async (topic: Topic, opts: TailOptions) => (await import('../tail.ts')).tailCommand(cli.config(), topic, opts, cli)));
}
