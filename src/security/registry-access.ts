import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { CarestreamError } from '../errors.ts';
import type { RegistrySecurity } from './settings.ts';
import type { Secret } from './secret.ts';

/**
 * How to reach the schema registry: its URL, basic-auth credentials and, for
 * https with a private CA, an agent that trusts it. Shared by the
 * schema-registry client and the raw schema fetches of src/kafka/serde.ts.
 */
export interface RegistryConnection {
  readonly url: string;
  readonly auth: { readonly username: string; readonly password: Secret } | undefined;
  readonly agent: HttpsAgent | undefined;
}

export function registryConnection(url: string, s: RegistrySecurity | undefined): RegistryConnection {
  return {
    url: url.replace(/\/$/, ''),
    auth: s?.auth,
    agent: s?.ca !== undefined ? new HttpsAgent({ ca: s.ca, keepAlive: true }) : undefined,
  };
}

/** The registry's answer to a refused request, in words that say which setting to check. */
export function refusalMessage(status: number, c: Pick<RegistryConnection, 'auth'>): string | undefined {
  if (status === 401) {
    return c.auth
      ? 'the schema registry refused the credentials (401): check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD'
      : 'the schema registry demands credentials (401): set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD';
  }
  if (status === 403) return 'the schema registry user is not allowed this request (403): check its permissions';
  return undefined;
}

type SchemaRegistryAPIClientArgs = ConstructorParameters<typeof SchemaRegistry>[0];

/** Constructor arguments of @kafkajs/confluent-schema-registry's SchemaRegistry. */
export function registryClientArgs(c: RegistryConnection, clientId: string): SchemaRegistryAPIClientArgs {
  // Turns the client's "carestream - Unauthorized" into a sentence naming the settings;
  // `status` stays on the error, which the client itself looks at (404s).
  const refusals: NonNullable<SchemaRegistryAPIClientArgs['middlewares']>[number] = () => ({
    response: (next) =>
      next().catch((err: unknown) => {
        const status = (err as { status?: unknown } | null)?.status;
        const message = typeof status === 'number' ? refusalMessage(status, c) : undefined;
        throw message ? Object.assign(new CarestreamError('CS_ERR_REGISTRY', message, { cause: err }), { status }) : err;
      }),
  });
  return {
    host: c.url,
    clientId,
    ...(c.auth && { auth: { username: c.auth.username, password: c.auth.password.reveal() } }),
    ...(c.agent && { agent: c.agent }),
    middlewares: [refusals],
  };
}

/** GET `path` under the registry URL with the connection's credentials and CA. */
export function registryGet(c: RegistryConnection, path: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  const url = new URL(`${c.url}${path}`);
  const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
  if (c.auth) headers.authorization = `Basic ${Buffer.from(`${c.auth.username}:${c.auth.password.reveal()}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET', headers, ...(c.agent && { agent: c.agent }), timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`schema registry did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
