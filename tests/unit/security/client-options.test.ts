import type { Agent as HttpsAgent } from 'node:https';
import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { loadConfig } from '../../../src/config.ts';
import { kafkaSecurityOptions } from '../../../src/security/kafka-options.ts';
import { redisSecurityOptions } from '../../../src/security/redis-options.ts';
import { refusalMessage, registryClientArgs, registryConnection } from '../../../src/security/registry-access.ts';
import { redactUrl } from '../../../src/security/redact.ts';
import { createRegistry } from '../../../src/kafka/client.ts';
import { CERT_PEM, EXPLICIT, KEY_PEM, files } from './fixtures.ts';

describe('kafkaSecurityOptions', () => {
  it('adds nothing for a plaintext broker', () => {
    expect(kafkaSecurityOptions(loadConfig({}).security.kafka)).toEqual({});
  });

  it('gives KafkaJS the CA, the client certificate and key, and the SASL credentials', () => {
    const f = files({ ca: CERT_PEM, cert: CERT_PEM, key: KEY_PEM });
    const c = loadConfig({
      ...EXPLICIT,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: f.ca!,
      KAFKA_SSL_CERT_FILE: f.cert!,
      KAFKA_SSL_KEY_FILE: f.key!,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'carestream',
      KAFKA_SASL_PASSWORD: 'pw',
    });
    expect(kafkaSecurityOptions(c.security.kafka)).toEqual({
      ssl: { rejectUnauthorized: true, ca: [CERT_PEM], cert: CERT_PEM, key: KEY_PEM },
      sasl: { mechanism: 'scram-sha-512', username: 'carestream', password: 'pw' },
    });
  });

  it('uses the bundled CAs when no CA file is given, and can skip verification on request', () => {
    const c = loadConfig({ ...EXPLICIT, KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' });
    expect(kafkaSecurityOptions(c.security.kafka)).toEqual({ ssl: { rejectUnauthorized: false } });
  });
});

describe('redisSecurityOptions', () => {
  it('adds nothing by default, so a redis:// URL stays plaintext', () => {
    expect(redisSecurityOptions(loadConfig({}).security.redis)).toEqual({});
  });

  it('gives ioredis the ACL user, the password and the TLS files', () => {
    const f = files({ ca: CERT_PEM, cert: CERT_PEM, key: KEY_PEM, pw: 'redis-pw\n' });
    const c = loadConfig({ ...EXPLICIT, REDIS_USERNAME: 'app', REDIS_PASSWORD_FILE: f.pw!, REDIS_TLS_CA_FILE: f.ca!, REDIS_TLS_CERT_FILE: f.cert!, REDIS_TLS_KEY_FILE: f.key! });
    expect(redisSecurityOptions(c.security.redis)).toEqual({ username: 'app', password: 'redis-pw', tls: { ca: CERT_PEM, cert: CERT_PEM, key: KEY_PEM } });
  });
});

describe('schema registry client', () => {
  it('passes basic-auth credentials and, for a private CA, an https agent', () => {
    const f = files({ ca: CERT_PEM });
    const c = loadConfig({ ...EXPLICIT, SCHEMA_REGISTRY_USERNAME: 'key', SCHEMA_REGISTRY_PASSWORD: 'secret', SCHEMA_REGISTRY_CA_FILE: f.ca! });
    const args = registryClientArgs(registryConnection(EXPLICIT.SCHEMA_REGISTRY_URL, c.security.registry), 'carestream');
    expect(args.host).toBe('https://registry:8081');
    expect(args.auth).toEqual({ username: 'key', password: 'secret' });
    expect((args.agent as HttpsAgent | undefined)?.options.ca).toBe(CERT_PEM);
  });

  it('sends the credentials with its requests', async () => {
    const c = loadConfig({ ...EXPLICIT, SCHEMA_REGISTRY_URL: 'http://registry.invalid:8081', SCHEMA_REGISTRY_USERNAME: 'key', SCHEMA_REGISTRY_PASSWORD: 'secret' });
    const endpoints = { kafkaBrokers: ['k:1'], registryUrl: 'http://registry.invalid:8081', redisUrl: 'redis://r', source: 'explicit' as const };
    // A last middleware sees the request as the client would send it, and stops it there (no I/O).
    let auth: unknown;
    const capture = () => ({
      prepareRequest: async (next: () => Promise<{ auth(): unknown }>, abort: (e: Error) => void) => {
        auth = (await next()).auth();
        abort(new Error('captured'));
        return next();
      },
    });
    const connection = registryConnection(endpoints.registryUrl, c.security.registry);
    const args = registryClientArgs(connection, 'carestream');
    const registry = new SchemaRegistry({ ...args, middlewares: [...(args.middlewares ?? []), capture as never] });
    await expect(registry.getLatestSchemaId('some-subject')).rejects.toThrow('captured');
    expect(auth).toEqual({ username: 'key', password: 'secret' });
    // and the one carestream builds is configured the same way
    expect(createRegistry(endpoints, c)).toBeInstanceOf(SchemaRegistry);
  });

  it('has a plain client when no credentials are set', () => {
    const args = registryClientArgs(registryConnection('http://r:8081/', undefined), 'carestream');
    expect(args.host).toBe('http://r:8081');
    expect(args.auth).toBeUndefined();
    expect(args.agent).toBeUndefined();
  });

  it('says which setting to check when the registry refuses', () => {
    expect(refusalMessage(401, { auth: undefined })).toMatch(/demands credentials.*set SCHEMA_REGISTRY_USERNAME/);
    expect(refusalMessage(401, registryConnection('http://r', { auth: { username: 'u', password: loadConfig({ ...EXPLICIT, SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_PASSWORD: 'p' }).security.registry.auth!.password }, ca: undefined }))).toMatch(/refused the credentials/);
    expect(refusalMessage(404, { auth: undefined })).toBeUndefined();
  });
});

describe('redactUrl', () => {
  it('hides a password in a URL and leaves other URLs as they are', () => {
    expect(redactUrl('rediss://app:hunter2@redis:6380/0')).toBe('rediss://app:***@redis:6380/0');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});
