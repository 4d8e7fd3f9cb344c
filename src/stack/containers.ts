import { createHash } from 'node:crypto';
import { CarestreamError } from '../errors.ts';
import type { StackEndpoints, StackLog } from './types.ts';
import { KAFKA_VERSION } from './local/versions.ts';

/**
 * The container stack: Kafka (KRaft), Confluent's schema registry and Redis as
 * labelled containers on fixed host ports, found and reused by every later
 * command (`npm start` in one terminal and `replay` in another meet the same
 * stack), removed by `stack down`.
 *
 * The decisions — which containers are ours, which to reuse, start, replace or
 * remove, on which ports — are pure functions of what the runtime reports
 * (`planUp`, `planDown`); the runtime itself sits behind the small
 * `ContainerRuntime` interface (docker-runtime.ts implements it with the
 * Docker API), so the decisions are unit-tested with a fake runtime client.
 */

/** Images of the container path; the same ones docker-compose.yml uses. */
export const IMAGES = Object.freeze({
  kafka: `apache/kafka:${KAFKA_VERSION}`,
  registry: 'confluentinc/cp-schema-registry:7.9.0',
  redis: 'redis:7.4-alpine',
});

export type Component = keyof typeof IMAGES;
/** Start order: the registry stores its schemas in Kafka. */
export const COMPONENTS: readonly Component[] = Object.freeze(['kafka', 'registry', 'redis']);

/**
 * Host ports, bound to 127.0.0.1 only. Fixed, so that every command finds the
 * same stack; off the usual ports and off the local stack's (19092, 18081,
 * 16379), so neither a Kafka of your own nor the local stack is in the way.
 */
export const CONTAINER_PORTS: Readonly<Record<Component, number>> = Object.freeze({ kafka: 29092, registry: 28081, redis: 26379 });

/** Labels that mark a container (and the network) as this stack's. */
export const LABELS = Object.freeze({
  stack: 'io.carestream.stack',
  component: 'io.carestream.component',
  /** Hash of the spec a container was created from: a changed image or setting replaces it. */
  spec: 'io.carestream.spec',
});
export const STACK_NAME = 'carestream';
export const NETWORK_NAME = 'carestream-stack';

