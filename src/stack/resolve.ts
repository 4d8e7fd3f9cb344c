import type { Config } from '../config.ts';
import { CarestreamError } from '../errors.ts';
import { redactUrl } from '../security/redact.ts';
import type { StackEndpoints, StackLog } from './types.ts';
import { containerStatus, containersDown, containersUp, LABELS, STACK_NAME, type ContainerRuntime, type ReadinessProbe } from './containers.ts';
import { dockerRuntime } from './docker-runtime.ts';
import { defaultStackDir, localDown, localStatus, localUp, type ComponentStatus, type LocalOptions } from './local/index.ts';
import { isKafkaBroker } from './local/kafka.ts';
import { portAnswers } from './local/net.ts';
import { redisAnswers } from './local/redis.ts';

export interface ResolvedStack extends StackEndpoints {
  /**
   * What a caller calls when it is done. Containers and local processes both
   * outlive the command that found them (the next command reuses them; `stack
   * down` removes them), so nothing is stopped today.
   */
  release(): Promise<void>;
}

/** The I/O behind the decisions, so that tests can hand in a fake runtime client. */
export interface StackDeps {
  /** The container runtime, or undefined when none answers. */
  readonly connectRuntime: () => Promise<ContainerRuntime | undefined>;
  readonly ready: ReadinessProbe;
  readonly portAnswers: (port: number) => Promise<boolean>;
  readonly localUp: (dir: string, log: StackLog, options: LocalOptions) => Promise<StackEndpoints>;
  readonly sleep?: (ms: number) => Promise<void>;
}

const probe: ReadinessProbe = async (component, e) => {
  switch (component) {
    case 'kafka':
      return isKafkaBroker(e.kafkaBrokers[0]!);
    case 'registry':
      return (await fetch(`${e.registryUrl}/subjects`, { signal: AbortSignal.timeout(2000) })).ok;
    case 'redis':
      return redisAnswers(Number(new URL(e.redisUrl).port));
  }
};

export const realStackDeps: StackDeps = Object.freeze({
  connectRuntime: dockerRuntime,
  ready: probe,
  portAnswers: (port: number) => portAnswers(port),
  localUp,
});

export type StackKind = 'containers' | 'local';
type Mode = Config['stack']['mode'];

/**
 * Which stack to manage when the endpoints are not given: `containers` and
 * `local` say so; `auto` takes containers where a runtime answers.
 * `explicit` never starts anything (production).
 */
export async function chooseStack(mode: Mode, deps: Pick<StackDeps, 'connectRuntime'>): Promise<{ kind: 'local' } | { kind: 'containers'; runtime: ContainerRuntime }> {
  if (mode === 'explicit') {
    throw new CarestreamError('CS_ERR_CONFIG', 'CARESTREAM_STACK=explicit: carestream starts no stack; set KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL');
  }
  if (mode === 'local') return { kind: 'local' };
  const runtime = await deps.connectRuntime();
  if (runtime) return { kind: 'containers', runtime };
  if (mode === 'containers') {
    throw new CarestreamError('CS_ERR_STACK_START', 'CARESTREAM_STACK=containers: no container runtime answers (is Docker or Podman running? DOCKER_HOST?)');
  }
  return { kind: 'local' };
}

/** Starts or finds the managed stack (`stack up`): the same one resolveStack would use. */
export async function stackUp(config: Config, log: StackLog, deps: StackDeps = realStackDeps): Promise<StackEndpoints> {
  const chosen = await chooseStack(config.stack.mode, deps);
  if (chosen.kind === 'local') return deps.localUp(config.stack.dir ?? defaultStackDir(), log, { redisCluster: config.redis.cluster });
  // Only the local stack has a cluster (redis-server processes); a silent single server would hide that.
  if (config.redis.cluster) throw new CarestreamError('CS_ERR_CONFIG', 'REDIS_CLUSTER=true: only the local stack starts a Redis Cluster; set CARESTREAM_STACK=local (or REDIS_URL=redis-cluster://...)');
  return containersUp({ runtime: chosen.runtime, ready: deps.ready, portAnswers: deps.portAnswers, ...(deps.sleep ? { sleep: deps.sleep } : {}) }, log);
}

/**
 * The one place that decides where Kafka, the registry and Redis are, used by
 * the service, the CLI, the tests, the demo and the benchmark:
 *   1. explicit settings (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL) win
 *      (CARESTREAM_STACK=explicit makes them mandatory: production never starts a stack);
 *   2. else the labelled containers on fixed ports, found or started, where a
 *      container runtime answers (CARESTREAM_STACK=auto|containers);
 *   3. else a local stack of real processes, started or reused.
 * Both managed stacks outlive the command, so every later command finds the same one.
 */
export async function resolveStack(config: Config, log: StackLog, deps: StackDeps = realStackDeps): Promise<ResolvedStack> {
  const { brokers } = config.kafka;
  if (brokers && config.registry.url && config.redis.url) {
    return { kafkaBrokers: brokers, registryUrl: config.registry.url, redisUrl: config.redis.url, source: 'explicit', release: async () => {} };
  }
  const s = await stackUp(config, log, deps);
  return { ...s, release: async () => {} };
}

/** `stack down`: removes the managed stack (with `keepData`, stops it so the next `stack up` finds its data). */
export async function stackDown(config: Config, log: StackLog, keepData: boolean, deps: Pick<StackDeps, 'connectRuntime'> = realStackDeps): Promise<void> {
  const chosen = await chooseStack(config.stack.mode, deps);
  if (chosen.kind === 'local') return localDown(config.stack.dir ?? defaultStackDir(), log, !keepData);
  return containersDown(chosen.runtime, log, keepData);
}

/** `stack status`: one row per component of the managed stack. */
export async function stackStatus(config: Config, deps: Pick<StackDeps, 'connectRuntime'> = realStackDeps): Promise<ComponentStatus[]> {
  const chosen = await chooseStack(config.stack.mode, deps);
  if (chosen.kind === 'local') return localStatus(config.stack.dir ?? defaultStackDir(), { redisCluster: config.redis.cluster });
  const rows = containerStatus(await chosen.runtime.listByLabel(LABELS.stack, STACK_NAME));
  return rows.map((r) => ({
    name: r.component,
    version: `${r.image} (container ${r.name}, ${r.state}${r.state !== 'missing' && !r.current ? ', outdated: the next stack up replaces it' : ''})`,
    address: r.address,
    pid: undefined,
    answering: r.state === 'running',
  }));
}

export function describeStack(s: StackEndpoints): string {
  return `${s.source} stack: kafka ${s.kafkaBrokers.join(',')}, registry ${s.registryUrl}, redis ${redactUrl(s.redisUrl)}`;
}
