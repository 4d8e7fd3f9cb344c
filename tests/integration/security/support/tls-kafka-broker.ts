import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { kafkaRuntime } from '../../../../src/stack/local/kafka.ts';
import { defaultStackDir } from '../../../../src/stack/local/index.ts';
import { isAlive, startDetached, stop, type Managed } from '../../../../src/stack/local/processes.ts';
import { portAnswers, waitFor } from '../../../../src/stack/local/net.ts';
import type { TestPki } from './certs.ts';
import { freePort } from '../../../support/free-port.ts';

/**
 * A second Kafka broker (KRaft, one node) from the jars the local stack
 * fetched, with only encrypted client listeners: SSL, and SASL_SSL with
 * SCRAM-SHA-512 for one user created when the storage is formatted. The shared
 * broker is left alone.
 */
export interface TlsKafkaBroker {
  readonly ssl: string;
  readonly saslSsl: string;
  readonly scramUser: string;
  readonly scramPassword: string;
  stop(): Promise<void>;
}

export async function startTlsKafkaBroker(pki: TestPki, stackDir?: string): Promise<TlsKafkaBroker> {
  const { java, classpath, log4jConfig } = kafkaRuntime(stackDir ?? defaultStackDir(), () => {});
  const [sslPort, saslPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
  const dir = join(pki.dir, 'kafka');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const scramUser = `it-scram-${randomBytes(3).toString('hex')}`;
  const scramPassword = randomBytes(12).toString('hex');
  const store = (prefix: string) => [
    `${prefix}ssl.keystore.type=PKCS12`,
    `${prefix}ssl.keystore.location=${pki.serverKeystore}`,
    `${prefix}ssl.keystore.password=${pki.storePassword}`,
    `${prefix}ssl.key.password=${pki.storePassword}`,
    `${prefix}ssl.truststore.type=PKCS12`,
    `${prefix}ssl.truststore.location=${pki.truststore}`,
    `${prefix}ssl.truststore.password=${pki.storePassword}`,
  ];
  const props = join(dir, 'server.properties');
  writeFileSync(props, [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=SSL://127.0.0.1:${sslPort},SASL_SSL://127.0.0.1:${saslPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=SSL://127.0.0.1:${sslPort},SASL_SSL://127.0.0.1:${saslPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=SSL',
    'listener.security.protocol.map=SSL:SSL,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
    ...store(''),
    'ssl.client.auth=none',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    `log.dirs=${join(dir, 'data')}`,
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n'));
  const format = spawnSync(java, [
    '-cp', classpath, `-Dlog4j2.configurationFile=${log4jConfig}`, 'kafka.tools.StorageTool', 'format',
    // The = form: a random id may begin with '-', which the parser would take for an option.
    `--cluster-id=${randomBytes(16).toString('base64url')}`, '-c', props,
    '--add-scram', `SCRAM-SHA-512=[name=${scramUser},password=${scramPassword}]`,
  ], { encoding: 'utf8' });
  if (format.status !== 0) throw new Error(`formatting the TLS broker's storage failed: ${`${format.stderr}${format.stdout}`.trim().split('\n').slice(-3).join(' | ')}`);

  const m: Managed = { name: 'tls-kafka', pidFile: join(dir, 'kafka.pid'), logFile: join(dir, 'kafka.log') };
  const pid = startDetached(m, java, ['-Xms128m', '-Xmx512m', `-Dlog4j2.configurationFile=${log4jConfig}`, `-Dkafka.logs.dir=${dir}`, '-cp', classpath, 'kafka.Kafka', props]);
  try {
    await waitFor('TLS kafka broker', async () => (await portAnswers(sslPort)) && (await portAnswers(saslPort)), { timeoutMs: 120_000, alive: () => isAlive(pid) });
  } catch (err) {
    const tail = existsSync(m.logFile) ? readFileSync(m.logFile, 'utf8').trim().split('\n').slice(-15).join('\n') : '';
    await stop(m);
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
  return {
    ssl: `127.0.0.1:${sslPort}`,
    saslSsl: `127.0.0.1:${saslPort}`,
    scramUser,
    scramPassword,
    stop: async () => {
      await stop(m);
    },
  };
}
