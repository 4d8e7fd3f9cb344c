import type { Config } from '../config.ts';
import { connect } from '../kafka/bootstrap.ts';
import { formatReplayLine, toJsonForm, type RecordPosition } from '../events/json-form.ts';
import { formatInstant } from '../events/time.ts';
import type { Topic } from '../events/topics.ts';
import { printable, printableJson } from '../text/escape.ts';
import { EXIT, usageError, type Cli } from './context.ts';

export interface TailOptions {
  readonly fromBeginning: boolean;
  readonly max: number | undefined;
  readonly idleMs: number | undefined;
  readonly format: 'json' | 'text';
  readonly key: string | undefined;
  readonly partition: number | undefined;
  readonly offset: string | undefined;
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
  let partitions: number[] | undefined;
  if (o.partition !== undefined || o.offset !== undefined) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      partitions = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.map((p) => p.partitionId).sort((a, b) => a - b);
    } finally {
      await admin.disconnect();
    }
    if (o.partition !== undefined && !partitions.includes(o.partition)) {
      await stack.release();
      throw usageError(`tail: ${topic} has partitions 0 to ${partitions.length - 1}; --partition ${o.partition} is not one of them`);
    }
  }
  const consumer = kafka.consumer({ groupId: `carestream-tail-${process.pid}-${Date.now()}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: o.fromBeginning });
  if (partitions) {
    // A fresh group with one member gets every partition at its join: position them then, once.
    const others = partitions.filter((p) => o.partition !== undefined && p !== o.partition);
    const all = partitions;
    const stop = consumer.on(consumer.events.GROUP_JOIN, () => {
      stop();
      if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
      if (o.offset !== undefined) for (const p of all) if (!others.includes(p)) consumer.seek({ topic, partition: p, offset: o.offset });
    });
  }
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
        if (o.partition !== undefined && partition !== o.partition) return;
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
