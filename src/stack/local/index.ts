import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { StackEndpoints, StackLog } from '../types.ts';
import { kafkaDown, kafkaProcess, kafkaUp } from './kafka.ts';
import { registryDown, registryProcess, registryUp, localRegistryUrl } from './registry.ts';
import { redisAnswers, redisDown, redisProcess, redisUp } from './redis.ts';
import { readPid } from './processes.ts';
import { portAnswers } from './net.ts';
import { LOCAL_PORTS, KAFKA_VERSION, APICURIO_VERSION } from './versions.ts';

/** The gitignored folder holding downloads, data, pid files and logs of the local stack. */
export function defaultStackDir(): string {
  return new URL('../../../.cache/stack', import.meta.url).pathname;
}

/**
 * Starts (or finds) Kafka, the registry and Redis as local processes. Idempotent:
 * what already runs is reused. Kafka and the registry start side by side, since
 * each takes a few seconds of JVM start-up.
 */
export async function localUp(dir: string, log: StackLog): Promise<StackEndpoints> {
  const [kafka, registry, redis] = await Promise.all([kafkaUp(dir, log), registryUp(dir, log), redisUp(dir, log)]);
  return { kafkaBrokers: [kafka], registryUrl: registry, redisUrl: redis, source: 'local' };
}

/** Stops what the stack started. `wipe` also deletes Kafka's and the registry's data (they must go together: records carry registry ids). */
export async function localDown(dir: string, log: StackLog, wipe = true): Promise<void> {
  const [k, r, d] = await Promise.all([kafkaDown(dir, wipe), registryDown(dir, wipe), redisDown(dir)]);
  log(`kafka: ${k ? 'stopped' : 'was not running'}`);
  log(`registry: ${r ? 'stopped' : 'was not running'}`);
  if (d) log('redis: stopped');
  if (wipe) log(`data removed from ${dir}`);
}

export interface ComponentStatus {
  readonly name: string;
  readonly version: string;
  readonly address: string;
  readonly pid: number | undefined;
  readonly answering: boolean;
}

export async function localStatus(dir: string): Promise<ComponentStatus[]> {
  const ownRedis = readPid(redisProcess(dir));
  const redisPort = ownRedis !== undefined ? LOCAL_PORTS.redis : 6379;
  return [
    { name: 'kafka', version: KAFKA_VERSION, address: `127.0.0.1:${LOCAL_PORTS.kafka}`, pid: readPid(kafkaProcess(dir)), answering: await portAnswers(LOCAL_PORTS.kafka) },
    { name: 'registry', version: `apicurio ${APICURIO_VERSION}`, address: localRegistryUrl(), pid: readPid(registryProcess(dir)), answering: await portAnswers(LOCAL_PORTS.registry) },
    { name: 'redis', version: ownRedis !== undefined ? 'redis-server' : 'machine', address: `127.0.0.1:${redisPort}`, pid: ownRedis, answering: await redisAnswers(redisPort) },
  ];
}

export function hasLocalStack(dir: string): boolean {
  return existsSync(join(dir, 'run'));
}
