import { describe, expect, it, afterAll } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { createKafka, createRegistry } from '../../../src/kafka/client.ts';
import { Serde } from '../../../src/kafka/serde.ts';
import { TOPICS, valueSubject } from '../../../src/events/topics.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import type { Transaction } from '../../../src/events/types.ts';
import { testConfig, uniqueName } from '../../support/stack.ts';

const config = testConfig();
const logger = createLogger('silent');

describe('Avro over the real broker and registry', () => {
  const app = createApp(config, logger);
  afterAll(() => app.stop());

  it('a transaction round-trips through Kafka with the schema id the registry assigned', async () => {
    await app.start();
    const endpoints = { kafkaBrokers: config.kafka.brokers!, registryUrl: config.registry.url!, redisUrl: config.redis.url!, source: 'explicit' as const };
    const registry = createRegistry(endpoints, config);
    const registeredId = await registry.getLatestSchemaId(valueSubject(TOPICS.transactions));
    const serde = new Serde(registry, endpoints.registryUrl);

    const customerId = uniqueName('C-roundtrip');
    const tx: Transaction = {
      eventId: uniqueName('evt'),
      customerId,
      accountId: 'ACC0000018812',
      occurredAt: Date.parse('2026-11-22T09:30:00+08:00'),
      type: 'TRANSFER_OUT',
      amountMinor: 60_000_000,
      currency: 'CNY',
      channel: 'APP',
      balanceAfterMinor: 12_345_600,
      counterparty: { accountRef: 'CP-7781', ownAccount: false },
      merchantCategory: null,
      product: null,
      maskedAccountNo: '8812',
    };

    const kafka = createKafka(endpoints, config, logger);
    const producer = kafka.producer();
    await producer.connect();
    const bytes = await serde.encode(TOPICS.transactions, tx);
    expect(bytes.readUInt8(0)).toBe(0);
    expect(bytes.readUInt32BE(1)).toBe(registeredId);
    const [meta] = await producer.send({ topic: TOPICS.transactions, messages: [{ key: customerId, value: bytes }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('roundtrip') });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.transactions, fromBeginning: true });
    const received = await new Promise<Buffer>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (partition === meta!.partition && message.offset === meta!.baseOffset) resolve(message.value!);
        },
      });
    });
    await consumer.disconnect();

    expect(received.readUInt32BE(1)).toBe(registeredId);
    const decoded = await serde.decode(TOPICS.transactions, received);
    expect(decoded).toEqual({ ok: true, value: tx, schemaId: registeredId });
  });
});
