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
): Promise<{ key: string | null; value: Buffer }[]> {
  const consumer = kafka.consumer({ groupId: `carestream-reader-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`, readUncommitted: false, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out: { key: string | null; value: Buffer }[] = [];
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
        if (keep(key)) out.push({ key, value: message.value! });
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
        await tx.sendOffsets({ consumerGroupId: groupId, topics: Object.entries(offsets).map(([topic, partitions]) => ({ topic, partitions: [...partitions] })) });
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
