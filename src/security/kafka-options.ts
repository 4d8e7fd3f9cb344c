import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { KafkaSecurity } from './settings.ts';

/** The `ssl` and `sasl` parts of a KafkaJS client config; empty for a plaintext broker. */
export function kafkaSecurityOptions(s: KafkaSecurity): { ssl?: ConnectionOptions; sasl?: SASLOptions } {
  const out: { ssl?: ConnectionOptions; sasl?: SASLOptions } = {};
  if (s.ssl) {
    out.ssl = {
      rejectUnauthorized: s.ssl.rejectUnauthorized,
      // Without a CA file, Node's bundled CAs verify the broker (a public CA).
      ...(s.ssl.ca !== undefined && { ca: [s.ssl.ca] }),
      ...(s.ssl.cert !== undefined && { cert: s.ssl.cert }),
      ...(s.ssl.key !== undefined && { key: s.ssl.key.reveal() }),
    };
  }
  if (s.sasl) out.sasl = { mechanism: s.sasl.mechanism, username: s.sasl.username, password: s.sasl.password.reveal() };
  return out;
}
