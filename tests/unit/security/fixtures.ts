import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CarestreamError } from '../../../src/errors.ts';
import { loadConfig } from '../../../src/config.ts';

/** An explicit stack: security settings are refused without one. */
export const EXPLICIT = { KAFKA_BROKERS: 'kafka-1:9093', SCHEMA_REGISTRY_URL: 'https://registry:8081', REDIS_URL: 'rediss://redis:6380' } as const;

/** Config validation only looks for the PEM header; no real certificate is needed for these tests. */
export const CERT_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
export const KEY_PEM = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** Writes files into a fresh temporary folder; returns their paths by name. */
export function files(contents: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'cs-security-'));
  return Object.fromEntries(
    Object.entries(contents).map(([name, text]) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return [name, path];
    }),
  );
}

export function configError(env: Record<string, string>): CarestreamError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof CarestreamError) return err;
    throw err;
  }
  throw new Error('expected a configuration error');
}
