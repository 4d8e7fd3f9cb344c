import { join } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { CarestreamError } from '../../errors.ts';
import { formatRedisClusterUrl } from '../../state/redis-url.ts';
import type { StackLog } from '../types.ts';
import { LOCAL_REDIS_CLUSTER_PORTS } from './versions.ts';
import { portAnswers, waitFor } from './net.ts';
import { redisAnswers } from './redis.ts';
import { isAlive, readPid, startDetached, stop, which, type Managed } from './processes.ts';

/** Redis Cluster's hash slots. */
export const CLUSTER_SLOTS = 16384;

/** The slots each of `n` primaries owns: contiguous, as even as they go, together all 16384. */
export function slotRanges(n: number): [number, number][] {
  if (!Number.isInteger(n) || n < 1 || n > CLUSTER_SLOTS) throw new RangeError(`a cluster needs 1..${CLUSTER_SLOTS} primaries, not ${n}`);
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = Math.floor(((i + 1) * CLUSTER_SLOTS) / n) - 1;
    out.push([start, end]);
    start = end + 1;
  }
  return out;
}

export function clusterNodeProcess(dir: string, port: number): Managed {
  return { name: `redis-cluster-${port}`, pidFile: join(dir, 'run', `redis-cluster-${port}.pid`), logFile: join(dir, 'logs', `redis-cluster-${port}.log`) };
}

export function localClusterUrl(ports: readonly number[] = LOCAL_REDIS_CLUSTER_PORTS): string {
  return formatRedisClusterUrl(ports.map((port) => ({ host: '127.0.0.1', port })));
}

async function onNode<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  r.on('error', () => {}); // a node that does not answer fails the command; the event would only print it
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** CLUSTER INFO of a node as a map; undefined when it does not answer or is not in cluster mode. */
export async function clusterInfo(port: number): Promise<Record<string, string> | undefined> {
  try {
    const text = await onNode(port, (r) => r.call('CLUSTER', 'INFO') as Promise<string>);
    return Object.fromEntries(text.split(/\r?\n/).filter(Boolean).map((l) => l.split(':', 2) as [string, string]));
  } catch {
    return undefined;
  }
}

/** True when every node answers and reports a healthy cluster with every slot assigned. */
export async function clusterHealthy(ports: readonly number[]): Promise<boolean> {
  const infos = await Promise.all(ports.map(clusterInfo));
  return infos.every((i) => i?.cluster_state === 'ok' && i.cluster_slots_assigned === String(CLUSTER_SLOTS) && i.cluster_known_nodes === String(ports.length));
}

/**
 * Starts (or finds) a Redis Cluster of one primary per port, as local
 * redis-server processes without persistence: slots split evenly
 * (CLUSTER ADDSLOTSRANGE), nodes introduced by CLUSTER MEET. Idempotent: a
 * healthy cluster of ours is reused; anything half-made is stopped and made
 * again (it holds no data worth keeping).
 */
export async function clusterUp(dir: string, log: StackLog, ports: readonly number[] = LOCAL_REDIS_CLUSTER_PORTS): Promise<string> {
  const url = localClusterUrl(ports);
  const pids = ports.map((p) => readPid(clusterNodeProcess(dir, p)));
  if (pids.every((p) => p !== undefined) && (await clusterHealthy(ports))) {
    log(`redis cluster: already running (pids ${pids.join(', ')}) at ${url}`);
    return url;
  }
  await clusterDown(dir, ports);
  for (const port of ports) {
    if ((await portAnswers(port)) || (await portAnswers(port + 10_000))) {
      throw new CarestreamError('CS_ERR_STACK_START', `redis cluster: something else answers on 127.0.0.1:${port} (or its bus port ${port + 10_000}); stop it or set REDIS_URL`);
    }
  }
  const server = which('redis-server');
  if (!server) throw new CarestreamError('CS_ERR_STACK_TOOL_MISSING', 'redis-server not found (Debian: apt-get install redis-server), or set REDIS_URL');
  const started: number[] = [];
  for (const port of ports) {
    const nodeDir = join(dir, 'run', `redis-cluster-${port}`);
    rmSync(nodeDir, { recursive: true, force: true }); // an old nodes.conf would bring back an old cluster
    mkdirSync(nodeDir, { recursive: true });
    const pid = startDetached(clusterNodeProcess(dir, port), server, [
      '--bind', '127.0.0.1', '--port', String(port), '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
      '--cluster-node-timeout', '5000', '--save', '', '--appendonly', 'no', '--dir', nodeDir,
    ]);
    started.push(pid);
  }
  log(`redis cluster: starting ${ports.length} redis-server primaries (pids ${started.join(', ')}) at ${url}`);
  await Promise.all(ports.map((port, i) => waitFor(`redis cluster node ${port}`, () => redisAnswers(port), { timeoutMs: 20_000, alive: () => isAlive(started[i]!) })));
  const ranges = slotRanges(ports.length);
  await Promise.all(ports.map((port, i) => onNode(port, (r) => r.call('CLUSTER', 'ADDSLOTSRANGE', String(ranges[i]![0]), String(ranges[i]![1])))));
  await onNode(ports[0]!, async (r) => {
    for (const port of ports.slice(1)) await r.call('CLUSTER', 'MEET', '127.0.0.1', String(port));
  });
  await waitFor('redis cluster', () => clusterHealthy(ports), { timeoutMs: 30_000, alive: () => started.every(isAlive) });
  return url;
}

/** Stops the cluster's nodes; how many were running. */
export async function clusterDown(dir: string, ports: readonly number[] = LOCAL_REDIS_CLUSTER_PORTS): Promise<number> {
  const stopped = await Promise.all(ports.map((p) => stop(clusterNodeProcess(dir, p))));
  for (const p of ports) rmSync(join(dir, 'run', `redis-cluster-${p}`), { recursive: true, force: true });
  return stopped.filter(Boolean).length;
}

export interface ClusterNodeStatus {
  readonly port: number;
  readonly pid: number | undefined;
  readonly answering: boolean;
  /** cluster_state and the node's slots, or why not. */
  readonly detail: string;
}

/** The slots a node says it owns (CLUSTER NODES, its "myself" line), e.g. "0-5460". */
async function ownSlots(port: number): Promise<string | undefined> {
  try {
    const text = await onNode(port, (r) => r.call('CLUSTER', 'NODES') as Promise<string>);
    const mine = text.split('\n').find((l) => l.split(' ')[2]?.split(',').includes('myself'));
    return mine ? mine.trim().split(' ').slice(8).join(' ') || 'none' : undefined;
  } catch {
    return undefined;
  }
}

export async function clusterStatus(dir: string, ports: readonly number[] = LOCAL_REDIS_CLUSTER_PORTS): Promise<ClusterNodeStatus[]> {
  return Promise.all(ports.map(async (port) => {
    const [info, slots] = await Promise.all([clusterInfo(port), ownSlots(port)]);
    return {
      port,
      pid: readPid(clusterNodeProcess(dir, port)),
      answering: info?.cluster_state === 'ok',
      detail: info ? `cluster_state ${info.cluster_state}, slots ${slots ?? 'unknown'}` : 'not answering',
    };
  }));
}

/** Whether any node of the local cluster has a live pid (so `stack status` shows the cluster). */
export function clusterRunning(dir: string, ports: readonly number[] = LOCAL_REDIS_CLUSTER_PORTS): boolean {
  return ports.some((p) => readPid(clusterNodeProcess(dir, p)) !== undefined);
}
