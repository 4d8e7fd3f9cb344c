import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * Gives partition number p of every input topic to the same member. All topics
 * are keyed by customerId with the same partition count, so one member owns all
 * of a customer's streams and can process them in event-time order (a shard,
 * src/stream/shard.ts, like a Kafka Streams task). Partition numbers are dealt
 * round-robin over the sorted member ids.
 */
export const coPartitionAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'CarestreamCoPartition',
  version: 1,
  async assign({ members, topics }) {
    const sorted = members.map((m) => m.memberId).sort();
    const assignment: Record<string, Record<string, number[]>> = {};
    for (const id of sorted) assignment[id] = {};
    for (const topic of topics) {
      for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
        const member = sorted[partitionId % sorted.length]!;
        (assignment[member]![topic] ??= []).push(partitionId);
      }
    }
    return sorted.map((memberId) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: assignment[memberId]!, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return { name: 'CarestreamCoPartition', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) };
  },
});
