import type { Config } from '../config.ts';
import type { StackEndpoints, StackLog } from './types.ts';
import { redactUrl } from '../security/redact.ts';
import { containerRuntimeAnswers, startContainers, type ContainerStack } from './containers.ts';
import { defaultStackDir, localUp } from './local/index.ts';

export interface ResolvedStack extends StackEndpoints {
  /** Stops what this call started (containers); local processes and explicit endpoints are left running. */
  release(): Promise<void>;
}

/**
 * The one place that decides where Kafka, the registry and Redis are, used by
 * the service, the CLI, the tests, the demo and the benchmark:
 *   1. explicit settings (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL) win
 *      (CARESTREAM_STACK=explicit makes them mandatory: production never starts a stack);
 *   2. else containers, where a container runtime answers (CARESTREAM_STACK=auto|containers);
 *   3. else a local stack of real processes, started or reused.
 */
export async function resolveStack(config: Config, log: StackLog): Promise<ResolvedStack> {
  const { brokers } = config.kafka;
  if (brokers && config.registry.url && config.redis.url) {
    return { kafkaBrokers: brokers, registryUrl: config.registry.url, redisUrl: config.redis.url, source: 'explicit', release: async () => {} };
  }
  if (config.stack.mode === 'containers' || (config.stack.mode === 'auto' && (await containerRuntimeAnswers()))) {
    const c: ContainerStack = await startContainers(log);
    return { ...c, release: () => c.stop() };
  }
  const local = await localUp(config.stack.dir ?? defaultStackDir(), log);
  return { ...local, release: async () => {} };
}

export function describeStack(s: StackEndpoints): string {
  return `${s.source} stack: kafka ${s.kafkaBrokers.join(',')}, registry ${s.registryUrl}, redis ${redactUrl(s.redisUrl)}`;
}
