import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { createRegistry, createRegistryConnection } from '../../../src/kafka/client.ts';
import { connect } from '../../../src/kafka/bootstrap.ts';
import { Serde } from '../../../src/kafka/serde.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { avroTypeFor, frame } from '../../../src/events/avro.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import type { Config } from '../../../src/config.ts';
import type { StackEndpoints } from '../../../src/stack/types.ts';
import { testConfig, stackEnv, uniqueName } from '../../support/stack.ts';
import { tx } from '../../support/events.ts';
import { makeTestPki, type TestPki } from './support/certs.ts';
import { startBasicAuthProxy, type BasicAuthProxy } from './support/basic-auth-proxy.ts';

// The real registry behind an https proxy that demands basic auth (test
// scaffolding: it forwards every authorized request unchanged).

const logger = createLogger('silent');
const credentials = { username: 'it-registry', password: randomBytes(16).toString('hex') };
let pki: TestPki;
let proxy: BasicAuthProxy;
let passwordFile: string;

beforeAll(async () => {
  pki = makeTestPki();
  proxy = await startBasicAuthProxy(stackEnv().SCHEMA_REGISTRY_URL!, pki, credentials);
  passwordFile = join(pki.dir, 'registry-password');
  writeFileSync(passwordFile, `${credentials.password}\n`);
});

afterAll(async () => {
  await proxy?.close();
  pki?.remove();
});

function configFor(env: Record<string, string>): Config {
  return testConfig({ SCHEMA_REGISTRY_URL: proxy.url, SCHEMA_REGISTRY_CA_FILE: pki.caCert, ...env });
}

function endpointsOf(config: Config): StackEndpoints {
  return { kafkaBrokers: config.kafka.brokers!, registryUrl: config.registry.url!, redisUrl: config.redis.url!, source: 'explicit' };
}

const schema = (name: string) => ({ type: 'record', name, namespace: 'it.security', fields: [{ name: 'n', type: 'int' }] });

describe('schema registry with basic auth over https', () => {
  it('registers and fetches a schema with SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD_FILE', async () => {
    const config = configFor({ SCHEMA_REGISTRY_USERNAME: credentials.username, SCHEMA_REGISTRY_PASSWORD_FILE: passwordFile });
    const registry = createRegistry(endpointsOf(config), config);
    const subject = uniqueName('it-security-value');
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema(`R${randomBytes(4).toString('hex')}`)) }, { subject });
    expect(await registry.getLatestSchemaId(subject)).toBe(id);
    expect(proxy.forwarded.some((r) => r.method === 'POST' && r.path.includes(`/subjects/${subject}/versions`))).toBe(true);
  });

  it("decodes a record whose writer schema the Serde fetches through the proxy, with the credentials", async () => {
    const config = configFor({ SCHEMA_REGISTRY_USERNAME: credentials.username, SCHEMA_REGISTRY_PASSWORD: credentials.password });
    const endpoints = endpointsOf(config);
    const registry = createRegistry(endpoints, config);
    const id = await registry.getLatestSchemaId(`${TOPICS.transactions}-value`);
    const serde = new Serde(registry, createRegistryConnection(endpoints, config));
    const event = tx(uniqueName('C-sec'), '2026-11-22T09:30:00+08:00');
    const decoded = await serde.decode(TOPICS.transactions, frame(id, avroTypeFor(TOPICS.transactions).toBuffer(event)));
    expect(decoded.ok && decoded.value.eventId).toBe(event.eventId);
    expect(proxy.forwarded).toContainEqual({ method: 'GET', path: expect.stringContaining(`/schemas/ids/${id}`) });
  });

  it("the service's start-up (connect) registers its schemas through it", async () => {
    const config = configFor({ SCHEMA_REGISTRY_USERNAME: credentials.username, SCHEMA_REGISTRY_PASSWORD_FILE: passwordFile, CREATE_TOPICS: 'false' });
    const before = proxy.forwarded.length;
    const { serde } = await connect(config, logger);
    expect(await serde.schemaIdFor(TOPICS.transactions)).toBeGreaterThan(0);
    expect(proxy.forwarded.slice(before).some((r) => r.method === 'POST' && r.path.includes(`/subjects/${TOPICS.transactions}-value`))).toBe(true);
  });

  it('without credentials gets an error that names the settings', async () => {
    const config = configFor({});
    const refusedBefore = proxy.refused.length;
    const registry = createRegistry(endpointsOf(config), config);
    await expect(registry.getLatestSchemaId(`${TOPICS.transactions}-value`)).rejects.toThrow(
      'the schema registry demands credentials (401): set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD',
    );
    await expect(connect(config, logger)).rejects.toThrow(/registering .* failed: the schema registry demands credentials \(401\)/);
    expect(proxy.refused.length).toBeGreaterThan(refusedBefore);
  });

  it('with a wrong password gets an error that says so, without the password', async () => {
    const config = configFor({ SCHEMA_REGISTRY_USERNAME: credentials.username, SCHEMA_REGISTRY_PASSWORD: 'not-the-password' });
    const endpoints = endpointsOf(config);
    const registry = createRegistry(endpoints, config);
    const err = await registry.getLatestSchemaId(`${TOPICS.transactions}-value`).catch((e: Error) => e);
    expect(String(err)).toMatch(/refused the credentials \(401\): check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD/);
    expect(String(err)).not.toContain('not-the-password');
    // the Serde's own schema fetch says the same
    const serde = new Serde(registry, createRegistryConnection(endpoints, config));
    await expect(serde.decode(TOPICS.transactions, frame(1, Buffer.alloc(1)))).rejects.toThrow(/refused the credentials \(401\)/);
  });

  it('refuses the https registry without SCHEMA_REGISTRY_CA_FILE (its certificate is signed by the test CA)', async () => {
    const config = testConfig({ SCHEMA_REGISTRY_URL: proxy.url, SCHEMA_REGISTRY_USERNAME: credentials.username, SCHEMA_REGISTRY_PASSWORD: credentials.password });
    const registry = createRegistry(endpointsOf(config), config);
    await expect(registry.getLatestSchemaId(`${TOPICS.transactions}-value`)).rejects.toThrow(/certificate/i);
  });
});
