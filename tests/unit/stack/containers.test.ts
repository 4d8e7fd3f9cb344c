import { describe, expect, it } from 'vitest';
import {
  COMPONENTS,
  CONTAINER_PORTS,
  IMAGES,
  LABELS,
  STACK_NAME,
  containerEndpoints,
  containerSpecs,
  containerStatus,
  planDown,
  planUp,
  type FoundContainer,
} from '../../../src/stack/containers.ts';
import { LOCAL_PORTS } from '../../../src/stack/local/versions.ts';

const specs = containerSpecs();
const specOf = (c: string) => specs.find((s) => s.component === c)!;

function ours(component: string, over: Partial<FoundContainer> = {}): FoundContainer {
  const s = specOf(component);
  return { id: `id-${component}`, name: s.name, image: s.image, labels: { ...s.labels }, running: true, hostPorts: [s.port.host], ...over };
}

describe('container specs', () => {
  it('one per component, labelled as this stack, on the fixed ports', () => {
    expect(specs.map((s) => s.component)).toEqual([...COMPONENTS]);
    for (const s of specs) {
      expect(s.labels[LABELS.stack]).toBe(STACK_NAME);
      expect(s.labels[LABELS.component]).toBe(s.component);
      expect(s.labels[LABELS.spec]).toMatch(/^[0-9a-f]{16}$/);
      expect(s.port.host).toBe(CONTAINER_PORTS[s.component]);
      expect(s.image).toBe(IMAGES[s.component]);
    }
  });

  it('uses ports of its own: not the usual ones, not the local stack', () => {
    const ports = Object.values(CONTAINER_PORTS);
    for (const p of [9092, 8081, 6379, ...Object.values(LOCAL_PORTS)]) expect(ports).not.toContain(p);
    expect(new Set(ports).size).toBe(3);
  });

  it('Kafka advertises the fixed host port; the registry reaches Kafka by alias', () => {
    expect(specOf('kafka').env.KAFKA_ADVERTISED_LISTENERS).toContain(`PLAINTEXT://127.0.0.1:${CONTAINER_PORTS.kafka}`);
    expect(specOf('kafka').aliases).toContain('kafka');
    expect(specOf('registry').env.SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS).toBe('PLAINTEXT://kafka:19092');
    expect(specOf('kafka').env.KAFKA_LISTENERS).toContain('INTERNAL://:19092');
  });

  it('the endpoints are the fixed ports, the same for every command', () => {
    expect(containerEndpoints()).toEqual({
      kafkaBrokers: ['127.0.0.1:29092'],
      registryUrl: 'http://127.0.0.1:28081',
      redisUrl: 'redis://127.0.0.1:26379',
      source: 'containers',
    });
  });

  it('the spec label changes with the image, the settings or the port, and only then', () => {
    expect(containerSpecs().map((s) => s.labels[LABELS.spec])).toEqual(specs.map((s) => s.labels[LABELS.spec]));
    const moved = containerSpecs({ ...CONTAINER_PORTS, kafka: 39092 });
    expect(moved[0]!.labels[LABELS.spec]).not.toBe(specs[0]!.labels[LABELS.spec]);
    expect(moved[1]!.labels[LABELS.spec]).toBe(specs[1]!.labels[LABELS.spec]);
  });
});

