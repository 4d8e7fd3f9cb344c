import { createServer } from 'node:net';
import type { StackEndpoints, StackLog } from './types.ts';
import { KAFKA_VERSION } from './local/versions.ts';

/** Images of the container path; the same ones docker-compose.yml uses. */
export const IMAGES = Object.freeze({
  kafka: `apache/kafka:${KAFKA_VERSION}`,
  registry: 'confluentinc/cp-schema-registry:7.9.0',
  redis: 'redis:7.4-alpine',
});

/** True when testcontainers finds a container runtime (Docker, Podman, ...). */
export async function containerRuntimeAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface ContainerStack extends StackEndpoints {
  stop(): Promise<void>;
}

/**
 * Kafka (KRaft), Confluent's schema registry and Redis as containers on one
 * network. Kafka must advertise the host port clients use, so that port is
 * chosen before the container starts; the registry reaches Kafka on an internal
 * listener by network alias.
 */
export async function startContainers(log: StackLog): Promise<ContainerStack> {
  const { GenericContainer, Network, Wait } = await import('testcontainers');
  const network = await new Network().start();
  const kafkaPort = await freePort();
  log(`containers: starting ${IMAGES.kafka}, ${IMAGES.registry}, ${IMAGES.redis}`);
  const kafka = await new GenericContainer(IMAGES.kafka)
    .withNetwork(network)
    .withNetworkAliases('kafka')
    .withExposedPorts({ container: 9092, host: kafkaPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093,INTERNAL://:19092',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${kafkaPort},INTERNAL://kafka:19092`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(120_000)
    .start();
  const [registry, redis] = await Promise.all([
    new GenericContainer(IMAGES.registry)
      .withNetwork(network)
      .withExposedPorts(8081)
      .withEnvironment({
        SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
        SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
        SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:19092',
        SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL: 'backward',
      })
      .withWaitStrategy(Wait.forHttp('/subjects', 8081))
      .withStartupTimeout(120_000)
      .start(),
    new GenericContainer(IMAGES.redis).withExposedPorts(6379).withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/)).start(),
  ]);
  return {
    kafkaBrokers: [`localhost:${kafkaPort}`],
    registryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8081)}`,
    redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    source: 'containers',
    async stop() {
      await Promise.all([registry.stop(), redis.stop()]);
      await kafka.stop();
      await network.stop();
    },
  };
}
