import type { KafkaMessage } from 'kafkajs';
import type { BatchResult, InputRecord, OutputMessage, OutputMeta } from '../../../src/pipeline/process-batch.ts';
import type { InputTopic } from '../../../src/events/topics.ts';

/** A consumed record as the observer sees it; only topic and Kafka timestamp matter to the metrics. */
export function input(topic: InputTopic, offset: number, appendedAt: number, partition = 0): InputRecord {
  const message = { key: Buffer.from('C1'), value: Buffer.from('x'), offset: String(offset), timestamp: String(appendedAt), attributes: 0, headers: {} } as unknown as KafkaMessage;
  return { topic, partition, message, decoded: { ok: false } } as unknown as InputRecord;
}

/** The store's applied results for records of these topics. */
export function applied(...topics: InputTopic[]): Pick<BatchResult, 'applied'> {
  return { applied: topics.map((topic, i) => ({ record: { ref: { topic, partition: 0, offset: i }, kind: 'transaction', event: {} }, outcome: { status: 1 } })) } as unknown as Pick<BatchResult, 'applied'>;
}

export function output(meta: OutputMeta): OutputMessage {
  return { topic: 'out', key: 'C1', value: Buffer.from('v'), meta };
}