describe('planUp', () => {
  it('creates every component when nothing of ours exists', () => {
    const plan = planUp([], specs, new Set());
    expect(plan.actions.map((a) => a.kind)).toEqual(['create', 'create', 'create']);
    expect(plan.strays).toEqual([]);
    expect(plan.portsTaken).toEqual([]);
  });

  it('reuses running containers of the current spec and starts nothing', () => {
    const found = COMPONENTS.map((c) => ours(c));
    const plan = planUp(found, specs, new Set(Object.values(CONTAINER_PORTS)));
    expect(plan.actions).toEqual(COMPONENTS.map((c) => ({ kind: 'reuse', component: c, id: `id-${c}` })));
    expect(plan.portsTaken).toEqual([]);
  });

  it('starts a stopped container of the current spec again (its data is kept)', () => {
    const found = [ours('kafka', { running: false, hostPorts: [] }), ours('registry'), ours('redis')];
    expect(planUp(found, specs, new Set()).actions[0]).toEqual({ kind: 'start', component: 'kafka', id: 'id-kafka' });
  });

  it('replaces a container made from another spec (an image upgrade)', () => {
    const old = ours('registry', { image: 'confluentinc/cp-schema-registry:7.0.0', labels: { ...specOf('registry').labels, [LABELS.spec]: 'old' } });
    const plan = planUp([ours('kafka'), old, ours('redis')], specs, new Set(Object.values(CONTAINER_PORTS)));
    expect(plan.actions[1]).toEqual({ kind: 'replace', id: 'id-registry', spec: specOf('registry') });
    expect(plan.portsTaken).toEqual([]); // its own port, freed by the replacement
  });

  it('ignores containers without the stack label, even with the same name or image', () => {
    const foreign: FoundContainer = { id: 'x', name: 'carestream-kafka', image: IMAGES.kafka, labels: {}, running: true, hostPorts: [9092] };
    const plan = planUp([foreign], specs, new Set());
    expect(plan.actions[0]).toEqual({ kind: 'create', spec: specOf('kafka') });
    expect(plan.strays).toEqual([]);
  });

  it('reports a fixed port another program answers on, per component', () => {
    const plan = planUp([ours('redis')], specs, new Set([CONTAINER_PORTS.kafka, CONTAINER_PORTS.redis]));
    expect(plan.portsTaken).toEqual([{ component: 'kafka', port: CONTAINER_PORTS.kafka }]);
  });

  it('keeps one container per component and lists the rest as strays', () => {
    const dup = ours('redis', { id: 'id-redis-2', name: 'carestream-redis-old', running: false, hostPorts: [] });
    const unknown = { ...ours('redis'), id: 'id-zk', name: 'carestream-zookeeper', labels: { [LABELS.stack]: STACK_NAME, [LABELS.component]: 'zookeeper' } };
    const plan = planUp([ours('kafka'), ours('registry'), dup, ours('redis'), unknown], specs, new Set());
    expect(plan.actions[2]).toEqual({ kind: 'reuse', component: 'redis', id: 'id-redis' });
    expect(plan.strays.map((s) => s.id)).toEqual(['id-redis-2', 'id-zk']);
  });
});

describe('planDown', () => {
  const found = [ours('kafka'), ours('registry', { running: false, hostPorts: [] }), { id: 'x', name: 'other', image: 'redis', labels: {}, running: true, hostPorts: [] }];

  it('removes every container of ours and the network, nothing else', () => {
    const plan = planDown(found, false);
    expect(plan.remove.map((c) => c.id)).toEqual(['id-kafka', 'id-registry']);
    expect(plan.stop).toEqual([]);
    expect(plan.removeNetwork).toBe(true);
  });

  it('with keepData only stops the running ones', () => {
    const plan = planDown(found, true);
    expect(plan.stop.map((c) => c.id)).toEqual(['id-kafka']);
    expect(plan.remove).toEqual([]);
    expect(plan.removeNetwork).toBe(false);
  });
});

describe('containerStatus', () => {
  it('one row per component: running, stopped, missing, outdated', () => {
    const rows = containerStatus([ours('kafka'), ours('registry', { running: false, labels: { ...specOf('registry').labels, [LABELS.spec]: 'old' } })]);
    expect(rows.map((r) => [r.component, r.state, r.current])).toEqual([
      ['kafka', 'running', true],
      ['registry', 'stopped', false],
      ['redis', 'missing', false],
    ]);
    expect(rows[0]!.address).toBe('127.0.0.1:29092');
  });
});
