import { readFileSync } from 'node:fs';
import { CarestreamError } from '../errors.ts';
import { Secret } from './secret.ts';

/**
 * Credentials and TLS material for Kafka, Redis and the schema registry, as
 * src/config.ts parsed them. Secrets come from `X` or from the file named by
 * `X_FILE` (Docker and Kubernetes secrets); setting both is an error rather
 * than a silent choice. Files are read once, when the configuration is loaded.
 */

export const SASL_MECHANISMS = ['scram-sha-256', 'scram-sha-512', 'plain'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** PEM certificates (not secret) and a PEM private key (secret). */
export interface TlsMaterial {
  readonly ca: string | undefined;
  readonly cert: string | undefined;
  readonly key: Secret | undefined;
}

export interface KafkaSecurity {
  /** undefined: plaintext. */
  readonly ssl: (TlsMaterial & { readonly rejectUnauthorized: boolean }) | undefined;
  readonly sasl: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: Secret } | undefined;
}

export interface RedisSecurity {
  readonly username: string | undefined;
  readonly password: Secret | undefined;
  /** Certificates for a rediss:// URL; undefined means the system's CAs and no client certificate. */
  readonly tls: TlsMaterial | undefined;
}

export interface RegistrySecurity {
  /** HTTP basic auth. */
  readonly auth: { readonly username: string; readonly password: Secret } | undefined;
  /** CA of an https:// registry; undefined means the system's CAs. */
  readonly ca: string | undefined;
}

export interface SecuritySettings {
  readonly kafka: KafkaSecurity;
  readonly redis: RedisSecurity;
  readonly registry: RegistrySecurity;
}

/** The parsed variables this module reads (src/config.ts's schema output is a superset). */
export interface SecurityEnv {
  readonly KAFKA_BROKERS?: readonly string[] | undefined;
  readonly SCHEMA_REGISTRY_URL?: string | undefined;
  readonly REDIS_URL?: string | undefined;
  readonly KAFKA_SSL: boolean;
  readonly KAFKA_SSL_CA_FILE?: string | undefined;
  readonly KAFKA_SSL_CERT_FILE?: string | undefined;
  readonly KAFKA_SSL_KEY_FILE?: string | undefined;
  readonly KAFKA_SSL_REJECT_UNAUTHORIZED: boolean;
  readonly KAFKA_SASL_MECHANISM?: SaslMechanism | undefined;
  readonly KAFKA_SASL_USERNAME?: string | undefined;
  readonly KAFKA_SASL_PASSWORD?: string | undefined;
  readonly KAFKA_SASL_PASSWORD_FILE?: string | undefined;
  readonly REDIS_USERNAME?: string | undefined;
  readonly REDIS_PASSWORD?: string | undefined;
  readonly REDIS_PASSWORD_FILE?: string | undefined;
  readonly REDIS_TLS_CA_FILE?: string | undefined;
  readonly REDIS_TLS_CERT_FILE?: string | undefined;
  readonly REDIS_TLS_KEY_FILE?: string | undefined;
  readonly SCHEMA_REGISTRY_USERNAME?: string | undefined;
  readonly SCHEMA_REGISTRY_PASSWORD?: string | undefined;
  readonly SCHEMA_REGISTRY_PASSWORD_FILE?: string | undefined;
  readonly SCHEMA_REGISTRY_CA_FILE?: string | undefined;
}

/** Every security variable, in the order .env.example documents them. */
export const SECURITY_VARIABLES = Object.freeze([
  'KAFKA_SSL', 'KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE', 'KAFKA_SSL_REJECT_UNAUTHORIZED',
  'KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE',
  'REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_PASSWORD_FILE', 'REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE',
  'SCHEMA_REGISTRY_USERNAME', 'SCHEMA_REGISTRY_PASSWORD', 'SCHEMA_REGISTRY_PASSWORD_FILE', 'SCHEMA_REGISTRY_CA_FILE',
] as const satisfies readonly (keyof SecurityEnv)[]);

export interface SecurityIssue {
  readonly variable: string;
  readonly message: string;
}

const protocolOf = (url: string | undefined): string | undefined => {
  if (url === undefined) return undefined;
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
};

const hasCredentials = (url: string | undefined): boolean => {
  if (url === undefined) return false;
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
};

/**
 * Combinations that cannot work, one issue per problem, in a stable order (the
 * configuration error names the first). Never quotes a value.
 */
