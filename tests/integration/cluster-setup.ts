import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.ts';
import { clusterDown, clusterUp } from '../../src/stack/local/redis-cluster.ts';
import { describeStack, resolveStack } from '../../src/stack/resolve.ts';
import { freeClusterPorts } from '../support/free-port.ts';

/**
 * The `cluster` project: files of the integration suite run again with the
 * service's state on a Redis Cluster of three primaries (redis-server
 * processes on free ports, in a directory of this run's own), Kafka and the
 * registry as the integration suite resolves them. Nothing here is a mock.
 */
export default async function setup(project: TestProject) {
  const stack = await resolveStack(loadConfig(), (line) => console.log(`[stack] ${line}`));
  const dir = mkdtempSync(join(tmpdir(), 'cs-it-cluster-'));
  const ports = await freeClusterPorts(3);
  let redisUrl: string;
  try {
    redisUrl = await clusterUp(dir, (line) => console.log(`[stack] ${line}`), ports);
  } catch (err) {
    await stack.release();
    throw err;
  }
  console.log(`[stack] cluster project uses the ${describeStack(stack)}, with Redis replaced by the cluster ${redisUrl}`);
  project.provide('stack', { kafkaBrokers: [...stack.kafkaBrokers], registryUrl: stack.registryUrl, redisUrl, source: stack.source });
  // The stack's own Redis too, for a test comparing the cluster with one server.
  project.provide('singleRedisUrl', stack.redisUrl);
  return async () => {
    await clusterDown(dir, ports);
    rmSync(dir, { recursive: true, force: true });
    await stack.release();
  };
}
