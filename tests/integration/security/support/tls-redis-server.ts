import { join } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAlive, startDetached, stop, which, type Managed } from '../../../../src/stack/local/processes.ts';
import { portAnswers, waitFor } from '../../../../src/stack/local/net.ts';
import type { TestPki } from './certs.ts';
import { freePort } from '../../../support/free-port.ts';

/**
 * A redis-server of its own (the machine's Redis is left alone) that speaks
 * only TLS, demands a client certificate signed by the test CA, and knows one
 * ACL user.
 */
export interface TlsRedisServer {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startTlsRedisServer(pki: TestPki, user: { name: string; password: string }): Promise<TlsRedisServer> {
  const server = which('redis-server');
  if (!server) throw new Error('redis-server not found (Debian: apt-get install redis-server)');
  const port = await freePort();
  const m: Managed = { name: 'tls-redis', pidFile: join(pki.dir, 'redis.pid'), logFile: join(pki.dir, 'redis.log') };
  // A config file rather than arguments: `user` lines hold several tokens.
  const conf = join(pki.dir, 'redis.conf');
  writeFileSync(conf, [
    'bind 127.0.0.1',
    'port 0',
    `tls-port ${port}`,
    `tls-cert-file ${pki.serverCert}`,
    `tls-key-file ${pki.serverKey}`,
    `tls-ca-cert-file ${pki.caCert}`,
    'tls-auth-clients yes',
    'save ""',
    'appendonly no',
    `dir ${pki.dir}`,
    'user default off',
    `user ${user.name} on >${user.password} ~* +@all`,
    '',
  ].join('\n'));
  const pid = startDetached(m, server, [conf]);
  try {
    await waitFor('TLS redis-server', () => portAnswers(port), { timeoutMs: 20_000, alive: () => isAlive(pid) });
  } catch (err) {
    const tail = existsSync(m.logFile) ? readFileSync(m.logFile, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    await stop(m);
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
  return { url: `rediss://127.0.0.1:${port}`, stop: async () => void (await stop(m)) };
}
