import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import { ALL_TOPICS, valueSubject, type Topic } from '../events/topics.ts';
import { schemaStringFor } from '../events/avro.ts';
import { CarestreamError } from '../errors.ts';

export interface RegisteredSchemas {
  /** Schema id per topic, as the registry assigned it. */
  readonly ids: Readonly<Record<Topic, number>>;
}

/**
 * Registers every topic's value schema under `<topic>-value` with BACKWARD
 * compatibility. Registering a schema the subject already has returns its id
 * and adds no version, so a second start changes nothing.
 */
export async function registerSchemas(registry: SchemaRegistry): Promise<RegisteredSchemas> {
  const ids = {} as Record<Topic, number>;
  for (const topic of ALL_TOPICS) {
    try {
      const { id } = await registry.register(
        { type: SchemaType.AVRO, schema: schemaStringFor(topic) },
        { subject: valueSubject(topic), compatibility: COMPATIBILITY.BACKWARD },
      );
      ids[topic] = id;
    } catch (err) {
      throw new CarestreamError('CS_ERR_REGISTRY', `registering ${valueSubject(topic)} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return { ids };
}
