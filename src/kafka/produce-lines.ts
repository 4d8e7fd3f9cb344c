import type { Producer } from 'kafkajs';
import { parseReplayLine } from '../events/json-form.ts';
import type { Serde } from './serde.ts';
import { topicMessages } from './produce.ts';

export interface ProduceLinesOptions {
  /** Records per sendBatch. */
  readonly chunk?: number;
  /** Called after every sendBatch with the records produced so far. */
  readonly onProgress?: (produced: number) => void;
}

/**
 * Produces replay lines (docs/EVENTS.md's JSON form, e.g. the generator's) to their
 * topics through the registry, in order, a chunk per request; returns how many
 * records went to each topic. The demo and the benchmark load generated banks
 * with it. The producer should be idempotent so a retried send cannot
 * duplicate or reorder a partition.
 */
export async function produceReplayLines(producer: Producer, serde: Serde, lines: Iterable<string>, options: ProduceLinesOptions = {}): Promise<Record<string, number>> {
  const size = options.chunk ?? 5_000;
  const sent: Record<string, number> = {};
  let produced = 0;
  let chunk: { topic: string; key: string | null; value: Buffer }[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    await producer.sendBatch({ acks: -1, topicMessages: topicMessages(chunk) });
    for (const m of chunk) sent[m.topic] = (sent[m.topic] ?? 0) + 1;
    produced += chunk.length;
    chunk = [];
    options.onProgress?.(produced);
  };
  for (const line of lines) {
    const r = parseReplayLine(line);
    chunk.push({ topic: r.topic, key: r.key, value: await serde.encode(r.topic, r.value) });
    if (chunk.length >= size) await flush();
  }
  await flush();
  return sent;
}
