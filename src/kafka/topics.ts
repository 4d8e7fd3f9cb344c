// kafkajs is CommonJS: Node's ESM loader cannot see ConfigResourceTypes as a
// named export (vitest's transform can, so only a plain `node` run fails).
import kafkajs, { type Admin, type ITopicConfig } from 'kafkajs';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../pipeline/dead-letter-fit.ts';
import type { Config } from '../config.ts';
import { ALL_TOPICS, TOPICS, isInputTopic, type Topic } from '../events/topics.ts';

export interface TopicPlan {
  readonly topic: Topic;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * What every topic should look like. Inputs are kept long enough to rebuild the
 * 200-day features from them; profiles are a compacted "latest value" topic and
 * are never deleted by age.
 */
export function topicPlan(config: Config): TopicPlan[] {
  return ALL_TOPICS.map((topic) => {
    const configs: Record<string, string> =
      topic === TOPICS.customerProfiles
        ? { 'cleanup.policy': 'compact' }
        : { 'cleanup.policy': 'delete', 'retention.ms': String(isInputTopic(topic) ? config.topics.inputRetentionMs : config.topics.outputRetentionMs) };
    return { topic, partitions: config.topics.partitions, configs };
  });
}

export interface EnsureTopicsResult {
  readonly created: Topic[];
  readonly existing: Topic[];
  /** Existing topics whose partition count differs from the plan: left as they are, reported. */
  readonly mismatched: { topic: Topic; partitions: number; planned: number }[];
}

/** Creates the missing topics; existing ones are never altered (idempotent start-up). */
export async function ensureTopics(admin: Admin, config: Config): Promise<EnsureTopicsResult> {
  const plan = topicPlan(config);
  const present = new Set(await admin.listTopics());
  const missing = plan.filter((p) => !present.has(p.topic));
  if (missing.length > 0) {
    const topics: ITopicConfig[] = missing.map((p) => ({
      topic: p.topic,
      numPartitions: p.partitions,
      replicationFactor: config.topics.replicationFactor,
      configEntries: Object.entries(p.configs).map(([name, value]) => ({ name, value })),
    }));
    // A concurrent instance may create the same topic: "already exists" is fine.
    await admin.createTopics({ topics, waitForLeaders: true }).catch((err: { type?: string }) => {
      if (err.type !== 'TOPIC_ALREADY_EXISTS') throw err;
    });
  }
  const existing = plan.filter((p) => present.has(p.topic));
  const mismatched: EnsureTopicsResult['mismatched'] = [];
  if (existing.length > 0) {
    const meta = await admin.fetchTopicMetadata({ topics: existing.map((p) => p.topic) });
    for (const t of meta.topics) {
      const p = plan.find((x) => x.topic === t.name)!;
      if (t.partitions.length !== p.partitions) mismatched.push({ topic: p.topic, partitions: t.partitions.length, planned: p.partitions });
    }
  }
  return { created: missing.map((p) => p.topic), existing: existing.map((p) => p.topic), mismatched };
}

export interface MessageLimit {
  readonly bytes: number;
  /** Where the number came from: the topic's effective config, or Kafka's default when it could not be read. */
  readonly source: 'topic' | 'default';
}

/**
 * A topic's effective `max.message.bytes` (its own override, else the
 * broker's `message.max.bytes`: the broker answers with whichever applies).
 * Kafka's default when the broker does not tell (no DescribeConfigs
 * permission, for example); the error is returned for the caller to log.
 */
export async function maxMessageBytes(admin: Admin, topic: string): Promise<MessageLimit & { readonly error?: Error }> {
  try {
    const res = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }] });
    const entry = res.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes');
    const bytes = Number(entry?.configValue);
    if (Number.isSafeInteger(bytes) && bytes > 0) return { bytes, source: 'topic' };
    return { bytes: KAFKA_DEFAULT_MAX_MESSAGE_BYTES, source: 'default' };
  } catch (err) {
    return { bytes: KAFKA_DEFAULT_MAX_MESSAGE_BYTES, source: 'default', error: err as Error };
  }
}
