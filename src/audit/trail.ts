import type { Admin, Kafka } from 'kafkajs';
import type { Config } from '../config.ts';
import type { Serde } from '../kafka/serde.ts';
import { ConcurrencyLimit } from '../kafka/schema-cache.ts';
import { auditEntryOf, byPublication, type AuditEntry, type DecisionRecord } from './entry.ts';
import { DECISION_TOPICS, partitionOf, readPublished, type AuditRange, type DecisionTopic, type PublishedRecord } from './reader.ts';

/** A decoded record of the trail, with where it is on its topic. */
export interface TrailRecord {
  readonly topic: DecisionTopic;
  readonly partition: number;
  readonly offset: string;
  readonly publishedAt: number;
  readonly key: string | null;
  readonly record: DecisionRecord;
}

export interface TrailRecords {
  /** Oldest first (publish time, then topic, partition, offset). */
  readonly records: readonly TrailRecord[];
  /** Records of the range that do not decode (never expected: carestream wrote them); counted, not shown. */
  readonly unreadable: number;
}

export interface CustomerTrail {
  readonly entries: readonly AuditEntry[];
  readonly unreadable: number;
}

/** What the agent API reads the trail through; AuditTrail is one. */
export interface AuditSource {
  customer(customerId: string, range: AuditRange): Promise<CustomerTrail>;
}

export interface AuditTrailOptions {
  readonly audit: Config['audit'];
  /** The rule in force's due hours (only for records older than their trigger time field). */
  readonly dueHoursOf: (ruleId: string) => number;
}

/**
 * The audit trail over the task and suppression topics: a customer's
 * decisions in a time range (their partition only), or every decision in a
 * range (the compliance export). Reads run at most
 * AUDIT_MAX_CONCURRENT_READS at once, each with its own throw-away consumer.
 */
export class AuditTrail implements AuditSource {
  private readonly kafka: Kafka;
  private readonly serde: Serde;
  private readonly o: AuditTrailOptions;
  private readonly limit: ConcurrencyLimit;
  private admin: Promise<Admin> | undefined;

  constructor(kafka: Kafka, serde: Serde, o: AuditTrailOptions) {
    this.kafka = kafka;
    this.serde = serde;
    this.o = o;
    this.limit = new ConcurrencyLimit(o.audit.maxConcurrentReads);
  }

  /** The due hours the entries are built with. */
  get dueHoursOf(): (ruleId: string) => number {
    return this.o.dueHoursOf;
  }

  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }

  private async read(range: AuditRange, customerId: string | undefined): Promise<TrailRecords> {
    return this.limit.run(async () => {
      const admin = await this.connectedAdmin();
      let partitions: number[] | undefined;
      if (customerId !== undefined) {
        // Co-partitioned topics: the same partition number on each (checked per topic all the same).
        const meta = await admin.fetchTopicMetadata({ topics: [...DECISION_TOPICS] });
        partitions = [...new Set(meta.topics.map((t) => partitionOf(customerId, t.partitions.length)))];
      }
      const raw = await readPublished(this.kafka, admin, {
        range,
        ...(partitions ? { partitions } : {}),
        ...(customerId !== undefined ? { keep: (k: string | null) => k === customerId } : {}),
        clockSkewMs: this.o.audit.clockSkewMs,
        timeoutMs: this.o.audit.readTimeoutMs,
      });
      return this.decode(raw);
    });
  }

  private async decode(raw: readonly PublishedRecord[]): Promise<TrailRecords> {
    const records: TrailRecord[] = [];
    let unreadable = 0;
    for (const r of raw) {
      const d = await this.serde.decode(r.topic, r.value);
      if (!d.ok) {
        unreadable++;
        continue;
      }
      records.push({ topic: r.topic, partition: r.partition, offset: r.offset, publishedAt: r.publishedAt, key: r.key, record: d.value as DecisionRecord });
    }
    records.sort((a, b) => byPublication({ publishedAt: a.publishedAt, source: a }, { publishedAt: b.publishedAt, source: b }));
    return { records, unreadable };
  }

  /** Every committed task and suppression published in the range, all customers. */
  records(range: AuditRange): Promise<TrailRecords> {
    return this.read(range, undefined);
  }

  /** One customer's decisions published in the range, oldest first. */
  async customer(customerId: string, range: AuditRange): Promise<CustomerTrail> {
    const { records, unreadable } = await this.read(range, customerId);
    // The key is the customer id (the pipeline dead-letters records whose key differs), so the records are theirs.
    const entries = records.filter((r) => r.record.customerId === customerId).map((r) => auditEntryOf(r, this.o.dueHoursOf));
    return { entries, unreadable };
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await (await admin.catch(() => undefined))?.disconnect().catch(() => {});
  }
}