export interface ContainerSpec {
  readonly component: Component;
  readonly name: string;
  readonly image: string;
  readonly env: Readonly<Record<string, string>>;
  /** Container port -> host port (on 127.0.0.1). */
  readonly port: { readonly container: number; readonly host: number };
  /** Names other containers of the network reach it by. */
  readonly aliases: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** What the runtime reports about a container. */
export interface FoundContainer {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly running: boolean;
  /** Host ports it publishes (while running). */
  readonly hostPorts: readonly number[];
}

/** The few runtime operations the stack needs; docker-runtime.ts is the real one. */
export interface ContainerRuntime {
  /** Containers carrying `label=value`, running or not. */
  listByLabel(label: string, value: string): Promise<FoundContainer[]>;
  /** Creates the network unless it exists. */
  ensureNetwork(name: string, labels: Readonly<Record<string, string>>): Promise<void>;
  /** Removes the network; false when there was none. */
  removeNetwork(name: string): Promise<boolean>;
  /** Pulls the image when missing, creates the container on `network` and starts it; returns its id. */
  run(spec: ContainerSpec, network: string): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  /** Removes the container and its anonymous volumes, running or not. */
  remove(id: string): Promise<void>;
}

/** Whether a component answers at its endpoint (Kafka metadata, registry /subjects, Redis PING). */
export type ReadinessProbe = (component: Component, endpoints: StackEndpoints) => Promise<boolean>;

export function containerEndpoints(ports: Readonly<Record<Component, number>> = CONTAINER_PORTS): StackEndpoints {
  return {
    kafkaBrokers: [`127.0.0.1:${ports.kafka}`],
    registryUrl: `http://127.0.0.1:${ports.registry}`,
    redisUrl: `redis://127.0.0.1:${ports.redis}`,
    source: 'containers',
  };
}

function specHash(s: Omit<ContainerSpec, 'labels'>): string {
  const canonical = JSON.stringify([s.image, Object.entries(s.env).sort(([a], [b]) => (a < b ? -1 : 1)), s.port, s.aliases]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function spec(component: Component, image: string, env: Record<string, string>, port: { container: number; host: number }): ContainerSpec {
  const base = { component, name: `${STACK_NAME}-${component}`, image, env, port, aliases: [component] };
  return Object.freeze({
    ...base,
    labels: Object.freeze({ [LABELS.stack]: STACK_NAME, [LABELS.component]: component, [LABELS.spec]: specHash(base) }),
  });
}

/**
 * The three containers. Kafka advertises the fixed host port to clients on the
 * host and an internal listener (`kafka:19092`) to the registry on the stack's
 * network; a fixed port is what lets it advertise the right address.
 */
export function containerSpecs(ports: Readonly<Record<Component, number>> = CONTAINER_PORTS): readonly ContainerSpec[] {
  return Object.freeze([
    spec('kafka', IMAGES.kafka, {
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093,INTERNAL://:19092',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${ports.kafka},INTERNAL://kafka:19092`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    }, { container: 9092, host: ports.kafka }),
    spec('registry', IMAGES.registry, {
      SCHEMA_REGISTRY_HOST_NAME: 'registry',
      SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
      SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:19092',
      SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL: 'backward',
    }, { container: 8081, host: ports.registry }),
    spec('redis', IMAGES.redis, {}, { container: 6379, host: ports.redis }),
  ]);
}

export type UpAction =
  | { readonly kind: 'reuse'; readonly component: Component; readonly id: string }
  /** Ours and up to date but stopped (`down --keep-data`): started again, data kept. */
  | { readonly kind: 'start'; readonly component: Component; readonly id: string }
  | { readonly kind: 'create'; readonly spec: ContainerSpec }
  /** Ours but made from another spec (an image or setting changed): removed, then created anew. */
  | { readonly kind: 'replace'; readonly id: string; readonly spec: ContainerSpec };

export interface UpPlan {
  /** One per component, in start order. */
  readonly actions: readonly UpAction[];
  /** Containers labelled as ours that no component claims (a duplicate, an old component). */
  readonly strays: readonly FoundContainer[];
  /** Host ports a container must be created on that something other than this stack answers on. */
  readonly portsTaken: readonly { readonly component: Component; readonly port: number }[];
}

/**
 * What `stack up` does, from what the runtime reports. Only containers with
 * this stack's label count; for each component the first one made from the
 * current spec is kept (reused if running, started if stopped), another
 * version of it is replaced, none is created. `answering(port)` says whether
 * something accepts connections on a host port: a port that answers while no
 * running container of ours holds it belongs to another program.
 */
export function planUp(found: readonly FoundContainer[], specs: readonly ContainerSpec[], answering: ReadonlySet<number>): UpPlan {
  const ours = found.filter((c) => c.labels[LABELS.stack] === STACK_NAME);
  const claimed = new Set<string>();
  const actions: UpAction[] = [];
  const portsTaken: { component: Component; port: number }[] = [];
  for (const s of specs) {
    const mine = ours.filter((c) => c.labels[LABELS.component] === s.component);
    const current = mine.find((c) => c.labels[LABELS.spec] === s.labels[LABELS.spec] && c.running) ?? mine.find((c) => c.labels[LABELS.spec] === s.labels[LABELS.spec]);
    if (current) {
      claimed.add(current.id);
      actions.push({ kind: current.running ? 'reuse' : 'start', component: s.component, id: current.id });
      continue;
    }
    const old = mine[0];
    if (old) claimed.add(old.id);
    // Our containers free their ports when they are replaced or removed; anything else on the port is in the way.
    const heldByUs = ours.some((c) => c.running && c.hostPorts.includes(s.port.host));
    if (answering.has(s.port.host) && !heldByUs) portsTaken.push({ component: s.component, port: s.port.host });
    actions.push(old ? { kind: 'replace', id: old.id, spec: s } : { kind: 'create', spec: s });
  }
  return { actions, strays: ours.filter((c) => !claimed.has(c.id)), portsTaken };
}

export interface DownPlan {
  readonly remove: readonly FoundContainer[];
  readonly stop: readonly FoundContainer[];
  readonly removeNetwork: boolean;
}

/**
 * What `stack down` does: every container labelled as ours is removed (with
 * its data), or with `keepData` stopped, so the next `stack up` starts it again
 * with its topics and schemas. Nothing without the label is touched.
 */
export function planDown(found: readonly FoundContainer[], keepData: boolean): DownPlan {
  const ours = found.filter((c) => c.labels[LABELS.stack] === STACK_NAME);
  return keepData
    ? { remove: [], stop: ours.filter((c) => c.running), removeNetwork: false }
    : { remove: ours, stop: [], removeNetwork: true };
}

export interface ContainerDeps {
  readonly runtime: ContainerRuntime;
  readonly ready: ReadinessProbe;
  /** Whether something accepts TCP connections on 127.0.0.1:port. */
  readonly portAnswers: (port: number) => Promise<boolean>;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Polls before a component that does not answer fails the start. */
  readonly readyAttempts?: number;
}

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitReady(component: Component, endpoints: StackEndpoints, d: ContainerDeps): Promise<void> {
  const attempts = d.readyAttempts ?? 240; // 240 x 0.5 s: a first start pulls images and starts two JVMs
  for (let i = 0; i < attempts; i++) {
    if (await d.ready(component, endpoints).catch(() => false)) return;
    await (d.sleep ?? sleepMs)(500);
  }
  throw new CarestreamError('CS_ERR_STACK_START', `containers: ${component} did not answer on ${endpointOf(component, endpoints)}; see \`docker logs ${STACK_NAME}-${component}\``);
}

function endpointOf(component: Component, e: StackEndpoints): string {
  return component === 'kafka' ? e.kafkaBrokers.join(',') : component === 'registry' ? e.registryUrl : e.redisUrl;
}

/** Finds or starts the container stack and waits until every component answers. */
export async function containersUp(d: ContainerDeps, log: StackLog, ports: Readonly<Record<Component, number>> = CONTAINER_PORTS): Promise<StackEndpoints> {
  const specs = containerSpecs(ports);
  const found = await d.runtime.listByLabel(LABELS.stack, STACK_NAME);
  const answering = new Set<number>();
  for (const s of specs) if (await d.portAnswers(s.port.host)) answering.add(s.port.host);
  const plan = planUp(found, specs, answering);
  if (plan.portsTaken.length > 0) {
    const taken = plan.portsTaken.map((p) => `${p.port} (${p.component})`).join(', ');
    throw new CarestreamError('CS_ERR_STACK_PORT_TAKEN', `containers: port ${taken} on 127.0.0.1 is used by another program (a local stack on the same ports?); stop it, or set CARESTREAM_STACK=local`);
  }
  for (const s of plan.strays) {
    log(`containers: removing ${s.name} (not part of the current stack)`);
    await d.runtime.remove(s.id);
  }
  await d.runtime.ensureNetwork(NETWORK_NAME, { [LABELS.stack]: STACK_NAME });
  const endpoints = containerEndpoints(ports);
  for (const a of plan.actions) {
    switch (a.kind) {
      case 'reuse':
        log(`containers: reusing ${STACK_NAME}-${a.component}`);
        break;
      case 'start':
        log(`containers: starting the stopped ${STACK_NAME}-${a.component}`);
        await d.runtime.start(a.id);
        break;
      case 'replace':
        log(`containers: replacing ${a.spec.name} (its image or settings changed) with ${a.spec.image}`);
        await d.runtime.remove(a.id);
        await d.runtime.run(a.spec, NETWORK_NAME);
        break;
      case 'create':
        log(`containers: starting ${a.spec.name} (${a.spec.image}) on 127.0.0.1:${a.spec.port.host}; a first run pulls the image`);
        await d.runtime.run(a.spec, NETWORK_NAME);
        break;
    }
    const component = a.kind === 'create' || a.kind === 'replace' ? a.spec.component : a.component;
    // Kafka first: the registry keeps its schemas in it and fails without it.
    if (component === 'kafka') await waitReady('kafka', endpoints, d);
  }
  await Promise.all((['registry', 'redis'] as const).map((c) => waitReady(c, endpoints, d)));
  return endpoints;
}

/** Removes the stack's containers and network (or only stops the containers with `keepData`). */
export async function containersDown(runtime: ContainerRuntime, log: StackLog, keepData: boolean): Promise<void> {
  const plan = planDown(await runtime.listByLabel(LABELS.stack, STACK_NAME), keepData);
  for (const c of plan.stop) {
    log(`containers: stopping ${c.name} (data kept)`);
    await runtime.stop(c.id);
  }
  for (const c of plan.remove) {
    log(`containers: removing ${c.name}`);
    await runtime.remove(c.id);
  }
  if (plan.removeNetwork && (await runtime.removeNetwork(NETWORK_NAME))) log(`containers: removed network ${NETWORK_NAME}`);
  if (plan.stop.length + plan.remove.length === 0) log('containers: none of this stack was there');
}

export interface ContainerStatus {
  readonly component: Component;
  readonly name: string;
  readonly image: string;
  readonly address: string;
  /** running | stopped | missing */
  readonly state: 'running' | 'stopped' | 'missing';
  /** false when the container was made from another spec (the next `stack up` replaces it). */
  readonly current: boolean;
}

/** One row per component: what `stack status` prints. */
export function containerStatus(found: readonly FoundContainer[], ports: Readonly<Record<Component, number>> = CONTAINER_PORTS): ContainerStatus[] {
  const e = containerEndpoints(ports);
  return containerSpecs(ports).map((s) => {
    const mine = found.filter((c) => c.labels[LABELS.stack] === STACK_NAME && c.labels[LABELS.component] === s.component);
    const c = mine.find((x) => x.running) ?? mine[0];
    return {
      component: s.component,
      name: c?.name ?? s.name,
      image: c?.image ?? s.image,
      address: endpointOf(s.component, e),
      state: !c ? 'missing' : c.running ? 'running' : 'stopped',
      current: c?.labels[LABELS.spec] === s.labels[LABELS.spec],
    };
  });
}
