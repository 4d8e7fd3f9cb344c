// Hostile records shared by the integration tests that produce them: an
// amount no Number holds and a record at the broker's size limit.
import avro from 'avsc';
import type { Kafka } from 'kafkajs';
import kafkajs from 'kafkajs';
import { schemaStringFor } from '../../src/events/avro.ts';
import { TOPICS } from '../../src/events/topics.ts';

/**
 * A transaction with amountMinor `amount` (2^60, say), written as any other
 * producer could: the contract's schema with longs as BigInt.
 */
export function bigAmountTransaction(base: Record<string, unknown>, amount: bigint): Buffer {
  const bigLong = avro.types.LongType.__with({
    fromBuffer: (b: Buffer) => b.readBigInt64LE(),
    toBuffer: (n: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(n);
      return b;
    },
    fromJSON: (v: unknown) => BigInt(v as number),
    toJSON: (v: bigint) => Number(v),
    isValid: (v: unknown) => typeof v === 'bigint',
    compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
  });
  // Without the logical type every long of the record is the BigInt long above.
  const schema = schemaStringFor(TOPICS.transactions).replace(/\{\s*"type":\s*"long",\s*"logicalType":\s*"timestamp-millis"\s*\}/g, '"long"');
  const type = avro.Type.forSchema(JSON.parse(schema), { registry: { long: bigLong }, wrapUnions: 'never' });
  return type.toBuffer({ ...base, occurredAt: BigInt(base.occurredAt as number), balanceAfterMinor: BigInt(base.balanceAfterMinor as number), amountMinor: amount });
}

/** The dead-letter topic's effective max.message.bytes, as the broker reports it. */
export async function deadLetterTopicLimit(kafka: Kafka): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const res = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: TOPICS.dlq, configNames: ['max.message.bytes'] }] });
    return Number(res.resources[0]!.configEntries.find((e) => e.configName === 'max.message.bytes')!.configValue);
  } finally {
    await admin.disconnect();
  }
}

/**
 * A value as large as an input topic with the same limit takes (the record
 * batch adds 61 bytes and the record ~20 plus its key), not Confluent-framed
 * (BAD_FRAMING), ending in a recognisable tail. `plant` is written after the
 * first byte: it is part of the original bytes, which a dead letter keeps.
 */
export function recordAtLimit(limit: number, plant = ''): Buffer {
  const size = limit - 188;
  const big = Buffer.alloc(size, 0x41);
  big[0] = 1; // not the Confluent magic byte
  big.write(plant, 1);
  big.write('the end of the record', size - 21);
  return big;
}
