// kafkajs is CommonJS: no named value imports (Node's ESM loader cannot see them).
import kafkajs, { type Admin, type Kafka, type PartitionAssigner } from 'kafkajs';
import { TOPICS } from '../events/topics.ts';
import { CarestreamError } from '../errors.ts';

/**
 * Reads the committed task and suppression records that carestream published
 * in a time range, straight from their topics: the durable audit trail
 * (README, "The audit trail"). Nothing is kept anywhere else, so nothing can
 * drift from what the topics say.
 *
 * The range is the records' Kafka timestamp (when carestream published the
 * decision). The broker's time index finds where it begins and ends on each
 * partition (ListOffsets by timestamp), so a read touches only the range; a
 * customer's records all sit on one partition (every topic is keyed by
 * customer and co-partitioned), so a customer's read is one partition of each
 * topic, filtered by key. Records are read read_committed by a throw-away
 * consumer that is assigned exactly those partitions and commits nothing.
 */

export const DECISION_TOPICS = [TOPICS.fraudCheckTasks, TOPICS.outreachTasks, TOPICS.suppressions] as const;
export type DecisionTopic = (typeof DECISION_TOPICS)[number];

/** Publish times, epoch ms: `from` inclusive, `to` exclusive. */
export interface AuditRange {
  readonly from: number;
  readonly to: number;
}

export interface PublishedRecord {
  readonly topic: DecisionTopic;
  readonly partition: number;
  readonly offset: string;
  /** The record's Kafka timestamp: when carestream published it. */
  readonly publishedAt: number;
  readonly key: string | null;
  readonly value: Buffer;
}

export interface ReadOptions {
  readonly range: AuditRange;
  /** Partition numbers to read; undefined: every partition. */
  readonly partitions?: readonly number[];
  /** Keep a record with this key (a customer's read keeps only theirs). */
  readonly keep?: (key: string | null) => boolean;
  /**
   * How far a record's timestamp may lie behind an earlier record's on the same
   * partition (instances' clocks differ around a take-over): the seeks are
   * widened by it, and the range is then applied exactly to each record.
   */
  readonly clockSkewMs: number;
  /** A read that has not reached the end of its range by then fails (an open transaction holds it back). */
  readonly timeoutMs: number;
}

/** The partition kafkajs' default partitioner (Java's murmur2) gives `key` among `partitions`. */
export function partitionOf(key: string, partitions: number): number {
  const partitioner = kafkajs.Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  return partitioner({ topic: 'audit', partitionMetadata, message: { key, value: null } });
}

/** [start, end) offsets of one topic-partition to read. */
interface Span {
  readonly topic: DecisionTopic;
  readonly partition: number;
  readonly start: bigint;
  readonly end: bigint;
}

/** Where the range begins and ends on each wanted partition of the decision topics (empty spans left out). */
async function spansOf(admin: Admin, o: ReadOptions): Promise<Span[]> {
  const spans: Span[] = [];
  for (const topic of DECISION_TOPICS) {
    const [bounds, starts, ends] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchTopicOffsetsByTimestamp(topic, Math.max(0, o.range.from - o.clockSkewMs)),
      admin.fetchTopicOffsetsByTimestamp(topic, o.range.to + o.clockSkewMs),
    ]);
    for (const b of bounds) {
      if (o.partitions && !o.partitions.includes(b.partition)) continue;
      const low = BigInt(b.low);
      const high = BigInt(b.high);
      // A time past every record answers the end of the partition (kafkajs maps the broker's -1 to it).
      const at = (xs: { partition: number; offset: string }[]) => BigInt(xs.find((x) => x.partition === b.partition)?.offset ?? b.high);
      const start = at(starts) < low ? low : at(starts);
      const end = at(ends) > high ? high : at(ends);
      if (end > start) spans.push({ topic, partition: b.partition, start, end });
    }
  }
  return spans;
}

/** Assigns the wanted partitions (and only those) to the one member of a throw-away group. */
function spanAssigner(wanted: ReadonlyMap<string, number[]>): PartitionAssigner {
  return () => ({
    name: 'CarestreamAuditSpan',
    version: 1,
    async assign({ members }) {
      const assignment = Object.fromEntries(wanted);
      return members.map((m, i) => ({
        memberId: m.memberId,
        memberAssignment: kafkajs.AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: i === 0 ? assignment : {}, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: 'CarestreamAuditSpan', metadata: kafkajs.AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) };
    },
  });
}

/**
 * Every committed decision record published in the range on the wanted
 * partitions, kept by key, in partition order per topic-partition. `admin`
 * is a connected admin client (the caller keeps one for many reads).
 */
export async function readPublished(kafka: Kafka, admin: Admin, o: ReadOptions): Promise<PublishedRecord[]> {
  const spans = await spansOf(admin, o);
  if (spans.length === 0) return [];
  const remaining = new Map(spans.map((s) => [`${s.topic}:${s.partition}`, s]));
  const wanted = new Map<string, number[]>();
  for (const s of spans) (wanted.get(s.topic) ?? wanted.set(s.topic, []).get(s.topic)!).push(s.partition);
  const keep = o.keep ?? (() => true);
  const out: PublishedRecord[] = [];
  const consumer = kafka.consumer({
    groupId: `carestream-audit-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    partitionAssigners: [spanAssigner(wanted)],
  });
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const reached = (topic: string, partition: number, next: bigint) => {
    const key = `${topic}:${partition}`;
    const s = remaining.get(key);
    if (s && next >= s.end) {
      remaining.delete(key);
      if (remaining.size === 0) done();
    }
  };
  // Batches holding only transaction markers (or aborted records) do not reach eachBatch; their position does.
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    if (e.payload.batchSize === 0) reached(e.payload.topic, e.payload.partition, BigInt(e.payload.lastOffset) + 1n);
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), o.timeoutMs)));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...wanted.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const s = remaining.get(`${batch.topic}:${batch.partition}`);
        if (!s) return;
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          // A fetch issued before the seek took effect starts at the partition's beginning.
          if (offset < s.start) continue;
          if (offset >= s.end) break;
          const publishedAt = Number(m.timestamp);
          if (publishedAt < o.range.from || publishedAt >= o.range.to) continue;
          const key = m.key?.toString('utf8') ?? null;
          if (!keep(key)) continue;
          out.push({ topic: s.topic, partition: s.partition, offset: m.offset, publishedAt, key, value: m.value ?? Buffer.alloc(0) });
        }
        reached(batch.topic, batch.partition, BigInt(batch.lastOffset()) + 1n);
      },
    });
    for (const s of spans) consumer.seek({ topic: s.topic, partition: s.partition, offset: s.start.toString() });
    if ((await Promise.race([finished, timedOut])) === 'timeout') {
      throw new CarestreamError('CS_ERR_AUDIT_READ', `the decision topics could not be read to the end of the range within ${o.timeoutMs} ms (an open transaction, or the broker is slow)`);
    }
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
  }
  return out;
}
