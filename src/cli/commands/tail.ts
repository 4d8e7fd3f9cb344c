import { Argument, Option, type Command } from 'commander';
import { CLI_DEFAULTS, type Config } from '../../config.ts';
import { connect } from '../../kafka/bootstrap.ts';
import { formatReplayLine, toJsonForm, type RecordPosition } from '../../events/json-form.ts';
import { formatInstant } from '../../events/time.ts';
import { ALL_TOPICS, type Topic } from '../../events/topics.ts';
import { printable, printableJson } from '../../text/escape.ts';
import { EXIT, integerAtLeast, type Cli } from '../context.ts';

export interface TailOptions {
  readonly fromBeginning: boolean;
  readonly max: number | undefined;
  readonly idleMs: number | undefined;
  readonly format: 'json' | 'text';
  readonly key: string | undefined;
}

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
    .addHelpText('after', [
      '',
      'json:  {"topic","partition","offset","timestamp","key"?,"value"} per line; "key" only where it is not the',
      '       default (the customerId). `carestream replay` reads these lines and ignores the position fields.',
      'text:  TOPIC [PARTITION] @OFFSET TIMESTAMP key=KEY VALUE (the value in the JSON form)',
      'Records that do not decode are named on stderr (partition, offset, reason).',
    ].join('\n'))
    .action(cli.action((topic: Topic, opts: TailOptions) => tailCommand(cli.config(), topic, opts, cli)));
}

/** One record as `--format text` prints it. */
export function textLine(topic: Topic, key: string | null, value: unknown, at: RecordPosition, timeZone: string): string {
  const json = printableJson(JSON.stringify(toJsonForm(topic, value, timeZone)));
  return `${topic} [${at.partition}] @${at.offset} ${formatInstant(at.timestamp, timeZone)} key=${key === null ? '(null)' : printable(key)} ${json}`;
}

/**
 * `carestream tail <topic>` — prints committed records of a topic, in the
 * replay format (json) or as text. Reads with its own throw-away group and
 * commits nothing.
 */
export async function tailCommand(config: Config, topic: Topic, o: TailOptions, cli: Pick<Cli, 'logger' | 'say'>): Promise<number> {
  const max = o.max ?? Infinity;
  const logger = cli.logger(config);
  const { kafka, serde, stack } = await connect({ ...config, topics: { ...config.topics, create: false } }, logger, cli.say);
  const consumer = kafka.consumer({ groupId: `carestream-tail-${process.pid}-${Date.now()}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: o.fromBeginning });
  const tz = config.businessTimeZone;
  let printed = 0;
  let idle: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    // Armed by every record read, matching or not: idle means nothing more to read.
    const arm = () => {
      if (idle) clearTimeout(idle);
      if (o.idleMs !== undefined) idle = setTimeout(resolve, o.idleMs);
    };
    arm();
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        arm();
        if (printed >= max) return;
        const key = message.key?.toString('utf8') ?? null;
        if (o.key !== undefined && key !== o.key) return;
        const at: RecordPosition = { partition, offset: message.offset, timestamp: Number(message.timestamp) };
        const d = await serde.decode(topic, message.value);
        if (!d.ok) logger.warn(`${topic} [${partition}] @${message.offset}: ${d.reason}: ${d.message}`);
        else if (o.format === 'text') process.stdout.write(`${textLine(topic, key, d.value, at, tz)}\n`);
        else process.stdout.write(`${printableJson(formatReplayLine({ topic, key, value: d.value }, tz, at))}\n`);
        if (++printed >= max) resolve();
      },
    });
  });
  if (idle) clearTimeout(idle);
  await consumer.disconnect();
  await stack.release();
  return EXIT.ok;
}
