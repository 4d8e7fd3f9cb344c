import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { StackEndpoints, StackLog } from '../types.ts';
import { kafkaDown, kafkaProcess, kafkaUp } from './kafka.ts';
import { registryDown, registryProcess, registryUp, localRegistryUrl } from './registry.ts';
import { redisAnswers, redisDown, redisProcess, redisUp } from './redis.ts';
import { readPid } from './processes.ts';
import { clusterDown, clusterRunning, clusterStatus, clusterUp } from './redis-cluster.ts';
import { portAnswers } from './net.ts';
import { LOCAL_PORTS, KAFKA_VERSION, APICURIO_VERSION } from './versions.ts';

/** The gitignored folder holding downloads, data, pid files and logs of the local stack. */
export function defaultStackDir(): string {
  return new URL('../../../.cache/stack', import.meta.url).pathname;
}

export interface LocalOptions {
  /** A Redis Cluster of three primaries instead of one server (REDIS_CLUSTER). */
  readonly redisCluster?: boolean;
}

/**
 * Starts (or finds) Kafka, the registry and Redis as local processes. Idempotent:
 * what already runs is reused. Kafka and the registry start side by side, since
 * each takes a few seconds of JVM start-up.
 */
export async function localUp(dir: string, log: StackLog, options: LocalOptions = {}): Promise<StackEndpoints> {
  const [kafka, registry, redis] = await Promise.all([kafkaUp(dir, log), registryUp(dir, log), options.redisCluster ? clusterUp(dir, log) : redisUp(dir, log)]);
  return { kafkaBrokers: [kafka], registryUrl: registry, redisUrl: redis, source: 'local' };
}

/** Stops what the stack started. `wipe` also deletes Kafka's and the registry's data (they must go together: records carry registry ids). */
export async function localDown(dir: string, log: StackLog, wipe = true): Promise<void> {
  // The cluster's nodes go whatever REDIS_CLUSTER says now: nothing of the stack is left running.
  const [k, r, d, c] = await Promise.all([kafkaDown(dir, wipe), registryDown(dir, wipe), redisDown(dir), clusterDown(dir)]);
  log(`kafka: ${k ? 'stopped' : 'was not running'}`);
  log(`registry: ${r ? 'stopped' : 'was not running'}`);
  if (d) log('redis: stopped');
  if (c > 0) log(`redis cluster: ${c} nodes stopped`);
  if (wipe) log(`data removed from ${dir}`);
}

export interface ComponentStatus {
  readonly name: string;
  readonly version: string;
  readonly address: string;
  readonly pid: number | undefined;
  readonly answering: boolean;
}

export async function localStatus(dir: string, options: LocalOptions = {}): Promise<ComponentStatus[]> {
  const ownRedis = readPid(redisProcess(dir));
  const redisPort = ownRedis !== undefined ? LOCAL_PORTS.redis : 6379;
  // The cluster's nodes when it is asked for or runs; the single Redis when the cluster is not asked for.
  const cluster = options.redisCluster || clusterRunning(dir)
    ? (await clusterStatus(dir)).map((n): ComponentStatus => ({ name: `redis:${n.port}`, version: `redis-server cluster primary (${n.detail})`, address: `127.0.0.1:${n.port}`, pid: n.pid, answering: n.answering }))
    : [];
  return [
    { name: 'kafka', version: KAFKA_VERSION, address: `127.0.0.1:${LOCAL_PORTS.kafka}`, pid: readPid(kafkaProcess(dir)), answering: await portAnswers(LOCAL_PORTS.kafka) },
    { name: 'registry', version: `apicurio ${APICURIO_VERSION}`, address: localRegistryUrl(), pid: readPid(registryProcess(dir)), answering: await portAnswers(LOCAL_PORTS.registry) },
    ...(options.redisCluster ? [] : [{ name: 'redis', version: ownRedis !== undefined ? 'redis-server' : 'machine', address: `127.0.0.1:${redisPort}`, pid: ownRedis, answering: await redisAnswers(redisPort) }]),
    ...cluster,
  ];
}

export function hasLocalStack(dir: string): boolean {
  return existsSync(join(dir, 'run'));
}
