import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connected } from '../../../src/kafka/bootstrap.ts';
import { endOffsets, readCommitted } from '../../../src/kafka/read-committed.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import type { ChannelEvent } from '../../../src/events/types.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { channel } from '../../support/events.ts';
import { stackEnv, testConfig, uniqueName } from '../../support/stack.ts';

const bin = fileURLToPath(new URL('../../../bin/carestream.mjs', import.meta.url));
const topic = TOPICS.channelEvents;

function carestream(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 90_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...stackEnv(), ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('carestream tail on the real stack', () => {
  let c: Connected;
  const a = uniqueName('tail-a');
  const b = uniqueName('tail-b');
  const sent: ChannelEvent[] = [channel(a, '2026-11-20T09:00:00+08:00'), channel(b, '2026-11-20T09:01:00+08:00'), channel(a, '2026-11-20T09:02:00+08:00'), channel(b, '2026-11-20T09:03:00+08:00'), channel(a, '2026-11-20T09:04:00+08:00')];
  let base: bigint;
  const partition = 0;

  beforeAll(async () => {
    c = await connect(testConfig(), createLogger('silent'));
    const producer = c.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      // One partition, in this order: a, b, a, b, a at base .. base + 4.
      const messages = await Promise.all(sent.map(async (e) => ({ key: e.customerId, value: await c.serde.encode(topic, e), partition })));
      const [meta] = await producer.send({ topic, acks: -1, messages });
      base = BigInt(meta!.baseOffset!);
    } finally {
      await producer.disconnect();
    }
  });

  afterAll(async () => {
    await c?.stack.release();
  });

  const at = (i: number) => String(base + BigInt(i));

  it('--format text prints partition, offset, timestamp and key; --key keeps only that key', async () => {
    const r = await carestream(['tail', topic, '--partition', String(partition), '--offset', at(0), '--key', a, '--max', '3', '--format', 'text']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    expect(out).toHaveLength(3);
    [0, 2, 4].forEach((i, n) => {
      expect(out[n]).toMatch(new RegExp(`^${topic.replace(/\./g, '\\.')} \\[${partition}\\] @${at(i)} \\d{4}-\\d{2}-\\d{2}T\\S+ key=${a} \\{`));
      expect(out[n]).toContain(`"eventId":"${sent[i]!.eventId}"`);
    });
  });

  it('--format json is JSONL on stdout and nothing else, logs (when asked for) on stderr; its output replays as it is', async () => {
    const r = await carestream(['tail', topic, '--partition', String(partition), '--offset', at(0), '--max', '5', '--format', 'json', '--log-level', 'info']);
    expect(r.code, r.stderr).toBe(0);
    const records = lines(r.stdout).map((l) => JSON.parse(l) as { topic: string; partition: number; offset: string; timestamp: string; key?: string; value: ChannelEvent });
    expect(records.map((x) => [x.topic, x.partition, x.offset, x.value.eventId])).toEqual(sent.map((e, i) => [topic, partition, at(i), e.eventId]));
    for (const x of records) {
      expect(Object.keys(x)).toEqual(['topic', 'partition', 'offset', 'timestamp', 'value']);
      expect(Number.isNaN(Date.parse(x.timestamp))).toBe(false);
    }
    // The log lines asked for went to stderr, as JSON.
    const logs = lines(r.stderr);
    expect(logs.length).toBeGreaterThan(0);
    for (const l of logs) expect(JSON.parse(l)).toHaveProperty('level');

    // Back through replay: the same events again, keyed by customer.
    const file = join(mkdtempSync(join(tmpdir(), 'cs-tail-')), 'tailed.jsonl');
    writeFileSync(file, r.stdout);
    const before = await endOffsets(c.kafka, [topic]);
    const replayed = await carestream(['replay', file]);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(lines(replayed.stderr)).toEqual([expect.stringMatching(/^replayed 5 records from /)]);
    expect(replayed.stdout).toBe('');
    const again = await readCommitted(c.kafka, topic, before, (k) => k === a || k === b);
    const decoded = await Promise.all(again.map(async (m) => (await c.serde.decode(topic, m.value)) as { ok: true; value: ChannelEvent }));
    expect(decoded.map((d) => d.value.eventId).sort()).toEqual(sent.map((e) => e.eventId).sort());
  });

  it('a partition the topic does not have exits 2 naming it', async () => {
    const r = await carestream(['tail', topic, '--partition', '999', '--max', '1']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^carestream: tail: bank\.channel-events\.v1 has partitions 0 to \d+; --partition 999 is not one of them$/)]);
  });
});
