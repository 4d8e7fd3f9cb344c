import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { SECURITY_VARIABLES } from '../../../src/security/settings.ts';
import { CERT_PEM, EXPLICIT, KEY_PEM, files } from './fixtures.ts';

// The generic .env.example check (tests/unit/deploy/env-vars.test.ts) tries each
// example alone; security settings come in groups and name files, so their
// examples are checked here, together, with the named files stood in for.

const text = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');

function exampleOf(name: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^#?\\s*${name}=`).test(l));
  expect(at, `${name} is not in .env.example`).toBeGreaterThan(0);
  let doc = '';
  for (let i = at - 1; i >= 0 && lines[i]!.startsWith('#'); i--) doc = `${lines[i]}\n${doc}`;
  const m = /Example:\s*(\S+)/.exec(doc);
  expect(m, `${name} has no example`).not.toBeNull();
  return m![1]!;
}

const stand = files({ cert: CERT_PEM, key: KEY_PEM, secret: 'from-a-file\n' });
function standIn(name: string, example: string): string {
  if (!name.endsWith('_FILE')) return example;
  expect(example.startsWith('/'), `${name}'s example is an absolute path`).toBe(true);
  return name.endsWith('KEY_FILE') ? stand.key! : name.includes('PASSWORD') ? stand.secret! : stand.cert!;
}

describe('.env.example security settings', () => {
  const examples = Object.fromEntries(SECURITY_VARIABLES.map((n) => [n, standIn(n, exampleOf(n))]));
  const without = (...names: string[]) => Object.fromEntries(Object.entries(examples).filter(([k]) => !names.includes(k)));

  it('examples form a valid configuration with passwords given as values', () => {
    const c = loadConfig({ ...EXPLICIT, ...without('KAFKA_SASL_PASSWORD_FILE', 'REDIS_PASSWORD_FILE', 'SCHEMA_REGISTRY_PASSWORD_FILE') });
    expect(c.security.kafka.sasl?.mechanism).toBe('scram-sha-512');
    expect(c.security.kafka.ssl?.rejectUnauthorized).toBe(false);
  });

  it('examples form a valid configuration with passwords given as files', () => {
    const c = loadConfig({ ...EXPLICIT, ...without('KAFKA_SASL_PASSWORD', 'REDIS_PASSWORD', 'SCHEMA_REGISTRY_PASSWORD') });
    expect(c.security.redis.password?.reveal()).toBe('from-a-file');
  });
});
