import type { Config } from '../config.ts';
import { connect } from '../kafka/bootstrap.ts';
import { formatReplayLine } from '../events/json-form.ts';
import { isTopic } from '../events/topics.ts';
import { CarestreamError } from '../errors.ts';
import { createLogger } from '../observability/logger.ts';
import { parseArgs } from 'node:util';
import { printable, printableJson } from '../text/escape.ts';

/**
 * `carestream tail <topic> [--from-beginning] [--max N] [--idle-ms MS]` — prints
 * committed records of a topic in the replay format, one per line. Reads with
 * its own throw-away group and commits nothing.
 */
export async function tailCommand(config: Config, argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'from-beginning': { type: 'boolean', default: false }, max: { type: 'string' }, 'idle-ms': { type: 'string' } },
  });
  const topic = positionals[0];
  if (!topic || !isTopic(topic)) throw new CarestreamError('CS_ERR_CLI_USAGE', 'usage: carestream tail <topic> [--from-beginning] [--max N] [--idle-ms MS]');
  const max = values.max ? Number(values.max) : Infinity;
  const idleMs = values['idle-ms'] ? Number(values['idle-ms']) : Infinity;
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const { kafka, serde, stack } = await connect({ ...config, topics: { ...config.topics, create: false } }, logger);
  const consumer = kafka.consumer({ groupId: `carestream-tail-${process.pid}-${Date.now()}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: values['from-beginning'] });
  let printed = 0;
  let idle: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    const arm = () => {
      if (idle) clearTimeout(idle);
      if (Number.isFinite(idleMs)) idle = setTimeout(resolve, idleMs);
    };
    arm();
    process.once('SIGINT', () => resolve());
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        arm();
        if (printed >= max) return;
        const d = await serde.decode(topic, message.value);
        const key = message.key?.toString('utf8') ?? null;
        if (d.ok) process.stdout.write(`${printableJson(formatReplayLine({ topic, key, value: d.value }, config.businessTimeZone))}\n`);
        else process.stderr.write(`${printable(`offset ${message.offset}: ${d.reason}: ${d.message}`)}\n`);
        if (++printed >= max) resolve();
      },
    });
  });
  if (idle) clearTimeout(idle);
  await consumer.disconnect();
  await stack.release();
  return 0;
}
