import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { CarestreamError } from '../../errors.ts';
import type { StackLog } from '../types.ts';
import { KAFKA_VERSION, LOCAL_PORTS } from './versions.ts';
import { portAnswers, waitFor } from './net.ts';
import { isAlive, readPid, startDetached, stop, type Managed } from './processes.ts';
import { requireJava, requireMaven, runMaven } from './tools.ts';

const POM = new URL('./kafka.pom.xml', import.meta.url).pathname;
const LOG4J = new URL('./kafka-log4j2.properties', import.meta.url).pathname;

export function kafkaProcess(dir: string): Managed {
  return { name: 'kafka', pidFile: join(dir, 'run', 'kafka.pid'), logFile: join(dir, 'logs', 'kafka.log') };
}

/** Copies the broker's jars from Maven Central into the cache, once per version. */
function ensureJars(dir: string, log: StackLog): string {
  const libs = join(dir, 'downloads', `kafka-${KAFKA_VERSION}`);
  if (existsSync(join(libs, '.complete'))) return libs;
  const mvn = requireMaven();
  log(`kafka: first run: downloading the Kafka ${KAFKA_VERSION} jars (~55 MB) from Maven Central into ${join(dir, 'downloads')}, once; usually under two minutes`);
  const tmp = `${libs}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  runMaven(mvn, ['-f', POM, `-Dkafka.version=${KAFKA_VERSION}`, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`, '-DincludeScope=runtime'], `Kafka ${KAFKA_VERSION}`);
  writeFileSync(join(tmp, '.complete'), KAFKA_VERSION);
  rmSync(libs, { recursive: true, force: true });
  renameSync(tmp, libs);
  return libs;
}

/**
 * What it takes to run Kafka's own classes (the broker, StorageTool) from the
 * jars the local stack fetched: for tests that need a second, differently
 * configured broker (TLS, SASL) next to the shared one.
 */
export function kafkaRuntime(dir: string, log: StackLog): { java: string; classpath: string; log4jConfig: string } {
  return { java: requireJava(), classpath: `${ensureJars(dir, log)}/*`, log4jConfig: LOG4J };
}

/** Where a broker listens: the local stack's ports, or others for a second broker (the chaos suite's). */
export interface KafkaPorts {
  readonly kafka: number;
  readonly controller: number;
}

function serverProperties(dataDir: string, ports: KafkaPorts): string {
  const { kafka, controller } = ports;
  return [
    '# Written by carestream stack: a single KRaft node (broker + controller) for development and tests.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${kafka},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${kafka}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    // One node: the internal topics cannot have more than one replica.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'num.partitions=6',
    '',
  ].join('\n');
}

/** True when a Kafka broker answers metadata requests at `broker`. */
export async function isKafkaBroker(broker: string): Promise<boolean> {
  const admin = new Kafka({ clientId: 'carestream-stack', brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 1 } }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export async function kafkaUp(dir: string, log: StackLog, ports: KafkaPorts = LOCAL_PORTS): Promise<string> {
  const m = kafkaProcess(dir);
  const broker = `127.0.0.1:${ports.kafka}`;
  const running = readPid(m);
  if (running !== undefined && (await portAnswers(ports.kafka))) {
    log(`kafka: already running (pid ${running}) at ${broker}`);
    return broker;
  }
  if (running === undefined && (await portAnswers(ports.kafka))) {
    // Ports are machine-wide but pid files live in one checkout: a broker another
    // checkout started answers here too, and reusing it is what "idempotent" means.
    if (await isKafkaBroker(broker)) {
      log(`kafka: a broker started elsewhere answers at ${broker}; reusing it`);
      return broker;
    }
    throw new CarestreamError('CS_ERR_STACK_PORT_TAKEN', `port ${ports.kafka} is in use by a program that is not a Kafka broker; stop it or set KAFKA_BROKERS`);
  }
  const java = requireJava();
  const libs = ensureJars(dir, log);
  const classpath = `${libs}/*`;
  const dataDir = join(dir, 'kafka-data');
  const props = join(dir, 'run', 'server.properties');
  mkdirSync(join(dir, 'run'), { recursive: true });
  writeFileSync(props, serverProperties(dataDir, ports));
  if (!existsSync(dataDir) || readdirSync(dataDir).length === 0) {
    // `--cluster-id=` and not `-t <id>`: one id in 64 starts with "-" and would be read as an option.
    const format = spawnSync(java, ['-cp', classpath, `-Dlog4j2.configurationFile=${LOG4J}`, 'kafka.tools.StorageTool', 'format', `--cluster-id=${randomBytes(16).toString('base64url')}`, '-c', props, '--ignore-formatted'], { encoding: 'utf8' });
    if (format.status !== 0) {
      throw new CarestreamError('CS_ERR_STACK_START', `kafka: formatting the storage failed: ${format.stderr.trim().split('\n').pop()}`);
    }
  }
  const pid = startDetached(m, java, [
    '-Xms256m', '-Xmx1g', '-XX:+UseG1GC',
    `-Dlog4j2.configurationFile=${LOG4J}`,
    `-Dkafka.logs.dir=${join(dir, 'logs')}`,
    '-cp', classpath, 'kafka.Kafka', props,
  ]);
  log(`kafka: starting Kafka ${KAFKA_VERSION} (pid ${pid}), log ${m.logFile}`);
  try {
    await waitFor('kafka', () => portAnswers(ports.kafka), { timeoutMs: 90_000, alive: () => isAlive(pid) });
  } catch (err) {
    throw new CarestreamError('CS_ERR_STACK_START', `${(err as Error).message}; see ${m.logFile}`);
  }
  return broker;
}

export async function kafkaDown(dir: string, wipe: boolean): Promise<boolean> {
  const stopped = await stop(kafkaProcess(dir));
  if (wipe) rmSync(join(dir, 'kafka-data'), { recursive: true, force: true });
  return stopped;
}
