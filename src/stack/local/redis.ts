import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { CarestreamError } from '../../errors.ts';
import type { StackLog } from '../types.ts';
import { LOCAL_PORTS } from './versions.ts';
import { waitFor } from './net.ts';
import { isAlive, readPid, startDetached, stop, which, type Managed } from './processes.ts';

export function redisProcess(dir: string): Managed {
  return { name: 'redis', pidFile: join(dir, 'run', 'redis.pid'), logFile: join(dir, 'logs', 'redis.log') };
}

/** True when a Redis server answers PING on the port (not merely something listening). */
export function redisAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    let buf = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG') || buf.startsWith('-NOAUTH'));
    });
    socket.once('error', () => done(false));
  });
}

/** The machine's Redis on 6379 when one answers; else a redis-server of our own. */
export async function redisUp(dir: string, log: StackLog): Promise<string> {
  if (await redisAnswers(6379)) {
    log('redis: using the server that answers on 127.0.0.1:6379');
    return 'redis://127.0.0.1:6379';
  }
  const url = `redis://127.0.0.1:${LOCAL_PORTS.redis}`;
  const m = redisProcess(dir);
  const running = readPid(m);
  if (running !== undefined && (await redisAnswers(LOCAL_PORTS.redis))) {
    log(`redis: already running (pid ${running}) at ${url}`);
    return url;
  }
  const server = which('redis-server');
  if (!server) {
    throw new CarestreamError('CS_ERR_STACK_TOOL_MISSING', 'redis-server not found and no Redis answers on 127.0.0.1:6379 (Debian: apt-get install redis-server), or set REDIS_URL');
  }
  mkdirSync(join(dir, 'run'), { recursive: true });
  // Foreground (no --daemonize) so the pid we record is the server's own.
  const pid = startDetached(m, server, ['--bind', '127.0.0.1', '--port', String(LOCAL_PORTS.redis), '--save', '', '--appendonly', 'no', '--dir', join(dir, 'run')]);
  log(`redis: starting redis-server (pid ${pid}) at ${url}`);
  await waitFor('redis', () => redisAnswers(LOCAL_PORTS.redis), { timeoutMs: 20_000, alive: () => isAlive(pid) });
  return url;
}

export async function redisDown(dir: string): Promise<boolean> {
  return stop(redisProcess(dir));
}
