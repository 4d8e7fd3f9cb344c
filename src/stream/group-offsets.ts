import type { Admin } from 'kafkajs';
import { settledOffsets } from '../kafka/settled-offsets.ts';
import { STREAM_DEFAULTS } from '../options.ts';
import { readCommitted, type CommittedPosition, type PartitionEnds, type StartAt } from './committed-offsets.ts';

/** The group's committed offsets and the partitions' ends, read through the Kafka admin client. */
export class GroupOffsets {
  private readonly admin: Admin;
  private readonly groupId: string;
  private readonly topics: readonly string[];
  private readonly startAt: StartAt | undefined;

  constructor(admin: Admin, groupId: string, topics: readonly string[], startAt: StartAt | undefined) {
    this.admin = admin;
    this.groupId = groupId;
    this.topics = topics;
    this.startAt = startAt;
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect().catch(() => {});
  }

  /**
   * The shard's committed position. Read until it stops moving: a transaction
   * the fresh producer just settled may not be materialised yet
   * (settled-offsets.ts).
   */
  async committed(partition: number): Promise<CommittedPosition> {
    const { offsets } = await settledOffsets(() => this.admin.fetchOffsets({ groupId: this.groupId, topics: [...this.topics] }), partition, STREAM_DEFAULTS.offsetsSettle);
    return readCommitted(offsets, partition, this.startAt);
  }

  async ends(partition: number): Promise<Map<string, PartitionEnds>> {
    const out = new Map<string, PartitionEnds>();
    for (const topic of this.topics) {
      const offsets = await this.admin.fetchTopicOffsets(topic);
      const o = offsets.find((x) => x.partition === partition);
      out.set(topic, { low: BigInt(o?.low ?? '0'), high: BigInt(o?.high ?? '0') });
    }
    return out;
  }
}
