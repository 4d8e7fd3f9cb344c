import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Cluster } from 'ioredis';
import { createStore } from '../../../src/app.ts';
import type { FraudCheckTask, OutreachTask, Suppression } from '../../../src/events/types.ts';
import { generate } from '../../../src/generate/index.ts';
import { CareTaskIndex } from '../../../src/state/care-task-index.ts';
import { StateKeys } from '../../../src/state/keys.ts';
import { createRedis, deleteKeysWithPrefix, primaries, scanPages, type RedisClient } from '../../../src/state/redis.ts';
import { startHarness } from '../../support/harness.ts';
import { committedOutputs, type CommittedOutputs } from '../../support/outputs.ts';
import { testConfig, uniqueName } from '../../support/stack.ts';

const CUSTOMERS = 120;
const DAYS = 40;
const DAY_MS = 86_400_000;

/** What must match between two runs: everything but the wall-clock time, by task (or suppression). */
function byId(o: CommittedOutputs): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const put = (id: string, v: FraudCheckTask | OutreachTask | Suppression) => {
    const { createdAt: _c, ...rest } = v;
    expect(out.has(id), `published twice: ${id}`).toBe(false);
    out.set(id, rest);
  };
  for (const t of o.fraudChecks) put(`task|${t.taskId}`, t);
  for (const t of o.outreach) put(`task|${t.taskId}`, t);
  for (const s of o.suppressions) put(`suppression|${s.evidence['taskId']}|${s.reason}`, s);
  return out;
}

/**
 * Issue 12, item 3: the service on a Redis Cluster of three primaries (the
 * `cluster` project's, tests/integration/cluster-setup.ts) gives what it gives
 * on one Redis server. One generated history, timers on (the default), goes
 * through the service twice — on the single server, then on the cluster, each
 * with its own consumer group and key prefix — and the committed tasks, every
 * customer's features and the care-task index must be the same; the cluster's
 * keys must be spread over every primary, each key in the slot of its hash tag.
 */
describe(`the service on a Redis Cluster (${CUSTOMERS} customers, ${DAYS} days)`, () => {
  const clusterUrl = inject('stack').redisUrl;
  const singleUrl = inject('singleRedisUrl');
  const start = new Date((Math.floor(Date.now() / DAY_MS) - DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  const generated = generate({ seed: 31, customers: CUSTOMERS, days: DAYS, start });
  const lines = [...generated.lines];
  const customers = [...new Set(lines.map((l) => (JSON.parse(l) as { value: { customerId: string } }).value.customerId))];
  const runs: { url: string; prefix: string; redis: RedisClient }[] = [];
  beforeAll(() => {
    expect(clusterUrl).toMatch(/^redis-cluster:\/\//);
  });
  afterAll(async () => {
    for (const r of runs) {
      await deleteKeysWithPrefix(r.redis, r.prefix).catch(() => {});
      r.redis.disconnect();
    }
  });

  const through = async (url: string) => {
    const prefix = uniqueName('it-cl');
    const redis = createRedis(url, testConfig());
    await redis.connect();
    runs.push({ url, prefix, redis });
    const h = await startHarness({ REDIS_URL: url, REDIS_KEY_PREFIX: prefix, CARE_TASK_RETENTION_MS: String(400 * DAY_MS) }, { deferStart: true });
    try {
      await h.produceLines(lines);
      await h.startService();
      await h.waitForConsumed(lines.length, 600_000);
      const outputs = await committedOutputs(h);
      const store = createStore(redis, h.config);
      const features = new Map<string, string>();
      for (const c of customers) features.set(c, JSON.stringify(await store.inspect(c)));
      const index = new Map<string, unknown>();
      for await (const t of new CareTaskIndex(redis, prefix).all()) index.set(t.taskId, t);
      return { outputs, features, index, prefix, redis };
    } finally {
      await h.stop();
    }
  };

  it('publishes the same tasks, keeps the same features and care-task index, and spreads its keys over every primary', { timeout: 1_200_000 }, async () => {
    const one = await through(singleUrl);
    const cluster = await through(clusterUrl);

    const a = byId(one.outputs);
    const b = byId(cluster.outputs);
    // The comparison means something only if the history made tasks of both kinds.
    expect(one.outputs.fraudChecks.length).toBeGreaterThan(0);
    expect(one.outputs.outreach.length).toBeGreaterThan(0);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [id, v] of a) expect(b.get(id), id).toEqual(v);

    const differ = customers.filter((c) => one.features.get(c) !== cluster.features.get(c));
    expect(differ).toEqual([]);
    expect(one.features.get(customers[0]!)).not.toBe('null');

    expect(cluster.index.size).toBe(one.index.size);
    expect(cluster.index.size).toBeGreaterThan(0);
    expect(new Map([...cluster.index].sort())).toEqual(new Map([...one.index].sort()));

    // Every key of the cluster run on the node serving its hash tag's slot, and every primary holding some.
    const redis = cluster.redis as Cluster;
    const keys = new StateKeys(cluster.prefix);
    const tagged = new Set([...customers.map((c) => `{${c}}`), '{caretasks}']);
    const counts = new Map<unknown, number>();
    for await (const { node, keys: found } of scanPages(redis, keys.everything())) {
      counts.set(node, (counts.get(node) ?? 0) + found.length);
      for (const k of found) {
        const tag = /\{[^}]*\}/.exec(k)?.[0];
        // Only a shard's own keys (its fence and its due index) go without a hash tag: one key per command.
        if (tag === undefined) expect(k, k).toMatch(new RegExp(`^${cluster.prefix}:s2:task:\\d+(:due)?$`));
        else expect(tagged.has(tag), k).toBe(true);
      }
    }
    expect(primaries(redis)).toHaveLength(3);
    const perNode = primaries(redis).map((node) => counts.get(node) ?? 0);
    console.log(`[cluster] ${a.size} outputs (${one.outputs.fraudChecks.length} fraud checks, ${one.outputs.outreach.length} outreach), ${customers.length} customers, ${one.index.size} care-task records; keys per primary ${perNode.join(', ')}`);
    expect(perNode).toHaveLength(3);
    for (const n of perNode) expect(n).toBeGreaterThan(CUSTOMERS / 10);
  });
});
