import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { createKafka } from '../../../src/kafka/client.ts';
import { ALL_TOPICS, valueSubject } from '../../../src/events/topics.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { testConfig } from '../../support/stack.ts';

const config = testConfig();
const logger = createLogger('silent');

async function snapshot() {
  const endpoints = { kafkaBrokers: config.kafka.brokers!, registryUrl: config.registry.url!, redisUrl: config.redis.url!, source: 'explicit' as const };
  const admin = createKafka(endpoints, config, logger).admin();
  await admin.connect();
  const meta = await admin.fetchTopicMetadata({ topics: [...ALL_TOPICS] });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: ALL_TOPICS.map((name) => ({ type: 2, name, configNames: ['cleanup.policy', 'retention.ms'] })),
  });
  await admin.disconnect();
  const versions: Record<string, unknown> = {};
  for (const t of ALL_TOPICS) {
    const res = await fetch(`${config.registry.url}/subjects/${valueSubject(t)}/versions`);
    versions[t] = await res.json();
  }
  return {
    partitions: Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length])),
    configs: Object.fromEntries(configs.resources.map((r) => [r.resourceName, Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))])),
    versions,
  };
}

describe('start-up', () => {
  it('creates every topic and schema, and a second start changes no topic and no schema version', async () => {
    const first = createApp(config, logger);
    await first.start();
    await first.stop();
    const before = await snapshot();

    // Every topic exists with the planned settings and every subject has a version.
    expect(Object.keys(before.partitions).sort()).toEqual([...ALL_TOPICS].sort());
    for (const t of ALL_TOPICS) expect((before.versions[t] as number[]).length).toBeGreaterThanOrEqual(1);
    expect(before.configs['bank.customer-profiles.v1']!['cleanup.policy']).toBe('compact');
    expect(Number(before.configs['bank.transactions.v1']!['retention.ms'])).toBeGreaterThanOrEqual(210 * 86_400_000);

    const second = createApp(config, logger);
    await second.start();
    await second.stop();
    expect(await snapshot()).toEqual(before);
  });
});
