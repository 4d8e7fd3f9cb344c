import { originMetadata } from './origin.ts';
import type { Kafka } from 'kafkajs';

export type Offsets = Readonly<Record<string, readonly { partition: number; offset: string }[]>>;

/** The current end offset of every partition of the given topics. */
export async function endOffsets(kafka: Kafka, topics: readonly string[]): Promise<Record<string, { partition: number; offset: string }[]>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out: Record<string, { partition: number; offset: string }[]> = {};
    for (const t of topics) out[t] = (await admin.fetchTopicOffsets(t)).map((p) => ({ partition: p.partition, offset: p.high }));
    return out;
  } finally {
    await admin.disconnect();
  }
}

/**
 * The committed records of a topic from the given offsets on (read_committed,
 * a throw-away group, nothing committed), until no record arrived for `idleMs`.
 */
export async function readCommitted(
  kafka: Kafka,
  topic: string,
  from: Offsets,
  keep: (key: string | null) => boolean = () => true,
  idleMs = 1500,
): Promise<{ key: string | null; value: Buffer; headers: Record<string, string> }[]> {
  const consumer = kafka.consumer({ groupId: `carestream-reader-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`, readUncommitted: false, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out: { key: string | null; value: Buffer; headers: Record<string, string> }[] = [];
  const start = new Map(from[topic]?.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    timer = setTimeout(resolve, idleMs * 3);
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        clearTimeout(timer);
        timer = setTimeout(resolve, idleMs);
        if (BigInt(message.offset) < (start.get(partition) ?? 0n)) return;
        const key = message.key?.toString('utf8') ?? null;
        if (!keep(key)) return;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(v);
        out.push({ key, value: message.value!, headers });
      },
    });
  });
  clearTimeout(timer);
  await consumer.disconnect();
  return out;
}

/**
 * Commits a consumer group's positions without joining it: a transaction that
 * carries only offsets. On a broker that has just started the coordinators
 * still load and answer NOT_COORDINATOR for a while, so retriable errors are
 * tried again.
 */
export async function commitGroupOffsets(kafka: Kafka, groupId: string, offsets: Offsets): Promise<void> {
  const producer = kafka.producer({ transactionalId: `${groupId}.seed`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      const tx = await producer.transaction();
      try {
        // The seed position is also where the group's state begins (see origin.ts).
        await tx.sendOffsets({
          consumerGroupId: groupId,
          topics: Object.entries(offsets).map(([topic, partitions]) => ({ topic, partitions: partitions.map((p) => ({ ...p, metadata: originMetadata(BigInt(p.offset)) ?? null })) })),
        });
        await tx.commit();
        return;
      } catch (err) {
        await tx.abort().catch(() => {});
        if (attempt >= 20 || !(err as { retriable?: boolean }).retriable) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * Every committed record of the given topics, from the start of each
 * partition to its end as of the call (read_committed, a throw-away group,
 * nothing committed). Unlike readCommitted it knows where to stop, so it
 * neither waits for idleness nor misses records of a slow fetch.
 */
export async function readToEnd(
  kafka: Kafka,
  topics: readonly string[],
  onRecord: (topic: string, key: string | null, value: Buffer, at: { partition: number; offset: bigint; timestamp: number }) => void,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  // Where each non-empty partition ends now.
  const remaining = new Map<string, bigint>();
  try {
    for (const t of topics) {
      for (const p of await admin.fetchTopicOffsets(t)) {
        if (BigInt(p.high) > BigInt(p.low)) remaining.set(`${t}:${p.partition}`, BigInt(p.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  if (remaining.size === 0) return 0;
  let count = 0;
  const consumer = kafka.consumer({ groupId: `carestream-reader-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`, readUncommitted: false, maxWaitTimeInMs: 200, maxBytes: 64 * 1024 * 1024 });
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const reached = (topic: string, partition: number, next: bigint) => {
    const key = `${topic}:${partition}`;
    const end = remaining.get(key);
    if (end !== undefined && next >= end) {
      remaining.delete(key);
      if (remaining.size === 0) done();
    }
  };
  // Batches of only transaction markers do not reach eachBatch; their position does.
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    if (e.payload.batchSize === 0) reached(e.payload.topic, e.payload.partition, BigInt(e.payload.lastOffset) + 1n);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = remaining.get(`${batch.topic}:${batch.partition}`);
        if (end === undefined) return;
        for (const m of batch.messages) {
          if (BigInt(m.offset) >= end) break;
          count++;
          onRecord(batch.topic, m.key?.toString('utf8') ?? null, m.value ?? Buffer.alloc(0), { partition: batch.partition, offset: BigInt(m.offset), timestamp: Number(m.timestamp) });
        }
        reached(batch.topic, batch.partition, BigInt(batch.lastOffset()) + 1n);
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return count;
}
