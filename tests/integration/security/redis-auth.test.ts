import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis, singleServer } from '../../../src/state/redis.ts';
import { testConfig, uniqueName } from '../../support/stack.ts';
import { makeTestPki, type TestPki } from './support/certs.ts';
import { startTlsRedisServer, type TlsRedisServer } from './support/tls-redis-server.ts';

/** Connects as createRedis would for these settings; collects the connection's error events. */
async function connect(env: Record<string, string>): Promise<{ redis: Redis; errors: Error[]; connected: Promise<void> }> {
  const config = testConfig(env);
  const redis = singleServer(createRedis(config.redis.url!, config), 'this test');
  const errors: Error[] = [];
  redis.on('error', (e: Error) => errors.push(e));
  const connected = redis.connect();
  connected.catch(() => {});
  return { redis, errors, connected };
}

/** Waits for the connection to fail, then stops its reconnect loop; returns the first error event. */
async function refusal(env: Record<string, string>): Promise<Error> {
  const { redis, errors, connected } = await connect(env);
  try {
    await expect(connected).rejects.toThrow();
    for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(errors.length).toBeGreaterThan(0);
    return errors[0]!;
  } finally {
    redis.disconnect();
  }
}

describe('Redis ACL user (the machine Redis)', () => {
  // A temporary user limited to its own keys and the commands below; deleted afterwards.
  const user = uniqueName('it-acl');
  const password = randomBytes(16).toString('hex');
  let admin: Redis;
  let pki: TestPki;

  beforeAll(async () => {
    pki = makeTestPki();
    const config = testConfig();
    admin = singleServer(createRedis(config.redis.url!, config), 'this test');
    await admin.connect();
    await admin.call('ACL', 'SETUSER', user, 'reset', 'on', `>${password}`, `~${user}:*`, 'resetchannels', '-@all', '+get', '+set', '+del', '+ping', '+info', '+acl|whoami');
  });

  afterAll(async () => {
    await admin?.call('ACL', 'DELUSER', user).catch(() => {});
    await admin?.quit();
    pki?.remove();
  });

  it.each([
    ['REDIS_PASSWORD', () => ({ REDIS_PASSWORD: password })],
    ['REDIS_PASSWORD_FILE', () => {
      const file = join(pki.dir, 'redis-password');
      writeFileSync(file, `${password}\n`);
      return { REDIS_PASSWORD_FILE: file };
    }],
  ])('connects as REDIS_USERNAME with the password from %s, and only to its keys', async (_label, secret) => {
    const { redis, connected } = await connect({ REDIS_USERNAME: user, ...secret() });
    try {
      await connected;
      expect(await redis.call('ACL', 'WHOAMI')).toBe(user);
      await redis.set(`${user}:k`, 'v');
      expect(await redis.get(`${user}:k`)).toBe('v');
      await redis.del(`${user}:k`);
      // The user's key pattern holds: the connection is the ACL user, not the default one.
      await expect(redis.get('some-other-key')).rejects.toThrow(/NOPERM/);
    } finally {
      redis.disconnect();
    }
  });

  it('is refused with a wrong password, and the error does not carry it', async () => {
    const err = await refusal({ REDIS_USERNAME: user, REDIS_PASSWORD: 'not-the-password' });
    expect(err.message).toMatch(/WRONGPASS/);
    expect(err.message).not.toContain('not-the-password');
  });
});

describe('Redis over TLS (a redis-server of its own)', () => {
  const user = { name: 'carestream-it', password: randomBytes(16).toString('hex') };
  let pki: TestPki;
  let server: TlsRedisServer;
  let passwordFile: string;

  beforeAll(async () => {
    pki = makeTestPki();
    server = await startTlsRedisServer(pki, user);
    passwordFile = join(pki.dir, 'tls-redis-password');
    writeFileSync(passwordFile, user.password);
  });

  afterAll(async () => {
    await server?.stop();
    pki?.remove();
  });

  const settings = (over: Record<string, string | undefined> = {}): Record<string, string> => {
    const all: Record<string, string | undefined> = {
      REDIS_URL: server.url,
      REDIS_TLS_CA_FILE: pki.caCert,
      REDIS_TLS_CERT_FILE: pki.clientCert,
      REDIS_TLS_KEY_FILE: pki.clientKey,
      REDIS_USERNAME: user.name,
      REDIS_PASSWORD_FILE: passwordFile,
      ...over,
    };
    return Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
  };

  it('connects with rediss://, the CA, a client certificate and the ACL user', async () => {
    expect(server.url.startsWith('rediss://')).toBe(true);
    const { redis, connected } = await connect(settings());
    try {
      await connected;
      expect(await redis.call('ACL', 'WHOAMI')).toBe(user.name);
      await redis.set('it-tls:k', 'over tls');
      expect(await redis.get('it-tls:k')).toBe('over tls');
    } finally {
      redis.disconnect();
    }
  });

  it('refuses the server without REDIS_TLS_CA_FILE (its certificate is signed by the test CA only)', async () => {
    const err = await refusal(settings({ REDIS_TLS_CA_FILE: undefined }));
    expect(err.message).toMatch(/certificate/i);
  });

  it('is refused by the server without a client certificate', async () => {
    const err = await refusal(settings({ REDIS_TLS_CERT_FILE: undefined, REDIS_TLS_KEY_FILE: undefined }));
    expect(err.message).toMatch(/ECONNRESET|socket|closed|certificate|alert/i);
  });
});
