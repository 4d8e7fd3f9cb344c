import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function run(env: Record<string, string>) {
  return spawnSync(process.execPath, [cli, 'run'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
}

describe('a malformed configuration', () => {
  it('stops start-up with one line naming the variable and exit code 78', () => {
    const r = run({ TOPIC_PARTITIONS: 'six' });
    expect(r.status).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual(['carestream: configuration error: TOPIC_PARTITIONS: expected an integer']);
  });

  it('names a missing companion of an explicit endpoint without echoing any value', () => {
    const r = run({ KAFKA_BROKERS: 'broker.internal:9092', REDIS_URL: 'redis://:s3cret-pass@redis.internal:6379' });
    expect(r.status).toBe(78);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^carestream: configuration error: SCHEMA_REGISTRY_URL: required when KAFKA_BROKERS and REDIS_URL are set$/);
    expect(r.stderr).not.toContain('s3cret');
  });
});
