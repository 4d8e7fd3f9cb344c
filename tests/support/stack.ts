import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';

/** The stack the global setup resolved, as explicit settings for the code under test. */
export function stackEnv(): Record<string, string> {
  const s = inject('stack');
  return { KAFKA_BROKERS: s.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: s.registryUrl, REDIS_URL: s.redisUrl };
}

export function testConfig(extra: Record<string, string> = {}): Config {
  // Stream time from the events alone unless a test asks for the clock: a test's
  // outputs must not depend on how long after its events' dates it runs.
  return loadConfig({ LOG_LEVEL: 'silent', HTTP_PORT: '0', STREAM_TIME_FOLLOWS_CLOCK: 'false', ...stackEnv(), ...extra });
}

/** Unique per call, so tests that share the stack never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
