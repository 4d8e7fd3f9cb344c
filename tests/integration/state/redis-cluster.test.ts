import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type Cluster } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { portAnswers } from '../../../src/stack/local/net.ts';
import { clusterDown, clusterStatus, clusterUp, slotRanges } from '../../../src/stack/local/redis-cluster.ts';
import { LOCAL_REDIS_CLUSTER_PORTS } from '../../../src/stack/local/versions.ts';
import { createRedis } from '../../../src/state/redis.ts';

// The local stack's Redis Cluster (REDIS_CLUSTER=true) as `stack up`, `stack
// status` and `stack down` run it: real redis-server processes on the fixed
// ports, in a stack directory of the test's own.
describe('the local Redis Cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-cluster-'));
  const lines: string[] = [];
  afterAll(async () => {
    await clusterDown(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts three primaries, takes a write on every slot owner through the cluster client, is found again, and stops', { timeout: 120_000 }, async () => {
    const url = await clusterUp(dir, (l) => lines.push(l));
    expect(url).toBe(`redis-cluster://${LOCAL_REDIS_CLUSTER_PORTS.map((p) => `127.0.0.1:${p}`).join(',')}`);
    expect(lines.at(-1)).toMatch(/^redis cluster: starting 3 redis-server primaries \(pids \d+, \d+, \d+\)/);

    const ranges = slotRanges(LOCAL_REDIS_CLUSTER_PORTS.length);
    const status = await clusterStatus(dir);
    expect(status.map((s) => [s.port, s.answering, s.detail])).toEqual(LOCAL_REDIS_CLUSTER_PORTS.map((p, i) => [p, true, `cluster_state ok, slots ${ranges[i]![0]}-${ranges[i]![1]}`]));
    expect(status.every((s) => s.pid !== undefined)).toBe(true);

    // One key per primary, chosen by the slot the server computes for it.
    const first = new Redis({ port: LOCAL_REDIS_CLUSTER_PORTS[0]!, lazyConnect: true });
    const keys: string[] = [];
    try {
      await first.connect();
      for (const [lo, hi] of ranges) {
        for (let i = 0; ; i++) {
          const slot = Number(await first.call('CLUSTER', 'KEYSLOT', `probe-${i}`));
          if (slot >= lo && slot <= hi && !keys.includes(`probe-${i}`)) {
            keys.push(`probe-${i}`);
            break;
          }
        }
      }
    } finally {
      first.disconnect();
    }

    const client = createRedis(url, loadConfig({})) as Cluster;
    try {
      await client.connect();
      for (const k of keys) expect(await client.set(k, `value of ${k}`)).toBe('OK');
      for (const k of keys) expect(await client.get(k)).toBe(`value of ${k}`);
    } finally {
      client.disconnect();
    }
    // Each key lives on the node owning its slot, and only there.
    for (const [i, port] of LOCAL_REDIS_CLUSTER_PORTS.entries()) {
      const node = new Redis({ port, lazyConnect: true });
      try {
        await node.connect();
        expect(await node.call('DBSIZE')).toBe(1);
        expect(await node.get(keys[i]!)).toBe(`value of ${keys[i]}`);
      } finally {
        node.disconnect();
      }
    }

    // A second `stack up` finds the running cluster.
    expect(await clusterUp(dir, (l) => lines.push(l))).toBe(url);
    expect(lines.at(-1)).toMatch(/^redis cluster: already running/);

    // `stack down` stops every node.
    expect(await clusterDown(dir)).toBe(3);
    for (const port of LOCAL_REDIS_CLUSTER_PORTS) expect(await portAnswers(port)).toBe(false);
    expect((await clusterStatus(dir)).map((s) => [s.answering, s.pid, s.detail])).toEqual(LOCAL_REDIS_CLUSTER_PORTS.map(() => [false, undefined, 'not answering']));
  });
});
