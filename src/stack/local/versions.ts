/**
 * Pinned versions of the local stack (see README, "The stack"). Kafka 4.1 is the
 * newest line kafkajs was checked against here, transactions included; Apicurio
 * 3.0.x is the newest registry line on Maven Central that runs on Java 17
 * (3.1.x is not published there, 3.2+ needs Java 21).
 */
export const KAFKA_VERSION = '4.1.1';
export const APICURIO_VERSION = '3.0.9';

/** Ports of the local stack: off the well-known ones so a developer's own Kafka on 9092 is left alone. */
export const LOCAL_PORTS = Object.freeze({
  kafka: 19092,
  controller: 19093,
  registry: 18081,
  redis: 16379,
});

/**
 * The local Redis Cluster (REDIS_CLUSTER=true): three primaries, no replicas.
 * Each node also listens on its port + 10000 (the cluster bus).
 */
export const LOCAL_REDIS_CLUSTER_PORTS: readonly number[] = Object.freeze([17001, 17002, 17003]);
