import type { BatchResult, InputRecord, OutputMessage } from '../pipeline/process-batch.ts';
import type { TaskKindLabel } from './metrics.ts';

/** What became of one topic's records in a committed chunk. */
export interface TopicCounts {
  consumed: number;
  applied: number;
  skipped: number;
  /** Dead letters by reason. */
  deadLettered: Record<string, number>;
}

/**
 * A committed chunk, counted by the bounded labels of the metrics: per input
 * topic, per rule, kind and reason. Nothing in it names a customer.
 */
export interface ChunkAccount {
  readonly records: number;
  readonly byTopic: ReadonlyMap<string, TopicCounts>;
  /** One entry per task, with its triggering event's time when known. */
  readonly tasks: readonly { rule: string; kind: TaskKindLabel; eventTime: number | undefined }[];
  readonly suppressions: readonly { rule: string; reason: string }[];
}

function countsOf(map: Map<string, TopicCounts>, topic: string): TopicCounts {
  let c = map.get(topic);
  if (!c) map.set(topic, (c = { consumed: 0, applied: 0, skipped: 0, deadLettered: {} }));
  return c;
}

/**
 * Counts a committed chunk from its records, the store's results and the
 * metadata of its outputs. A record is exactly one of applied, dead-lettered
 * or skipped, so skipped is what remains of a topic's records.
 */
export function accountChunk(records: readonly InputRecord[], result: Pick<BatchResult, 'applied'>, outputs: readonly OutputMessage[]): ChunkAccount {
  const byTopic = new Map<string, TopicCounts>();
  for (const r of records) countsOf(byTopic, r.topic).consumed++;
  for (const a of result.applied) countsOf(byTopic, a.record.ref.topic).applied++;
  const tasks: { rule: string; kind: TaskKindLabel; eventTime: number | undefined }[] = [];
  const suppressions: { rule: string; reason: string }[] = [];
  for (const o of outputs) {
    const meta = o.meta;
    if (!meta) continue;
    if (meta.type === 'dead-letter') {
      const c = countsOf(byTopic, meta.sourceTopic);
      c.deadLettered[meta.reason] = (c.deadLettered[meta.reason] ?? 0) + 1;
    } else if (meta.type === 'task') {
      tasks.push({ rule: meta.rule, kind: meta.kind, eventTime: meta.eventTime });
    } else {
      suppressions.push({ rule: meta.rule, reason: meta.reason });
    }
  }
  for (const c of byTopic.values()) {
    const dead = Object.values(c.deadLettered).reduce((n, k) => n + k, 0);
    c.skipped = Math.max(0, c.consumed - c.applied - dead);
  }
  return { records: records.length, byTopic, tasks, suppressions };
}
