// The stack decisions end to end over a fake runtime client: what a series of
// commands (`stack up`, `npm start`, `replay`, `stack down`) asks of the
// runtime, and which endpoints each gets. No Kafka is faked: readiness is
// whether the fake runtime has the component's container running.
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../../src/config.ts';
import { CarestreamError } from '../../../src/errors.ts';
import { CONTAINER_PORTS, LABELS, NETWORK_NAME, type Component } from '../../../src/stack/containers.ts';
import { resolveStack, stackDown, stackStatus, stackUp, type StackDeps } from '../../../src/stack/resolve.ts';
import type { StackEndpoints } from '../../../src/stack/types.ts';
import { FakeRuntime } from './fake-runtime.ts';

const base = loadConfig({});
const withMode = (mode: Config['stack']['mode'], over: Partial<Config> = {}): Config => ({ ...base, ...over, stack: { mode, dir: '/nonexistent/stack' } });

const LOCAL: StackEndpoints = { kafkaBrokers: ['127.0.0.1:19092'], registryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7', redisUrl: 'redis://127.0.0.1:16379', source: 'local' };

function deps(runtime: FakeRuntime | undefined, o: { otherPrograms?: number[]; neverReady?: Component } = {}) {
  const localCalls: string[] = [];
  const d: StackDeps = {
    connectRuntime: async () => runtime,
    ready: async (component) => component !== o.neverReady && !!runtime && runtime.publishedPorts().has(CONTAINER_PORTS[component]),
    portAnswers: async (port) => (o.otherPrograms ?? []).includes(port) || (!!runtime && runtime.publishedPorts().has(port)),
    localUp: async (dir) => {
      localCalls.push(dir);
      return LOCAL;
    },
    sleep: async () => {},
  };
  return { d, localCalls };
}

const log = () => {};

describe('the container stack over a fake runtime', () => {
  it('stack up starts the three labelled containers on one network, Kafka first', async () => {
    const rt = new FakeRuntime();
    const s = await stackUp(withMode('auto'), log, deps(rt).d);
    expect(s).toEqual({ kafkaBrokers: ['127.0.0.1:29092'], registryUrl: 'http://127.0.0.1:28081', redisUrl: 'redis://127.0.0.1:26379', source: 'containers' });
    expect(rt.calls.filter((c) => !c.startsWith('list'))).toEqual([
      `network create ${NETWORK_NAME}`,
      'run carestream-kafka',
      'run carestream-registry',
      'run carestream-redis',
    ]);
    const all = [...rt.containers.values()];
    expect(all.map((c) => c.labels[LABELS.component])).toEqual(['kafka', 'registry', 'redis']);
    for (const c of all) {
      expect(c.network).toBe(NETWORK_NAME);
      expect(c.bindHost).toBe('127.0.0.1');
    }
  });

  it('later commands find the same stack and start nothing (npm start, then replay)', async () => {
    const rt = new FakeRuntime();
    const first = await stackUp(withMode('auto'), log, deps(rt).d);
    const ids = [...rt.containers.keys()];
    rt.calls.length = 0;
    const service = await resolveStack(withMode('auto'), log, deps(rt).d);
    const replay = await resolveStack(withMode('auto'), log, deps(rt).d);
    expect(service.kafkaBrokers).toEqual(first.kafkaBrokers);
    expect(replay.registryUrl).toBe(first.registryUrl);
    expect(replay.redisUrl).toBe(first.redisUrl);
    expect(rt.calls.filter((c) => !c.startsWith('list'))).toEqual([]);
    // A command that ends leaves the stack for the next one.
    await service.release();
    await replay.release();
    expect([...rt.containers.keys()]).toEqual(ids);
    expect([...rt.containers.values()].every((c) => c.running)).toBe(true);
  });

  it('stack down removes our containers and the network, and leaves other containers alone', async () => {
    const rt = new FakeRuntime();
    const other = rt.seed({ name: 'someone-elses-redis', image: 'redis:7', labels: { app: 'x' }, running: true, hostPorts: [6379] });
    await stackUp(withMode('containers'), log, deps(rt).d);
    await stackDown(withMode('containers'), log, false, deps(rt).d);
    expect([...rt.containers.keys()]).toEqual([other]);
    expect(rt.networks.has(NETWORK_NAME)).toBe(false);
    // And the next stack up starts a fresh one.
    rt.calls.length = 0;
    await stackUp(withMode('containers'), log, deps(rt).d);
    expect(rt.calls.filter((c) => c.startsWith('run'))).toHaveLength(3);
  });

  it('stack down --keep-data stops them; stack up starts the same containers again', async () => {
    const rt = new FakeRuntime();
    await stackUp(withMode('auto'), log, deps(rt).d);
    const ids = [...rt.containers.keys()];
    await stackDown(withMode('auto'), log, true, deps(rt).d);
    expect([...rt.containers.values()].some((c) => c.running)).toBe(false);
    rt.calls.length = 0;
    await stackUp(withMode('auto'), log, deps(rt).d);
    expect(rt.calls.filter((c) => !c.startsWith('list'))).toEqual(['start carestream-kafka', 'start carestream-registry', 'start carestream-redis']);
    expect([...rt.containers.keys()]).toEqual(ids);
  });

  it('replaces only the container whose spec changed', async () => {
    const rt = new FakeRuntime();
    await stackUp(withMode('auto'), log, deps(rt).d);
    const [id, redis] = [...rt.containers.entries()].find(([, c]) => c.labels[LABELS.component] === 'redis')!;
    rt.containers.set(id, { ...redis, image: 'redis:6', labels: { ...redis.labels, [LABELS.spec]: 'from-an-older-carestream' } });
    rt.calls.length = 0;
    await stackUp(withMode('auto'), log, deps(rt).d);
    expect(rt.calls.filter((c) => !c.startsWith('list'))).toEqual(['remove carestream-redis', 'run carestream-redis']);
  });

  it('refuses a fixed port another program holds, naming it, before starting anything', async () => {
    const rt = new FakeRuntime();
    const err = await stackUp(withMode('auto'), log, deps(rt, { otherPrograms: [CONTAINER_PORTS.registry] }).d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CarestreamError);
    expect((err as CarestreamError).code).toBe('CS_ERR_STACK_PORT_TAKEN');
    expect((err as Error).message).toContain(`port ${CONTAINER_PORTS.registry} (registry)`);
    expect(rt.containers.size).toBe(0);
    expect(rt.calls.filter((c) => !c.startsWith('list'))).toEqual([]);
  });

  it('a component that never answers fails the start, naming it', async () => {
    const rt = new FakeRuntime();
    const { d } = deps(rt, { neverReady: 'kafka' });
    const err = await stackUp(withMode('auto'), log, { ...d }).catch((e: unknown) => e);
    expect((err as CarestreamError).code).toBe('CS_ERR_STACK_START');
    expect((err as Error).message).toMatch(/kafka did not answer on 127\.0\.0\.1:29092/);
    // The registry needs Kafka: it is not started after Kafka failed to answer.
    expect(rt.calls.filter((c) => c.startsWith('run'))).toEqual(['run carestream-kafka']);
  });

  it('stack status reports each component of the container stack', async () => {
    const rt = new FakeRuntime();
    await stackUp(withMode('auto'), log, deps(rt).d);
    await rt.stop([...rt.containers.keys()][2]!);
    const rows = await stackStatus(withMode('auto'), deps(rt).d);
    expect(rows.map((r) => [r.name, r.answering, r.address])).toEqual([
      ['kafka', true, '127.0.0.1:29092'],
      ['registry', true, 'http://127.0.0.1:28081'],
      ['redis', false, 'redis://127.0.0.1:26379'],
    ]);
  });
});

describe('which stack', () => {
  it('explicit endpoints win: the runtime is not even asked', async () => {
    let asked = false;
    const { d } = deps(new FakeRuntime());
    const config = withMode('auto', {
      kafka: { ...base.kafka, brokers: ['kafka.bank:9092'] },
      registry: { ...base.registry, url: 'https://registry.bank' },
      redis: { ...base.redis, url: 'rediss://redis.bank:6380' },
    });
    const s = await resolveStack(config, log, { ...d, connectRuntime: async () => ((asked = true), undefined) });
    expect(s.source).toBe('explicit');
    expect(s.kafkaBrokers).toEqual(['kafka.bank:9092']);
    expect(asked).toBe(false);
  });

  it('auto without a runtime: the local stack', async () => {
    const { d, localCalls } = deps(undefined);
    expect((await resolveStack(withMode('auto'), log, d)).source).toBe('local');
    expect(localCalls).toEqual(['/nonexistent/stack']);
  });

  it('local: the local stack even where a runtime answers', async () => {
    const rt = new FakeRuntime();
    const { d, localCalls } = deps(rt);
    expect((await stackUp(withMode('local'), log, d)).source).toBe('local');
    expect(localCalls).toHaveLength(1);
    expect(rt.calls).toEqual([]);
  });

  it('containers without a runtime: one line saying so, nothing local started', async () => {
    const { d, localCalls } = deps(undefined);
    await expect(stackUp(withMode('containers'), log, d)).rejects.toThrow(/no container runtime answers/);
    expect(localCalls).toEqual([]);
  });

  it('explicit mode never starts a stack', async () => {
    const { d, localCalls } = deps(new FakeRuntime());
    await expect(stackUp(withMode('explicit'), log, d)).rejects.toThrow(/starts no stack/);
    await expect(stackDown(withMode('explicit'), log, false, d)).rejects.toThrow(/starts no stack/);
    expect(localCalls).toEqual([]);
  });
});
