import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { CarestreamError } from '../../../src/errors.ts';
import { CONTAINER_PORTS } from '../../../src/stack/containers.ts';
import { CLUSTER_SLOTS, localClusterUrl, slotRanges } from '../../../src/stack/local/redis-cluster.ts';
import { LOCAL_PORTS, LOCAL_REDIS_CLUSTER_PORTS } from '../../../src/stack/local/versions.ts';
import { resolveStack, stackUp, type StackDeps } from '../../../src/stack/resolve.ts';
import type { StackEndpoints } from '../../../src/stack/types.ts';
import { createRedis, singleServer, type RedisClient } from '../../../src/state/redis.ts';
import { formatRedisClusterUrl, parseRedisClusterUrl } from '../../../src/state/redis-url.ts';
import { FakeRuntime } from './fake-runtime.ts';

const CLUSTER_URL = 'redis-cluster://127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003';

describe('slots of a local cluster', () => {
  it('three primaries own 0-5460, 5461-10921 and 10922-16383', () => {
    expect(slotRanges(3)).toEqual([[0, 5460], [5461, 10921], [10922, 16383]]);
  });

  it.each([1, 2, 3, 5, 7, 16384])('%i primaries own every slot once, contiguously, as evenly as it goes', (n) => {
    const r = slotRanges(n);
    expect(r).toHaveLength(n);
    expect(r[0]![0]).toBe(0);
    expect(r.at(-1)![1]).toBe(CLUSTER_SLOTS - 1);
    for (let i = 1; i < n; i++) expect(r[i]![0]).toBe(r[i - 1]![1] + 1);
    const sizes = r.map(([a, b]) => b - a + 1);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('refuses no primaries or more than there are slots', () => {
    for (const n of [0, -1, 1.5, 16385]) expect(() => slotRanges(n)).toThrow(RangeError);
  });

  it('uses fixed ports of its own, bus ports (+10000) included, apart from the other stacks', () => {
    const ports = LOCAL_REDIS_CLUSTER_PORTS.flatMap((p) => [p, p + 10_000]);
    for (const p of [6379, ...Object.values(LOCAL_PORTS), ...Object.values(CONTAINER_PORTS)]) expect(ports).not.toContain(p);
    expect(ports.every((p) => p < 65_536)).toBe(true);
    expect(localClusterUrl()).toBe(CLUSTER_URL);
  });
});

describe('redis-cluster:// URLs', () => {
  it('name the seed nodes', () => {
    expect(parseRedisClusterUrl(CLUSTER_URL)).toEqual(LOCAL_REDIS_CLUSTER_PORTS.map((port) => ({ host: '127.0.0.1', port })));
    expect(parseRedisClusterUrl('redis-cluster://redis-0.redis:6379/')).toEqual([{ host: 'redis-0.redis', port: 6379 }]);
    expect(parseRedisClusterUrl('redis-cluster://[::1]:7000,[::1]:7001')).toEqual([{ host: '::1', port: 7000 }, { host: '::1', port: 7001 }]);
  });

  it('round-trip', () => {
    for (const url of [CLUSTER_URL, 'redis-cluster://[::1]:7000,h:1']) expect(formatRedisClusterUrl(parseRedisClusterUrl(url)!)).toBe(url);
  });

  it.each(['redis://127.0.0.1:6379', 'redis-cluster://', 'redis-cluster://host', 'redis-cluster://h:0', 'redis-cluster://h:70000', 'redis-cluster://h:1,', 'redis-cluster://u:p@h:1', 'redis-cluster://h:1 h:2'])('%s is not one', (url) => {
    expect(parseRedisClusterUrl(url)).toBeUndefined();
  });
});

describe('configuration', () => {
  it('REDIS_CLUSTER is false by default and takes the usual booleans', () => {
    expect(loadConfig({}).redis.cluster).toBe(false);
    expect(loadConfig({ REDIS_CLUSTER: 'true' }).redis.cluster).toBe(true);
    expect(() => loadConfig({ REDIS_CLUSTER: 'maybe' })).toThrow(/REDIS_CLUSTER: expected true or false/);
  });

  it('REDIS_URL takes a redis-cluster:// URL, and refuses a malformed one naming the forms', () => {
    const explicit = (url: string) => loadConfig({ KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', REDIS_URL: url });
    expect(explicit(CLUSTER_URL).redis.url).toBe(CLUSTER_URL);
    expect(() => explicit('redis-cluster://nohost')).toThrow(/REDIS_URL: expected a URL starting with redis:\/\/ or rediss:\/\/, or redis-cluster:\/\//);
    expect(explicit('redis://127.0.0.1:6379').redis.url).toBe('redis://127.0.0.1:6379');
  });
});

describe('the client factory', () => {
  const config = loadConfig({});
  /** A client for the cluster URL and one for a single server (no connection made), disconnected afterwards. */
  const withClients = (check: (cluster: RedisClient, server: RedisClient) => void) => {
    const c = createRedis(CLUSTER_URL, config);
    const r = createRedis('redis://127.0.0.1:6379', config);
    try {
      check(c, r);
    } finally {
      c.disconnect();
      r.disconnect();
    }
  };

  it('gives an ioredis Cluster over the seed nodes for a redis-cluster:// URL, a single-server client otherwise (no connection made)', () => {
    withClients((c, r) => {
      expect(c).toBeInstanceOf(Cluster);
      expect((c as unknown as { startupNodes: unknown }).startupNodes).toEqual(LOCAL_REDIS_CLUSTER_PORTS.map((port) => ({ host: '127.0.0.1', port })));
      expect(r).toBeInstanceOf(Redis);
      expect(c.status).toBe('wait');
      expect(r.status).toBe('wait');
    });
  });

  it('auto-pipelines on a cluster (a chunk\'s commands go out in one pipeline per node) and not on one server', () => {
    withClients((c, r) => {
      expect(c.options.enableAutoPipelining).toBe(true);
      expect(r.options.enableAutoPipelining).toBe(false);
    });
  });

  it('a tool that reads one server\'s INFO refuses a cluster by name', () => {
    withClients((c, r) => {
      expect(() => singleServer(c, 'npm run bench')).toThrow(CarestreamError);
      expect(() => singleServer(c, 'npm run bench')).toThrow(/npm run bench needs one Redis server, not a Redis Cluster/);
      expect(singleServer(r, 'npm run bench')).toBe(r);
    });
  });
});

describe('stack up with REDIS_CLUSTER', () => {
  const LOCAL: StackEndpoints = { kafkaBrokers: ['127.0.0.1:19092'], registryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7', redisUrl: CLUSTER_URL, source: 'local' };
  const deps = (runtime: FakeRuntime | undefined) => {
    const asked: unknown[] = [];
    const d: StackDeps = {
      connectRuntime: async () => runtime,
      ready: async () => true,
      portAnswers: async () => false,
      localUp: async (_dir, _log, options) => {
        asked.push(options);
        return LOCAL;
      },
      sleep: async () => {},
    };
    return { d, asked };
  };
  const log = () => {};

  it('asks the local stack for a cluster, and only when set', async () => {
    const on = deps(undefined);
    expect((await stackUp(loadConfig({ REDIS_CLUSTER: 'true', CARESTREAM_STACK: 'local' }), log, on.d)).redisUrl).toBe(CLUSTER_URL);
    const off = deps(undefined);
    await stackUp(loadConfig({ CARESTREAM_STACK: 'local' }), log, off.d);
    expect([on.asked, off.asked]).toEqual([[{ redisCluster: true }], [{ redisCluster: false }]]);
  });

  it('refuses containers: they have no cluster, and a silent single server would hide it', async () => {
    const rt = new FakeRuntime();
    await expect(stackUp(loadConfig({ REDIS_CLUSTER: 'true', CARESTREAM_STACK: 'containers' }), log, deps(rt).d)).rejects.toThrow(/only the local stack starts a Redis Cluster/);
    expect(rt.calls.filter((c) => !c.startsWith('list'))).toEqual([]);
  });

  it('an explicit REDIS_URL wins: nothing is started', async () => {
    const d = deps(undefined);
    const s = await resolveStack(loadConfig({ REDIS_CLUSTER: 'true', KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', REDIS_URL: 'redis://r:6379' }), log, d.d);
    expect([s.source, s.redisUrl, d.asked]).toEqual(['explicit', 'redis://r:6379', []]);
  });
});