export function securityIssues(e: SecurityEnv): SecurityIssue[] {
  const issues: SecurityIssue[] = [];
  const issue = (variable: string, message: string) => issues.push({ variable, message });
  const isSet = (k: keyof SecurityEnv) => e[k] !== undefined;
  const pair = (value: keyof SecurityEnv, file: keyof SecurityEnv) => {
    if (isSet(value) && isSet(file)) issue(value, `set ${value} or ${file}, not both`);
    return isSet(value) || isSet(file);
  };

  // ---- Kafka
  for (const k of ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const) {
    if (isSet(k) && !e.KAFKA_SSL) issue(k, 'requires KAFKA_SSL=true');
  }
  if (!e.KAFKA_SSL_REJECT_UNAUTHORIZED && !e.KAFKA_SSL) issue('KAFKA_SSL_REJECT_UNAUTHORIZED', 'requires KAFKA_SSL=true');
  if (isSet('KAFKA_SSL_CERT_FILE') !== isSet('KAFKA_SSL_KEY_FILE')) {
    issue(isSet('KAFKA_SSL_CERT_FILE') ? 'KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (a client certificate and its key)');
  }
  const kafkaPassword = pair('KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE');
  if (e.KAFKA_SASL_MECHANISM !== undefined) {
    if (!isSet('KAFKA_SASL_USERNAME')) issue('KAFKA_SASL_USERNAME', 'required when KAFKA_SASL_MECHANISM is set');
    if (!kafkaPassword) issue('KAFKA_SASL_PASSWORD', 'required (or KAFKA_SASL_PASSWORD_FILE) when KAFKA_SASL_MECHANISM is set');
    if (e.KAFKA_SASL_MECHANISM === 'plain' && !e.KAFKA_SSL) issue('KAFKA_SASL_MECHANISM', 'plain sends the password in clear text; set KAFKA_SSL=true or use scram-sha-512');
  } else if (isSet('KAFKA_SASL_USERNAME') || kafkaPassword) {
    issue('KAFKA_SASL_MECHANISM', `required when ${isSet('KAFKA_SASL_USERNAME') ? 'KAFKA_SASL_USERNAME' : 'a KAFKA_SASL_PASSWORD'} is set (scram-sha-256, scram-sha-512 or plain)`);
  }

  // ---- Redis
  const redisTls = protocolOf(e.REDIS_URL) === 'rediss:';
  for (const k of ['REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE'] as const) {
    if (isSet(k) && !redisTls) issue(k, 'requires a rediss:// REDIS_URL');
  }
  if (isSet('REDIS_TLS_CERT_FILE') !== isSet('REDIS_TLS_KEY_FILE')) {
    issue(isSet('REDIS_TLS_CERT_FILE') ? 'REDIS_TLS_KEY_FILE' : 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together (a client certificate and its key)');
  }
  const redisPassword = pair('REDIS_PASSWORD', 'REDIS_PASSWORD_FILE');
  if (isSet('REDIS_USERNAME') && !redisPassword) issue('REDIS_PASSWORD', 'required (or REDIS_PASSWORD_FILE) when REDIS_USERNAME is set');
  if ((isSet('REDIS_USERNAME') || redisPassword) && hasCredentials(e.REDIS_URL)) {
    issue(isSet('REDIS_USERNAME') ? 'REDIS_USERNAME' : 'REDIS_PASSWORD', 'REDIS_URL already holds credentials; give them in one place');
  }

  // ---- Schema registry
  if (hasCredentials(e.SCHEMA_REGISTRY_URL)) {
    issue('SCHEMA_REGISTRY_URL', 'must not hold credentials; use SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD');
  }
  const registryPassword = pair('SCHEMA_REGISTRY_PASSWORD', 'SCHEMA_REGISTRY_PASSWORD_FILE');
  if (isSet('SCHEMA_REGISTRY_USERNAME') && !registryPassword) issue('SCHEMA_REGISTRY_PASSWORD', 'required (or SCHEMA_REGISTRY_PASSWORD_FILE) when SCHEMA_REGISTRY_USERNAME is set');
  if (!isSet('SCHEMA_REGISTRY_USERNAME') && registryPassword) issue('SCHEMA_REGISTRY_USERNAME', 'required when a SCHEMA_REGISTRY_PASSWORD is set');
  if (isSet('SCHEMA_REGISTRY_CA_FILE') && protocolOf(e.SCHEMA_REGISTRY_URL) !== 'https:') issue('SCHEMA_REGISTRY_CA_FILE', 'requires an https:// SCHEMA_REGISTRY_URL');

  // ---- Only for a stack someone else runs: the one carestream starts is plaintext.
  if (e.KAFKA_BROKERS === undefined) {
    const given = SECURITY_VARIABLES.find((k) => (k === 'KAFKA_SSL' ? e.KAFKA_SSL : k === 'KAFKA_SSL_REJECT_UNAUTHORIZED' ? !e.KAFKA_SSL_REJECT_UNAUTHORIZED : isSet(k)));
    if (given) issue(given, 'applies to an explicit stack only (KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL); the stack carestream starts itself is plaintext');
  }
  return issues;
}

export type ReadText = (path: string) => string;
const readText: ReadText = (path) => readFileSync(path, 'utf8');

function read(variable: string, path: string, readFile: ReadText): string {
  try {
    return readFile(path);
  } catch (err) {
    throw new CarestreamError('CS_ERR_CONFIG', `${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** A PEM file's text; refuses files that hold no PEM block of the expected kind. */
function pem(variable: string, path: string | undefined, kind: 'CERTIFICATE' | 'PRIVATE KEY', readFile: ReadText): string | undefined {
  if (path === undefined) return undefined;
  const text = read(variable, path, readFile);
  if (!new RegExp(`-----BEGIN [A-Z ]*${kind}-----`).test(text)) {
    throw new CarestreamError('CS_ERR_CONFIG', `${variable}: ${path} holds no PEM ${kind.toLowerCase()}`);
  }
  return text;
}

/** A secret from its variable or its file; a file's one trailing newline is not part of it (echo > file adds one). */
function secret(variable: string, value: string | undefined, fileVariable: string, path: string | undefined, readFile: ReadText): Secret | undefined {
  if (value !== undefined) return new Secret(value);
  if (path === undefined) return undefined;
  const text = read(fileVariable, path, readFile).replace(/\r?\n$/, '');
  if (text === '') throw new CarestreamError('CS_ERR_CONFIG', `${fileVariable}: ${path} is empty`);
  return new Secret(text);
}

function tlsMaterial(prefix: 'KAFKA_SSL' | 'REDIS_TLS', ca: string | undefined, cert: string | undefined, key: string | undefined, readFile: ReadText): TlsMaterial {
  const caText = pem(`${prefix}_CA_FILE`, ca, 'CERTIFICATE', readFile);
  const certText = pem(`${prefix}_CERT_FILE`, cert, 'CERTIFICATE', readFile);
  const keyText = pem(`${prefix}_KEY_FILE`, key, 'PRIVATE KEY', readFile);
  return { ca: caText, cert: certText, key: keyText === undefined ? undefined : new Secret(keyText) };
}

/** Reads the files the settings name; call after securityIssues() found nothing. */
export function loadSecurity(e: SecurityEnv, readFile: ReadText = readText): SecuritySettings {
  const kafkaPassword = secret('KAFKA_SASL_PASSWORD', e.KAFKA_SASL_PASSWORD, 'KAFKA_SASL_PASSWORD_FILE', e.KAFKA_SASL_PASSWORD_FILE, readFile);
  const redisPassword = secret('REDIS_PASSWORD', e.REDIS_PASSWORD, 'REDIS_PASSWORD_FILE', e.REDIS_PASSWORD_FILE, readFile);
  const registryPassword = secret('SCHEMA_REGISTRY_PASSWORD', e.SCHEMA_REGISTRY_PASSWORD, 'SCHEMA_REGISTRY_PASSWORD_FILE', e.SCHEMA_REGISTRY_PASSWORD_FILE, readFile);
  const redisTlsGiven = e.REDIS_TLS_CA_FILE !== undefined || e.REDIS_TLS_CERT_FILE !== undefined;
  return {
    kafka: {
      ssl: e.KAFKA_SSL
        ? { ...tlsMaterial('KAFKA_SSL', e.KAFKA_SSL_CA_FILE, e.KAFKA_SSL_CERT_FILE, e.KAFKA_SSL_KEY_FILE, readFile), rejectUnauthorized: e.KAFKA_SSL_REJECT_UNAUTHORIZED }
        : undefined,
      sasl:
        e.KAFKA_SASL_MECHANISM !== undefined && e.KAFKA_SASL_USERNAME !== undefined && kafkaPassword !== undefined
          ? { mechanism: e.KAFKA_SASL_MECHANISM, username: e.KAFKA_SASL_USERNAME, password: kafkaPassword }
          : undefined,
    },
    redis: {
      username: e.REDIS_USERNAME,
      password: redisPassword,
      tls: redisTlsGiven ? tlsMaterial('REDIS_TLS', e.REDIS_TLS_CA_FILE, e.REDIS_TLS_CERT_FILE, e.REDIS_TLS_KEY_FILE, readFile) : undefined,
    },
    registry: {
      auth: e.SCHEMA_REGISTRY_USERNAME !== undefined && registryPassword !== undefined ? { username: e.SCHEMA_REGISTRY_USERNAME, password: registryPassword } : undefined,
      ca: pem('SCHEMA_REGISTRY_CA_FILE', e.SCHEMA_REGISTRY_CA_FILE, 'CERTIFICATE', readFile),
    },
  };
}
