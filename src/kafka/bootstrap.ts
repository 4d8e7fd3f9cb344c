import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { resolveStack, describeStack, type ResolvedStack } from '../stack/resolve.ts';
import { createKafka, createRegistry, createRegistryConnection } from './client.ts';
import { ensureTopics } from './topics.ts';
import { registerSchemas } from './schemas.ts';
import { Serde, serdeOptions } from './serde.ts';
import type { Kafka } from 'kafkajs';
import type { StackLog } from '../stack/types.ts';

export interface Connected {
  readonly stack: ResolvedStack;
  readonly kafka: Kafka;
  readonly serde: Serde;
}

/**
 * Resolves the stack, creates missing topics and registers the schemas: what
 * the service does at start-up and what `replay` needs before producing. All
 * of it is idempotent. The stack's progress lines (a first run's downloads)
 * go to `progress`: the service logs them, a command prints them for people.
 */
export async function connect(config: Config, logger: Logger, progress: StackLog = (line) => logger.info(line)): Promise<Connected> {
  const stack = await resolveStack(config, progress);
  logger.info({ source: stack.source }, describeStack(stack));
  const kafka = createKafka(stack, config, logger);
  if (config.topics.create) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = await ensureTopics(admin, config);
      logger.info({ created: topics.created, existing: topics.existing.length }, 'topics checked');
      for (const m of topics.mismatched) {
        logger.warn(m, 'existing topic has a different partition count than configured; left as it is');
      }
    } finally {
      await admin.disconnect();
    }
  }
  const schemas = await registerSchemas(createRegistry(stack, config));
  logger.info({ schemaIds: schemas.ids }, 'schemas registered');
  const serde = new Serde(createRegistry(stack, config), createRegistryConnection(stack, config), serdeOptions(config));
  serde.useIds(schemas.ids);
  return { stack, kafka, serde };
}
