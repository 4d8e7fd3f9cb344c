import type { Kafka } from 'kafkajs';
import { coPartitionAssigner } from '../src/kafka/copartition-assigner.ts';
import { commitGroupOffsets, type Offsets } from '../src/kafka/read-committed.ts';

export interface CeilingResult {
  readonly records: number;
  /** From the group join (partitions assigned) to the batch that reached the last pre-loaded offset. */
  readonly seconds: number;
  readonly recordsPerSecond: number;
}

/**
 * The consume-only ceiling: the service's Kafka client with the service's
 * consumer settings (those of src/stream/consumer-loop.ts: fetch sizes, wait,
 * isolation, assigner, partitions handled concurrently) over the same
 * pre-loaded records, doing nothing with them but count. No decode, no Redis,
 * no transactions: what the client and broker give on this machine.
 */
export async function consumeOnly(kafka: Kafka, groupId: string, from: Offsets, to: Offsets, concurrency: number, stallMs = 60_000): Promise<CeilingResult> {
  const end = new Map<string, number>();
  const start = new Map<string, number>();
  for (const [topic, parts] of Object.entries(to)) {
    for (const p of parts) {
      const s = Number(from[topic]?.find((q) => q.partition === p.partition)?.offset ?? 0);
      if (Number(p.offset) > s) {
        end.set(`${topic}:${p.partition}`, Number(p.offset));
        start.set(`${topic}:${p.partition}`, s);
      }
    }
  }
  const expected = [...end].reduce((n, [k, e]) => n + e - start.get(k)!, 0);
  await commitGroupOffsets(kafka, groupId, from);

  // Same as the Ingestor's consumer (kept in step by hand: the ingestor does not export them).
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [coPartitionAssigner],
    readUncommitted: false,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    maxWaitTimeInMs: 200,
  });
  let joined: number | undefined;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined ??= Date.now();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: Object.keys(to), fromBeginning: true });
  let records = 0;
  let last = 0;
  const open = new Set(end.keys());
  try {
    const seconds = await new Promise<number>((resolve, reject) => {
      let lastProgress = Date.now();
      const watchdog = setInterval(() => {
        if (Date.now() - lastProgress > stallMs) reject(new Error(`consume-only run stalled at ${records} of ${expected} records`));
      }, 1000);
      const done = () => {
        clearInterval(watchdog);
        resolve((last - joined!) / 1000);
      };
      if (open.size === 0) {
        joined = last = Date.now();
        done();
        return;
      }
      void consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: concurrency,
          eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
            const now = Date.now();
            const key = `${batch.topic}:${batch.partition}`;
            const e = end.get(key);
            if (e === undefined || batch.messages.length === 0) return;
            // Count only the pre-loaded range: anyone else's later records are not ours.
            if (Number(batch.lastOffset()) < e) records += batch.messages.length;
            else for (const m of batch.messages) if (Number(m.offset) < e) records++;
            resolveOffset(batch.lastOffset());
            lastProgress = now;
            if (Number(batch.lastOffset()) + 1 >= e && open.delete(key) && open.size === 0) {
              last = now;
              done();
            }
            await heartbeat();
          },
        })
        .catch(reject);
    });
    return { records, seconds, recordsPerSecond: Math.round(records / seconds) };
  } finally {
    await consumer.disconnect();
  }
}
