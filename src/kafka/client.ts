import { Kafka, logLevel, type logCreator } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { StackEndpoints } from '../stack/types.ts';
import { kafkaSecurityOptions } from '../security/kafka-options.ts';
import { registryClientArgs, registryConnection, type RegistryConnection } from '../security/registry-access.ts';

// KafkaJS prints a warning per producer about its v2 partitioner change; ours is
// the default murmur2-compatible one on purpose.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

/**
 * KafkaJS 2.2 computes some timer delays that come out negative on Node 24 and
 * Node prints a TimeoutNegativeWarning for each (the timer fires at once, which
 * is what KafkaJS meant). Every other warning still goes to stderr.
 */
let warningFilterInstalled = false;
function silenceKafkaJsTimerWarnings(): void {
  if (warningFilterInstalled) return;
  warningFilterInstalled = true;
  const previous = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name === 'TimeoutNegativeWarning') return;
    if (previous.length === 0) process.stderr.write(`${w.name}: ${w.message}\n`);
    for (const l of previous) l(w);
  });
}

const TRANSIENT = ['The coordinator is loading', 'The group coordinator is not available', 'There is no leader for this topic-partition', 'This is not the correct coordinator'];

const CONCURRENT_TRANSACTIONS = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

/** KafkaJS log lines go through pino, at the levels pino is set to. */
export function pinoLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () => ({ level, log }) => {
    const { message, ...extra } = log;
    // Said once per idempotent producer: our producers retry for a bounded time
    // on purpose (a supervisor restarts the service), and exactly-once rests on
    // the transactions, not on endless retries.
    if (message.startsWith('Limiting retries for the idempotent producer')) return child.debug(extra, message);
    // The coordinator still completing the previous commit: expected between
    // back-to-back transactions, and retried by the ingestor.
    // kafkajs says it in `error` (the transaction's requests) or in the message itself ("Failed to send messages: ...").
    if ((extra as { error?: unknown }).error === CONCURRENT_TRANSACTIONS || message.includes(CONCURRENT_TRANSACTIONS)) return child.debug(extra, message);
    // Transient start-up states of a broker or a new group, retried by kafkajs itself.
    if (TRANSIENT.some((t) => message.includes(t) || String((extra as { error?: unknown }).error ?? '').includes(t))) return child.debug(extra, message);
    if (level === logLevel.ERROR) child.error(extra, message);
    else if (level === logLevel.WARN) child.warn(extra, message);
    else if (level === logLevel.INFO) child.debug(extra, message);
    else child.trace(extra, message);
  };
}

/** A KafkaJS client for the endpoints, with the TLS and SASL settings of config.security.kafka. */
export function createKafka(endpoints: StackEndpoints, config: Config, logger: Logger): Kafka {
  silenceKafkaJsTimerWarnings();
  if (config.security.kafka.ssl?.rejectUnauthorized === false) {
    logger.warn('KAFKA_SSL_REJECT_UNAUTHORIZED=false: the broker certificate is not verified, so the connection can be intercepted');
  }
  return new Kafka({
    clientId: config.kafka.clientId,
    brokers: [...endpoints.kafkaBrokers],
    logLevel: logLevel.INFO,
    logCreator: pinoLogCreator(logger),
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
    ...kafkaSecurityOptions(config.security.kafka),
  });
}

/** How to reach the registry (URL, basic auth, CA): the client below and the Serde's schema fetches share it. */
export function createRegistryConnection(endpoints: StackEndpoints, config: Config): RegistryConnection {
  return registryConnection(endpoints.registryUrl, config.security.registry);
}

export function createRegistry(endpoints: StackEndpoints, config: Config): SchemaRegistry {
  return new SchemaRegistry(registryClientArgs(createRegistryConnection(endpoints, config), 'carestream'), { [SchemaType.AVRO]: {} });
}
