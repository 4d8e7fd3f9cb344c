import type { Kafka } from 'kafkajs';
import { commitGroupOffsets, type Offsets } from '../src/kafka/read-committed.ts';

/**
 * Committed records (read_committed) of the given topics between two offset
 * snapshots whose key passes `keep`, per topic. Reading stops when every
 * partition has shown a record at or past its end, or nothing in range has
 * arrived for `idleMs` (a transaction's commit marker takes the last offset, so
 * the end itself is never delivered).
 */
export async function countCommitted(kafka: Kafka, groupId: string, from: Offsets, to: Offsets, keep: (key: string | null) => boolean, idleMs = 2_000): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries(Object.keys(to).map((t) => [t, 0]));
  const end = new Map<string, number>();
  for (const [topic, parts] of Object.entries(to)) {
    for (const p of parts) {
      const s = Number(from[topic]?.find((q) => q.partition === p.partition)?.offset ?? 0);
      if (Number(p.offset) > s) end.set(`${topic}:${p.partition}`, Number(p.offset));
    }
  }
  if (end.size === 0) return counts;
  await commitGroupOffsets(kafka, groupId, Object.fromEntries(Object.keys(to).map((t) => [t, from[t] ?? []])));
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 200, maxBytes: 64 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: Object.keys(to), fromBeginning: true });
  const open = new Set(end.keys());
  try {
    await new Promise<void>((resolve, reject) => {
      let timer = setTimeout(resolve, idleMs * 3);
      const touch = () => {
        clearTimeout(timer);
        timer = setTimeout(resolve, idleMs);
      };
      void consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const key = `${batch.topic}:${batch.partition}`;
            const e = end.get(key);
            if (e === undefined) return;
            for (const m of batch.messages) {
              const o = Number(m.offset);
              if (o >= e - 1) open.delete(key);
              if (o >= e) continue;
              touch();
              if (keep(m.key?.toString('utf8') ?? null)) counts[batch.topic]!++;
            }
            if (open.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return counts;
}
