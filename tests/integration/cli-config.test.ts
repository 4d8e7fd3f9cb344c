import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEVELOPMENT_PSEUDONYM_KEY } from '../../src/config.ts';
import { connect } from '../../src/kafka/bootstrap.ts';
import { commitGroupOffsets, endOffsets } from '../../src/kafka/read-committed.ts';
import { INPUT_TOPICS } from '../../src/events/topics.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { stackEnv, testConfig, uniqueName } from '../support/stack.ts';

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

describe('CARESTREAM_STACK=explicit (production) and the pseudonym key', () => {
  const refusal = 'carestream: configuration error: PSEUDONYM_KEY: the development key is refused when CARESTREAM_STACK is explicit; set PSEUDONYM_KEY or PSEUDONYM_KEY_FILE to a secret of your own';

  it('refuses the development key, set or left unset, with exit code 78 and one line', () => {
    for (const key of [{}, { PSEUDONYM_KEY: DEVELOPMENT_PSEUDONYM_KEY }] as Record<string, string>[]) {
      const r = run({ CARESTREAM_STACK: 'explicit', ...stackEnv(), HTTP_PORT: '0', ...key });
      expect(r.status).toBe(78);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toEqual([refusal]);
    }
  });

  it('starts with PSEUDONYM_KEY_FILE and consumes, then stops on SIGTERM', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cs-key-')), 'pseudonym-key');
    writeFileSync(file, 'a-production-like-key-0123456789\n');
    // Its own group, starting at the current end of the inputs: it consumes nothing of other tests.
    const groupId = uniqueName('it-key-group');
    const config = testConfig({ KAFKA_GROUP_ID: groupId });
    const { kafka } = await connect(config, createLogger('silent'));
    await commitGroupOffsets(kafka, groupId, await endOffsets(kafka, [...INPUT_TOPICS]));

    const child = spawn(process.execPath, [cli, 'run'], {
      env: { PATH: process.env.PATH ?? '', CARESTREAM_STACK: 'explicit', ...stackEnv(), HTTP_PORT: '0', KAFKA_GROUP_ID: groupId, REDIS_KEY_PREFIX: uniqueName('it-key'), PSEUDONYM_KEY_FILE: file, LOG_SUMMARY_INTERVAL_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const consuming = await Promise.race([
        new Promise<boolean>((resolve) => {
          const check = () => out.includes('consuming the input topics') && resolve(true);
          child.stdout.on('data', check);
        }),
        exited.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 90_000).unref()),
      ]);
      expect(consuming, `the service did not start; stderr: ${err.slice(0, 500)}`).toBe(true);
      expect(err).toBe('');
      // The key is a secret: it is never logged.
      expect(out).not.toContain('a-production-like-key');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 120_000);
});
