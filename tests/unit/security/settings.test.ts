import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { loadConfig } from '../../../src/config.ts';
import { securityIssues, loadSecurity, SECURITY_VARIABLES } from '../../../src/security/settings.ts';
import { CONFIG_VARIABLES } from '../../../src/config.ts';
import { CERT_PEM, EXPLICIT, KEY_PEM, configError, files } from './fixtures.ts';

describe('security settings in loadConfig', () => {
  it('is off by default: plaintext, no credentials', () => {
    const s = loadConfig({}).security;
    expect(s.kafka).toEqual({ ssl: undefined, sasl: undefined });
    expect(s.redis).toEqual({ username: undefined, password: undefined, tls: undefined });
    expect(s.registry).toEqual({ auth: undefined, ca: undefined });
  });

  it('knows every security variable', () => {
    for (const v of SECURITY_VARIABLES) expect(CONFIG_VARIABLES).toContain(v);
  });

  it('reads TLS material and SASL credentials for Kafka, the password from its file', () => {
    const f = files({ 'ca.pem': CERT_PEM, 'client.pem': CERT_PEM, 'client.key': KEY_PEM, password: 's3cret pass\n' });
    const c = loadConfig({
      ...EXPLICIT,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: f['ca.pem']!,
      KAFKA_SSL_CERT_FILE: f['client.pem']!,
      KAFKA_SSL_KEY_FILE: f['client.key']!,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'carestream',
      KAFKA_SASL_PASSWORD_FILE: f.password!,
    });
    const { ssl, sasl } = c.security.kafka;
    expect(ssl?.ca).toBe(CERT_PEM);
    expect(ssl?.cert).toBe(CERT_PEM);
    expect(ssl?.key?.reveal()).toBe(KEY_PEM);
    expect(ssl?.rejectUnauthorized).toBe(true);
    expect(sasl?.mechanism).toBe('scram-sha-512');
    expect(sasl?.username).toBe('carestream');
    // One trailing newline (echo > file) is not part of the password; the inner space is.
    expect(sasl?.password.reveal()).toBe('s3cret pass');
  });

  it('takes a password from its variable as given, spaces included', () => {
    const c = loadConfig({ ...EXPLICIT, REDIS_USERNAME: 'app', REDIS_PASSWORD: ' pw with spaces ' });
    expect(c.security.redis.username).toBe('app');
    expect(c.security.redis.password?.reveal()).toBe(' pw with spaces ');
  });

  it('reads Redis TLS files for a rediss:// URL and registry credentials and CA for https', () => {
    const f = files({ 'ca.pem': CERT_PEM, 'registry-password': 'reg-pw' });
    const c = loadConfig({ ...EXPLICIT, REDIS_TLS_CA_FILE: f['ca.pem']!, SCHEMA_REGISTRY_USERNAME: 'key', SCHEMA_REGISTRY_PASSWORD_FILE: f['registry-password']!, SCHEMA_REGISTRY_CA_FILE: f['ca.pem']! });
    expect(c.security.redis.tls).toEqual({ ca: CERT_PEM, cert: undefined, key: undefined });
    expect(c.security.registry.auth?.username).toBe('key');
    expect(c.security.registry.auth?.password.reveal()).toBe('reg-pw');
    expect(c.security.registry.ca).toBe(CERT_PEM);
  });

  it('never shows a secret when the configuration is printed or serialized', () => {
    const f = files({ 'client.pem': CERT_PEM, 'client.key': KEY_PEM });
    const c = loadConfig({
      ...EXPLICIT,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CERT_FILE: f['client.pem']!,
      KAFKA_SSL_KEY_FILE: f['client.key']!,
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'hunter2-kafka',
      REDIS_PASSWORD: 'hunter2-redis',
      SCHEMA_REGISTRY_USERNAME: 'u',
      SCHEMA_REGISTRY_PASSWORD: 'hunter2-registry',
    });
    for (const shown of [JSON.stringify(c), inspect(c, { depth: 10 }), String(c.security.redis.password), `${c.security.kafka.sasl?.password}`]) {
      expect(shown).not.toContain('hunter2');
      expect(shown).not.toContain('PRIVATE KEY');
    }
    expect(JSON.stringify(c.security.kafka.sasl)).toContain('[secret]');
  });

  it.each([
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512' }, 'KAFKA_SASL_USERNAME: required when KAFKA_SASL_MECHANISM is set'],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_PASSWORD: required (or KAFKA_SASL_PASSWORD_FILE) when KAFKA_SASL_MECHANISM is set'],
    [{ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2' }, 'KAFKA_SASL_MECHANISM: required when KAFKA_SASL_USERNAME is set'],
    [{ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2' }, 'KAFKA_SASL_MECHANISM: expected scram-sha-256, scram-sha-512, plain'],
    [{ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2' }, 'KAFKA_SASL_MECHANISM: plain sends the password in clear text'],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2', KAFKA_SASL_PASSWORD_FILE: '/run/secrets/x' }, 'KAFKA_SASL_PASSWORD: set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both'],
    [{ KAFKA_SSL_CA_FILE: '/etc/ca.pem' }, 'KAFKA_SSL_CA_FILE: requires KAFKA_SSL=true'],
    [{ KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }, 'KAFKA_SSL_REJECT_UNAUTHORIZED: requires KAFKA_SSL=true'],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/etc/c.pem' }, 'KAFKA_SSL_KEY_FILE: KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together'],
    [{ REDIS_USERNAME: 'app' }, 'REDIS_PASSWORD: required (or REDIS_PASSWORD_FILE) when REDIS_USERNAME is set'],
    [{ REDIS_PASSWORD: 'hunter2', REDIS_PASSWORD_FILE: '/run/secrets/x' }, 'REDIS_PASSWORD: set REDIS_PASSWORD or REDIS_PASSWORD_FILE, not both'],
    [{ REDIS_URL: 'redis://r:6379', REDIS_TLS_CA_FILE: '/etc/ca.pem' }, 'REDIS_TLS_CA_FILE: requires a rediss:// REDIS_URL'],
    [{ REDIS_URL: 'rediss://app:hunter2@r:6380', REDIS_PASSWORD: 'hunter2' }, 'REDIS_PASSWORD: REDIS_URL already holds credentials; give them in one place'],
    [{ SCHEMA_REGISTRY_USERNAME: 'key' }, 'SCHEMA_REGISTRY_PASSWORD: required (or SCHEMA_REGISTRY_PASSWORD_FILE) when SCHEMA_REGISTRY_USERNAME is set'],
    [{ SCHEMA_REGISTRY_PASSWORD: 'hunter2' }, 'SCHEMA_REGISTRY_USERNAME: required when a SCHEMA_REGISTRY_PASSWORD is set'],
    [{ SCHEMA_REGISTRY_URL: 'http://registry:8081', SCHEMA_REGISTRY_CA_FILE: '/etc/ca.pem' }, 'SCHEMA_REGISTRY_CA_FILE: requires an https:// SCHEMA_REGISTRY_URL'],
    [{ SCHEMA_REGISTRY_URL: 'https://key:hunter2@registry:8081' }, 'SCHEMA_REGISTRY_URL: must not hold credentials'],
  ])('refuses %o with one line naming the variable, never the secret', (env, expected) => {
    const err = configError({ ...EXPLICIT, ...(env as Record<string, string>) });
    expect(err.code).toBe('CS_ERR_CONFIG');
    expect(err.message.startsWith(expected), err.message).toBe(true);
    expect(err.message).not.toContain('\n');
    expect(err.message).not.toContain('hunter2');
  });

  it('refuses security settings without an explicit stack: the stack carestream starts is plaintext', () => {
    expect(configError({ KAFKA_SSL: 'true' }).message).toMatch(/^KAFKA_SSL: applies to an explicit stack only/);
    expect(configError({ REDIS_USERNAME: 'app', REDIS_PASSWORD: 'hunter2' }).message).toMatch(/^REDIS_USERNAME: applies to an explicit stack only/);
    expect(() => loadConfig({ KAFKA_SSL: 'false', KAFKA_SSL_REJECT_UNAUTHORIZED: 'true' })).not.toThrow();
  });

  it('names the file it cannot read or that holds no PEM, not its content', () => {
    const f = files({ 'not-pem': 'hunter2', empty: '\n' });
    expect(configError({ ...EXPLICIT, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' }).message).toBe('KAFKA_SSL_CA_FILE: cannot read /nonexistent/ca.pem (ENOENT)');
    const notPem = configError({ ...EXPLICIT, REDIS_TLS_CERT_FILE: f['not-pem']!, REDIS_TLS_KEY_FILE: f['not-pem']! });
    expect(notPem.message).toMatch(/^REDIS_TLS_CERT_FILE: .* holds no PEM certificate$/);
    expect(notPem.message).not.toContain('hunter2');
    expect(configError({ ...EXPLICIT, REDIS_PASSWORD_FILE: f.empty! }).message).toBe(`REDIS_PASSWORD_FILE: ${f.empty} is empty`);
  });
});

describe('securityIssues and loadSecurity (pure)', () => {
  const base = { KAFKA_SSL: false, KAFKA_SSL_REJECT_UNAUTHORIZED: true, KAFKA_BROKERS: ['k:1'] } as const;

  it('finds nothing wrong with no settings', () => {
    expect(securityIssues(base)).toEqual([]);
  });

  it('reports every problem, not only the first', () => {
    const issues = securityIssues({ ...base, KAFKA_SASL_MECHANISM: 'scram-sha-256', REDIS_USERNAME: 'app' }).map((i) => i.variable);
    expect(issues).toEqual(['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'REDIS_PASSWORD']);
  });

  it('reads files through the reader it is given', () => {
    const read = (path: string) => ({ '/s/pw': 'from-file\r\n', '/s/ca': CERT_PEM })[path] ?? '';
    const s = loadSecurity({ ...base, KAFKA_SSL: true, KAFKA_SSL_CA_FILE: '/s/ca', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: '/s/pw' }, read);
    expect(s.kafka.sasl?.password.reveal()).toBe('from-file');
    expect(s.kafka.ssl?.ca).toBe(CERT_PEM);
  });
});
