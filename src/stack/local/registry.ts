import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CarestreamError } from '../../errors.ts';
import type { StackLog } from '../types.ts';
import { APICURIO_VERSION, LOCAL_PORTS } from './versions.ts';
import { portAnswers, waitFor } from './net.ts';
import { isAlive, readPid, startDetached, stop, type Managed } from './processes.ts';
import { requireJava, requireMaven, runMaven } from './tools.ts';

const POM = new URL('./kafka.pom.xml', import.meta.url).pathname;

export function registryProcess(dir: string): Managed {
  return { name: 'registry', pidFile: join(dir, 'run', 'registry.pid'), logFile: join(dir, 'logs', 'registry.log') };
}

export const localRegistryUrl = () => `http://127.0.0.1:${LOCAL_PORTS.registry}/apis/ccompat/v7`;

/** Fetches Apicurio's distribution (a tar.gz on Maven Central) and unpacks it, once per version. */
function ensureDistribution(dir: string, log: StackLog): string {
  const home = join(dir, 'downloads', `apicurio-registry-${APICURIO_VERSION}`);
  if (existsSync(join(home, '.complete'))) return home;
  const mvn = requireMaven();
  log(`registry: first run: downloading Apicurio Registry ${APICURIO_VERSION} (~110 MB) from Maven Central into ${join(dir, 'downloads')}, once; usually two to three minutes`);
  const tmp = `${home}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  runMaven(mvn, ['-f', POM, 'dependency:copy', `-Dartifact=io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`, `-DoutputDirectory=${tmp}`], `Apicurio Registry ${APICURIO_VERSION}`);
  const archive = readdirSync(tmp).find((f) => f.endsWith('.tar.gz'));
  if (!archive) throw new CarestreamError('CS_ERR_STACK_START', 'registry: maven fetched no tar.gz');
  const untar = spawnSync('tar', ['-xzf', archive], { cwd: tmp, encoding: 'utf8' });
  if (untar.status !== 0) throw new CarestreamError('CS_ERR_STACK_START', `registry: unpacking failed: ${untar.stderr.trim()}`);
  rmSync(join(tmp, archive));
  writeFileSync(join(tmp, '.complete'), APICURIO_VERSION);
  rmSync(home, { recursive: true, force: true });
  renameSync(tmp, home);
  return home;
}

async function subjectsAnswer(): Promise<boolean> {
  const res = await fetch(`${localRegistryUrl()}/subjects`, { signal: AbortSignal.timeout(2000) });
  return res.ok;
}

/**
 * The Confluent API's global compatibility defaults to NONE in Apicurio; the
 * contract (docs/EVENTS.md) says BACKWARD, and the schema-registry client compares
 * against it when registering existing subjects.
 */
async function setBackwardCompatibility(): Promise<void> {
  const res = await fetch(`${localRegistryUrl()}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: 'BACKWARD' }),
  });
  if (!res.ok) throw new CarestreamError('CS_ERR_REGISTRY', `registry: setting BACKWARD compatibility answered ${res.status}`);
}

export async function registryUp(dir: string, log: StackLog): Promise<string> {
  const m = registryProcess(dir);
  const running = readPid(m);
  if (running !== undefined && (await subjectsAnswer().catch(() => false))) {
    log(`registry: already running (pid ${running}) at ${localRegistryUrl()}`);
    return localRegistryUrl();
  }
  if (running === undefined && (await portAnswers(LOCAL_PORTS.registry))) {
    if (await subjectsAnswer().catch(() => false)) {
      log(`registry: a registry started elsewhere answers at ${localRegistryUrl()}; reusing it`);
      await setBackwardCompatibility();
      return localRegistryUrl();
    }
    throw new CarestreamError('CS_ERR_STACK_PORT_TAKEN', `port ${LOCAL_PORTS.registry} is in use by a program that is not a schema registry; stop it or set SCHEMA_REGISTRY_URL`);
  }
  const java = requireJava();
  const home = ensureDistribution(dir, log);
  const runner = readdirSync(home).find((f) => f.endsWith('-runner.jar'));
  if (!runner) throw new CarestreamError('CS_ERR_STACK_START', `registry: no runner jar in ${home}`);
  const db = join(dir, 'registry-data', 'registry');
  mkdirSync(join(dir, 'registry-data'), { recursive: true });
  const pid = startDetached(m, java, [
    '-Xms128m', '-Xmx512m',
    `-Dquarkus.http.port=${LOCAL_PORTS.registry}`,
    '-Dquarkus.http.host=127.0.0.1',
    // A file database, so a registry restart keeps schema ids that records on Kafka already carry.
    `-Dapicurio.datasource.url=jdbc:h2:file:${db}`,
    '-Dquarkus.log.level=WARN',
    '-Dquarkus.http.access-log.enabled=false',
    '-jar', join(home, runner),
  ]);
  log(`registry: starting Apicurio Registry ${APICURIO_VERSION} (pid ${pid}), log ${m.logFile}`);
  try {
    await waitFor('registry', subjectsAnswer, { timeoutMs: 120_000, alive: () => isAlive(pid) });
  } catch (err) {
    throw new CarestreamError('CS_ERR_STACK_START', `${(err as Error).message}; see ${m.logFile}`);
  }
  await setBackwardCompatibility();
  return localRegistryUrl();
}

export async function registryDown(dir: string, wipe: boolean): Promise<boolean> {
  const stopped = await stop(registryProcess(dir));
  if (wipe) rmSync(join(dir, 'registry-data'), { recursive: true, force: true });
  return stopped;
}
