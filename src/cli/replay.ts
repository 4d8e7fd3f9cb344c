import type { FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Config } from '../config.ts';
import { connect } from '../kafka/bootstrap.ts';
import { topicMessages } from '../kafka/produce.ts';
import { parseReplayLine } from '../events/json-form.ts';
import { idProblem, type IdRules } from '../events/identifier.ts';
import { isInputTopic, TOPICS } from '../events/topics.ts';
import { EXIT, usageError, type Cli } from './context.ts';

/** The first id of an input event that is not an identifier, as "field: problem" (never the value). */
function idIssue(topic: string, value: unknown, rules: IdRules): string | undefined {
  if (!isInputTopic(topic) || typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  for (const field of topic === TOPICS.customerProfiles ? ['customerId'] : ['eventId', 'customerId']) {
    const problem = idProblem(v[field], rules);
    if (problem) return `${field}: ${problem}`;
  }
  return undefined;
}

const CHUNK = 2_000;

/**
 * `carestream replay <file.jsonl>` — produces each line of the replay format to
 * its topic, in file order, through the registry. Blank lines and lines starting
 * with # are skipped; a malformed line stops the replay with its line number.
 */
export async function replayCommand(config: Config, input: { name: string; handle: FileHandle }, cli: Pick<Cli, 'logger' | 'say'>): Promise<number> {
  const file = input.name;
  let connected;
  try {
    connected = await connect(config, cli.logger(config), cli.say);
  } catch (err) {
    await input.handle.close();
    throw err;
  }
  const { kafka, serde, stack } = connected;
  // Idempotent so a retried send cannot duplicate or reorder a partition.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const started = Date.now();
  let count = 0;
  let lineNo = 0;
  let chunk: { topic: string; key: string | null; value: Buffer }[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    await producer.sendBatch({ acks: -1, topicMessages: topicMessages(chunk) });
    count += chunk.length;
    chunk = [];
  };
  try {
    await producer.connect();
    const lines = createInterface({ input: input.handle.createReadStream({ encoding: 'utf8', autoClose: false }), crlfDelay: Infinity });
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '' || line.startsWith('#')) continue;
      let rec;
      try {
        rec = parseReplayLine(line);
      } catch (err) {
        throw usageError(`${file}:${lineNo}: ${(err as Error).message}`);
      }
      // The service would dead-letter it; refusing here keeps a name or an ID number out of Kafka.
      const issue = idIssue(rec.topic, rec.value, config.validation.ids);
      if (issue) throw usageError(`${file}:${lineNo}: ${issue}`);
      chunk.push({ topic: rec.topic, key: rec.key, value: await serde.encode(rec.topic, rec.value) });
      if (chunk.length >= CHUNK) await flush();
    }
    await flush();
  } finally {
    await input.handle.close();
    await producer.disconnect();
    await stack.release();
  }
  const secs = (Date.now() - started) / 1000;
  cli.say(`replayed ${count} records from ${file} in ${secs.toFixed(1)} s (${Math.round(count / Math.max(secs, 0.001))} records/s)`);
  return EXIT.ok;
}
