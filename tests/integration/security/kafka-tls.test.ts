import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../../src/kafka/client.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import type { Config } from '../../../src/config.ts';
import type { StackEndpoints } from '../../../src/stack/types.ts';
import { testConfig, uniqueName } from '../../support/stack.ts';
import { makeTestPki, type TestPki } from './support/certs.ts';
import { startTlsKafkaBroker, type TlsKafkaBroker } from './support/tls-kafka-broker.ts';

// A broker of its own with only TLS listeners (SSL, and SASL_SSL with
// SCRAM-SHA-512), certificates made by a CA created for this run; carestream's
// createKafka connects to it with the settings an operator would set.

const logger = createLogger('silent');
let pki: TestPki;
let broker: TlsKafkaBroker;

beforeAll(async () => {
  pki = makeTestPki();
  broker = await startTlsKafkaBroker(pki, testConfig().stack.dir);
});

afterAll(async () => {
  await broker?.stop();
  pki?.remove();
});

function endpointsOf(config: Config): StackEndpoints {
  return { kafkaBrokers: config.kafka.brokers!, registryUrl: config.registry.url!, redisUrl: config.redis.url!, source: 'explicit' };
}

function kafkaFor(env: Record<string, string>): Kafka {
  const config = testConfig(env);
  return createKafka(endpointsOf(config), config, logger);
}

/** Creates a topic, produces one record and reads it back with a consumer group; returns the value read. */
async function roundTrip(kafka: Kafka, value: string): Promise<string> {
  const topic = uniqueName('it-tls');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: uniqueName('it-tls-group'), maxWaitTimeInMs: 500 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
    });
  } finally {
    await consumer.disconnect();
  }
}

/** The error a one-shot admin connection fails with (no retries: the failures here are not transient). */
async function connectError(kafka: Kafka): Promise<Error> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (err) {
    return err as Error;
  } finally {
    await admin.disconnect().catch(() => {});
  }
  throw new Error('expected the connection to be refused');
}

describe('Kafka over TLS', () => {
  it('produces and consumes over TLS, the broker certificate checked against KAFKA_SSL_CA_FILE', async () => {
    const kafka = kafkaFor({ KAFKA_BROKERS: broker.ssl, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: pki.caCert });
    const value = uniqueName('over-tls');
    expect(await roundTrip(kafka, value)).toBe(value);
  });

  it.each([
    ['without a CA file (only the bundled public CAs)', () => ({})],
    ['trusting another CA', () => ({ KAFKA_SSL_CA_FILE: pki.otherCaCert })],
  ])('refuses the broker %s', async (_label, extra) => {
    const err = await connectError(kafkaFor({ KAFKA_BROKERS: broker.ssl, KAFKA_SSL: 'true', ...extra() }));
    expect(err.message).toMatch(/certificate/i);
  });

  it('cannot talk to the TLS listener in plaintext, so the round trip above was encrypted', async () => {
    const err = await connectError(kafkaFor({ KAFKA_BROKERS: broker.ssl }));
    expect(err.message).toMatch(/connection|closed|timeout/i);
  });
});

describe('Kafka SASL_SSL with SCRAM-SHA-512', () => {
  const sasl = (passwordFile: string) => ({
    KAFKA_BROKERS: broker.saslSsl,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: pki.caCert,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: broker.scramUser,
    KAFKA_SASL_PASSWORD_FILE: passwordFile,
  });

  it('authenticates with the password from KAFKA_SASL_PASSWORD_FILE and round-trips a record', async () => {
    const file = join(pki.dir, 'kafka-password');
    writeFileSync(file, `${broker.scramPassword}\n`);
    const value = uniqueName('over-sasl-ssl');
    expect(await roundTrip(kafkaFor(sasl(file)), value)).toBe(value);
  });

  it('is refused with a wrong password', async () => {
    const file = join(pki.dir, 'wrong-password');
    writeFileSync(file, 'not-the-password');
    const err = await connectError(kafkaFor(sasl(file)));
    expect(err.name).toBe('KafkaJSSASLAuthenticationError');
    expect(err.message).toMatch(/invalid credentials/);
    expect(err.message).not.toContain('not-the-password');
  });

  it('is refused without SASL on the SASL_SSL listener', async () => {
    const err = await connectError(kafkaFor({ KAFKA_BROKERS: broker.saslSsl, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: pki.caCert }));
    expect(err).toBeInstanceOf(Error);
  });
});
