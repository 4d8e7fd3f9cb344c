import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CarestreamError } from './errors.ts';
import { SASL_MECHANISMS, loadSecurity, securityIssues, type SecuritySettings } from './security/settings.ts';
import { apiTokensJson, type ApiToken } from './api/tokens.ts';
import { Secret } from './security/secret.ts';
import { idPattern, type IdRules } from './events/identifier.ts';
import { SUM_CAP_MINOR } from './events/types.ts';
import { parseRedisClusterUrl } from './state/redis-url.ts';
import { DAY_MS, DEFAULTS } from './options.ts';

// Moved to src/options.ts with every other default; re-exported for existing importers.
export { CLI_DEFAULTS, DECODE_DEFAULTS, SCHEMA_CACHE_DEFAULTS } from './options.ts';

/**
 * Every setting carestream reads, in one zod schema over plain strings (the
 * environment's type). Parsed once at start-up into a frozen, typed object;
 * nothing else reads process.env. Documented one by one in .env.example.
 *
 * Precedence: environment variable > CARESTREAM_CONFIG_FILE (a JSON object with
 * the same keys) > default. The defaults, and why each is what it is, are
 * src/options.ts's DEFAULTS.
 */

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'expected an integer')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`));

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => ['true', 'false', '1', '0', 'yes', 'no'].includes(s), 'expected true or false')
  .transform((s) => s === 'true' || s === '1' || s === 'yes');

const hostPortList = z
  .string()
  .trim()
  .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
  .refine((l) => l.length > 0, 'expected at least one host:port')
  .refine((l) => l.every((b) => /^[^\s:]+:\d{1,5}$/.test(b)), 'expected a comma-separated list of host:port');

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((s) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    }, `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

const timeZone = z
  .string()
  .trim()
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'expected an IANA time zone such as Asia/Shanghai');

/** pino's levels, for LOG_LEVEL and the command's --log-level. */
export const LOG_LEVELS = Object.freeze(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const);
const logLevel = z.enum(LOG_LEVELS);

/**
 * Each setting's validation; defaults are src/options.ts's DEFAULTS (a literal
 * here fails tests/unit/options.test.ts). Optional settings have no default:
 * absent means "resolve it" (see src/stack).
 */
const envShape = {
  KAFKA_BROKERS: hostPortList.optional(),
  KAFKA_CLIENT_ID: z.string().trim().min(1).default(DEFAULTS.KAFKA_CLIENT_ID),
  KAFKA_GROUP_ID: z.string().trim().min(1).default(DEFAULTS.KAFKA_GROUP_ID),
  KAFKA_SESSION_TIMEOUT_MS: int(6_000, 300_000).default(DEFAULTS.KAFKA_SESSION_TIMEOUT_MS),
  SCHEMA_REGISTRY_URL: url(['http:', 'https:']).optional(),
  // Or redis-cluster://host:port,... (seed nodes of a Redis Cluster, for tools and tests; the service refuses it, see src/state/redis.ts).
  REDIS_URL: z
    .string()
    .trim()
    .refine((s) => parseRedisClusterUrl(s) !== undefined || url(['redis:', 'rediss:']).safeParse(s).success, 'expected a URL starting with redis:// or rediss://, or redis-cluster://host:port,host:port')
    .optional(),
  REDIS_CLUSTER: bool.default(DEFAULTS.REDIS_CLUSTER),
  CARESTREAM_STACK: z.enum(['auto', 'local', 'containers', 'explicit']).default(DEFAULTS.CARESTREAM_STACK),
  CARESTREAM_STACK_DIR: z.string().trim().min(1).optional(),
  TOPIC_PARTITIONS: int(1, 10_000).default(DEFAULTS.TOPIC_PARTITIONS),
  TOPIC_REPLICATION_FACTOR: int(1, 32).default(DEFAULTS.TOPIC_REPLICATION_FACTOR),
  INPUT_RETENTION_MS: int(-1).default(DEFAULTS.INPUT_RETENTION_MS),
  OUTPUT_RETENTION_MS: int(-1).default(DEFAULTS.OUTPUT_RETENTION_MS),
  BUSINESS_TIME_ZONE: timeZone.default(DEFAULTS.BUSINESS_TIME_ZONE),
  LOG_LEVEL: logLevel.default(DEFAULTS.LOG_LEVEL),
  LOG_SUMMARY_INTERVAL_MS: int(0).default(DEFAULTS.LOG_SUMMARY_INTERVAL_MS),
  HTTP_PORT: int(0, 65_535).default(DEFAULTS.HTTP_PORT),
  HTTP_HOST: z
    .string()
    .trim()
    .regex(/^(?:[A-Za-z0-9.-]+|[0-9A-Fa-f:.]+)$/, 'expected an IP address or host name, such as 127.0.0.1 or ::')
    .optional(),
  HTTP_HEADERS_TIMEOUT_MS: int(100, 600_000).default(DEFAULTS.HTTP_HEADERS_TIMEOUT_MS),
  HTTP_REQUEST_TIMEOUT_MS: int(100, 600_000).default(DEFAULTS.HTTP_REQUEST_TIMEOUT_MS),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(100, 600_000).default(DEFAULTS.HTTP_KEEP_ALIVE_TIMEOUT_MS),
  HTTP_MAX_CONNECTIONS: int(1, 100_000).default(DEFAULTS.HTTP_MAX_CONNECTIONS),
  HTTP_MAX_BODY_BYTES: int(0, 16 * 2 ** 20).default(DEFAULTS.HTTP_MAX_BODY_BYTES),
  CREATE_TOPICS: bool.default(DEFAULTS.CREATE_TOPICS),
  REDIS_KEY_PREFIX: z.string().trim().regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, _ . or -').default(DEFAULTS.REDIS_KEY_PREFIX),
  // Not trimmed, like every secret. Absent (and no file): the development key, refused with an explicit stack.
  PSEUDONYM_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  PSEUDONYM_KEY_FILE: z.string().trim().min(1).optional(),
  ALLOWED_LATENESS_MS: int(0, DAY_MS).default(DEFAULTS.ALLOWED_LATENESS_MS),
  DUPLICATE_WINDOW_DAYS: int(0, 90).default(DEFAULTS.DUPLICATE_WINDOW_DAYS),
  STATE_CACHE_CUSTOMERS: int(1, 10_000_000).default(DEFAULTS.STATE_CACHE_CUSTOMERS),
  TIMERS_ENABLED: bool.default(DEFAULTS.TIMERS_ENABLED),
  STREAM_TIME_FOLLOWS_CLOCK: bool.default(DEFAULTS.STREAM_TIME_FOLLOWS_CLOCK),
  TIMER_TICK_MS: int(50, 3_600_000).default(DEFAULTS.TIMER_TICK_MS),
  MAX_FUTURE_SKEW_MS: int(0).default(DEFAULTS.MAX_FUTURE_SKEW_MS),
  MAX_EVENT_AGE_MS: int(1).default(DEFAULTS.MAX_EVENT_AGE_MS),
  // The maximum: above the bound of the features' sums an amount could not be kept exactly.
  MAX_AMOUNT_MINOR: int(1, SUM_CAP_MINOR).default(DEFAULTS.MAX_AMOUNT_MINOR),
  ID_MAX_LENGTH: int(1, 1024).default(DEFAULTS.ID_MAX_LENGTH),
  ID_PATTERN: z
    .string()
    .trim()
    .min(1)
    .refine((s) => {
      try {
        idPattern(s);
        return true;
      } catch {
        return false;
      }
    }, 'expected a regular expression')
    .default(DEFAULTS.ID_PATTERN),
  ID_MAX_DIGIT_RUN: int(1, 1024).default(DEFAULTS.ID_MAX_DIGIT_RUN),
  BABY_MCCS: z
    .string()
    .trim()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .refine((l) => l.every((m) => /^\d{4}$/.test(m)), 'expected a comma-separated list of 4-digit merchant category codes')
    .default(() => [...DEFAULTS.BABY_MCCS]),
  CONSUMER_CONCURRENCY: int(1, 64).default(DEFAULTS.CONSUMER_CONCURRENCY),
  MAX_CHUNK_RECORDS: int(1, 100_000).default(DEFAULTS.MAX_CHUNK_RECORDS),
  MAX_QUEUED_RECORDS: int(100, 1_000_000).default(DEFAULTS.MAX_QUEUED_RECORDS),
  FETCH_MAX_BYTES_PER_PARTITION: int(16 * 1024, 64 * 1024 * 1024).default(DEFAULTS.FETCH_MAX_BYTES_PER_PARTITION),
  MAX_DECODED_BYTES: int(1024, 2 ** 30).default(DEFAULTS.MAX_DECODED_BYTES),
  MAX_DECODED_ITEMS: int(1, 100_000_000).default(DEFAULTS.MAX_DECODED_ITEMS),
  MAX_DECODED_DEPTH: int(4, 1_000).default(DEFAULTS.MAX_DECODED_DEPTH),
  SCHEMA_CACHE_SIZE: int(1, 1_000_000).default(DEFAULTS.SCHEMA_CACHE_SIZE),
  SCHEMA_MISS_CACHE_SIZE: int(1, 10_000_000).default(DEFAULTS.SCHEMA_MISS_CACHE_SIZE),
  SCHEMA_MISS_TTL_MS: int(0, DAY_MS).default(DEFAULTS.SCHEMA_MISS_TTL_MS),
  SCHEMA_REGISTRY_MAX_IN_FLIGHT: int(1, 256).default(DEFAULTS.SCHEMA_REGISTRY_MAX_IN_FLIGHT),
  RULES_FILE: z.string().trim().min(1).optional(),
  SHUTDOWN_TIMEOUT_MS: int(1000).default(DEFAULTS.SHUTDOWN_TIMEOUT_MS),
  CARE_TASK_RETENTION_MS: int(DAY_MS, 400 * DAY_MS).default(DEFAULTS.CARE_TASK_RETENTION_MS),
  API_TOKENS: apiTokensJson.optional(),
  API_TOKENS_FILE: z.string().trim().min(1).optional(),
  AUDIT_CLOCK_SKEW_MS: int(0, DAY_MS).default(DEFAULTS.AUDIT_CLOCK_SKEW_MS),
  AUDIT_READ_TIMEOUT_MS: int(1_000, 600_000).default(DEFAULTS.AUDIT_READ_TIMEOUT_MS),
  AUDIT_MAX_CONCURRENT_READS: int(1, 64).default(DEFAULTS.AUDIT_MAX_CONCURRENT_READS),
  // The CLI's way to the agent API (explain); the token is a secret: not trimmed, or read from a file.
  CARESTREAM_API_URL: url(['http:', 'https:']).optional(),
  CARESTREAM_API_TOKEN: z.string().min(1).optional(),
  CARESTREAM_API_TOKEN_FILE: z.string().trim().min(1).optional(),
  // Security (src/security/settings.ts checks the combinations and reads the files).
  // Passwords are not trimmed: a space may be part of one.
  KAFKA_SSL: bool.default(DEFAULTS.KAFKA_SSL),
  KAFKA_SSL_CA_FILE: z.string().trim().min(1).optional(),
  KAFKA_SSL_CERT_FILE: z.string().trim().min(1).optional(),
  KAFKA_SSL_KEY_FILE: z.string().trim().min(1).optional(),
  KAFKA_SSL_REJECT_UNAUTHORIZED: bool.default(DEFAULTS.KAFKA_SSL_REJECT_UNAUTHORIZED),
  KAFKA_SASL_MECHANISM: z.string().trim().toLowerCase().pipe(z.enum(SASL_MECHANISMS, { message: `expected ${SASL_MECHANISMS.join(', ')}` })).optional(),
  KAFKA_SASL_USERNAME: z.string().trim().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_SASL_PASSWORD_FILE: z.string().trim().min(1).optional(),
  REDIS_USERNAME: z.string().trim().min(1).optional(),
  REDIS_PASSWORD: z.string().optional(),
  REDIS_PASSWORD_FILE: z.string().trim().min(1).optional(),
  REDIS_TLS_CA_FILE: z.string().trim().min(1).optional(),
  REDIS_TLS_CERT_FILE: z.string().trim().min(1).optional(),
  REDIS_TLS_KEY_FILE: z.string().trim().min(1).optional(),
  SCHEMA_REGISTRY_USERNAME: z.string().trim().min(1).optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
  SCHEMA_REGISTRY_PASSWORD_FILE: z.string().trim().min(1).optional(),
  SCHEMA_REGISTRY_CA_FILE: z.string().trim().min(1).optional(),
};

const envSchema = z.object(envShape).superRefine((e, ctx) => {
  // Explicit endpoints are all-or-nothing: half an explicit stack would make the
  // resolver start local processes next to a production broker.
  const explicit = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL'] as const;
  const given = explicit.filter((k) => e[k] !== undefined);
  if (e.CARESTREAM_STACK === 'explicit' && given.length < explicit.length) {
    for (const k of explicit.filter((k) => e[k] === undefined)) {
      ctx.addIssue({ code: 'custom', path: [k], message: 'required when CARESTREAM_STACK is explicit' });
    }
  } else if (given.length > 0 && given.length < explicit.length) {
    for (const k of explicit.filter((k) => e[k] === undefined)) {
      ctx.addIssue({ code: 'custom', path: [k], message: `required when ${given.join(' and ')} ${given.length > 1 ? 'are' : 'is'} set` });
    }
  }
  // Node refuses a header deadline later than the whole request's.
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', path: ['HTTP_HEADERS_TIMEOUT_MS'], message: 'must be <= HTTP_REQUEST_TIMEOUT_MS' });
  }
  if (e.CARESTREAM_API_TOKEN !== undefined && e.CARESTREAM_API_TOKEN_FILE !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['CARESTREAM_API_TOKEN'], message: 'set CARESTREAM_API_TOKEN or CARESTREAM_API_TOKEN_FILE, not both' });
  }
  if (e.PSEUDONYM_KEY !== undefined && e.PSEUDONYM_KEY_FILE !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['PSEUDONYM_KEY'], message: 'set PSEUDONYM_KEY or PSEUDONYM_KEY_FILE, not both' });
  }
  for (const i of securityIssues(e)) ctx.addIssue({ code: 'custom', path: [i.variable], message: i.message });
});

type Env = z.output<typeof envSchema>;

/**
 * The pseudonym key when none is set: public (it is in this file), so the
 * pseudonyms it makes can be reversed by anyone with a list of account ids.
 * Fine for a laptop; refused where CARESTREAM_STACK=explicit (production).
 */
export const DEVELOPMENT_PSEUDONYM_KEY = 'carestream-development-pseudonym-key';

/**
 * Placeholders published in the repository's examples (deploy/k8s's
 * secret.example.yaml): as public as the development key, so a manifest
 * applied unchanged must not start with one.
 */
export const EXAMPLE_PSEUDONYM_KEYS: readonly string[] = ['replace-with-at-least-16-random-characters'];

/** PSEUDONYM_KEY, PSEUDONYM_KEY_FILE's contents, or the development key where that is allowed. */
function pseudonymKey(e: Env): string {
  let key = e.PSEUDONYM_KEY;
  if (e.PSEUDONYM_KEY_FILE !== undefined) {
    const path = e.PSEUDONYM_KEY_FILE;
    try {
      // One trailing newline is not part of it (echo > file adds one), as for every secret file.
      key = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new CarestreamError('CS_ERR_CONFIG', `PSEUDONYM_KEY_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (key.length < 16) throw new CarestreamError('CS_ERR_CONFIG', `PSEUDONYM_KEY_FILE: ${path} must hold at least 16 characters`);
  }
  key ??= DEVELOPMENT_PSEUDONYM_KEY;
  if (key === DEVELOPMENT_PSEUDONYM_KEY && e.CARESTREAM_STACK === 'explicit') {
    throw new CarestreamError('CS_ERR_CONFIG', 'PSEUDONYM_KEY: the development key is refused when CARESTREAM_STACK is explicit; set PSEUDONYM_KEY or PSEUDONYM_KEY_FILE to a secret of your own');
  }
  if (EXAMPLE_PSEUDONYM_KEYS.includes(key) && e.CARESTREAM_STACK === 'explicit') {
    throw new CarestreamError('CS_ERR_CONFIG', "PSEUDONYM_KEY: the example's placeholder is refused when CARESTREAM_STACK is explicit; set PSEUDONYM_KEY or PSEUDONYM_KEY_FILE to a secret of your own");
  }
  return key;
}

export interface Config {
  readonly kafka: {
    readonly brokers: readonly string[] | undefined;
    readonly clientId: string;
    readonly groupId: string;
    readonly sessionTimeoutMs: number;
  };
  readonly registry: { readonly url: string | undefined };
  /** cluster: what the managed local stack starts (REDIS_CLUSTER); an explicit REDIS_URL wins over it. */
  readonly redis: { readonly url: string | undefined; readonly cluster: boolean };
  readonly stack: { readonly mode: Env['CARESTREAM_STACK']; readonly dir: string | undefined };
  readonly topics: {
    readonly create: boolean;
    readonly partitions: number;
    readonly replicationFactor: number;
    readonly inputRetentionMs: number;
    readonly outputRetentionMs: number;
  };
  readonly state: {
    readonly keyPrefix: string;
    readonly pseudonymKey: string;
    readonly allowedLatenessMs: number;
    /** DUPLICATE_WINDOW_DAYS in ms: how far back an event published again is skipped as a duplicate rather than dead-lettered as LATE. */
    readonly duplicateWindowMs: number;
    readonly babyMccs: readonly string[];
    /** STATE_CACHE_CUSTOMERS: customers a shard keeps in memory (src/state/local-state.ts). */
    readonly cacheCustomers: number;
  };
  /** Time as a trigger: whether shards fire timers, whether an idle shard's stream time follows the clock, and how often it looks. */
  readonly timers: {
    readonly enabled: boolean;
    readonly followClock: boolean;
    readonly tickMs: number;
  };
  readonly validation: {
    readonly maxFutureSkewMs: number;
    readonly maxEventAgeMs: number;
    /** What customer, event and task ids may be: every input and every id shown is checked against it. */
    readonly ids: IdRules;
    readonly maxAmountMinor: number;
  };
  readonly consumer: { readonly concurrency: number; readonly maxChunkRecords: number; readonly maxQueuedRecords: number; readonly fetchMaxBytesPerPartition: number; readonly shutdownTimeoutMs: number };
  /** The care-task status index keeps a task until its dueBy is this old. */
  readonly careTasks: { readonly retentionMs: number };
  /** Bounds every Avro record is checked against before avsc decodes it. */
  readonly decode: { readonly maxDecodedBytes: number; readonly maxItems: number; readonly maxDepth: number };
  /** Writer schemas by id: found ones (LRU), unknown ones (LRU with a TTL), registry requests at once. */
  readonly schemaCache: { readonly size: number; readonly missSize: number; readonly missTtlMs: number; readonly maxInFlight: number };
  readonly rulesFile: string | undefined;
  readonly businessTimeZone: string;
  readonly logLevel: Env['LOG_LEVEL'];
  /**
   * LOG_LEVEL was set (environment, file or --log-level): commands other than
   * the service then print JSON log lines at that level instead of their human lines.
   */
  readonly logLevelExplicit: boolean;
  /** Period of the info-level summary line; 0 turns it off. */
  readonly logSummaryIntervalMs: number;
  readonly httpPort: number;
  /** The HTTP listener's bind address and limits; host undefined: every interface. */
  readonly http: {
    /** Bind address; undefined: every interface (IPv4 and IPv6). */
    readonly host: string | undefined;
    /** From the connection (or the previous request) to the end of the request's headers. */
    readonly headersTimeoutMs: number;
    /** From the connection (or the previous request) to the end of the request's body. */
    readonly requestTimeoutMs: number;
    /** How long an idle keep-alive connection stays open. */
    readonly keepAliveTimeoutMs: number;
    /** Connections open at once; those beyond are closed as they arrive. */
    readonly maxConnections: number;
    /** The largest request body on any path; a larger one is refused with 413 before routing. */
    readonly maxBodyBytes: number;
  };
  /** Agent API bearer tokens (hashes); the file is read when the service starts. */
  readonly api: { readonly tokens: readonly ApiToken[]; readonly tokensFile: string | undefined };
  /**
   * The audit trail's reads of the task and suppression topics: how far
   * publish times on a partition may go back (clocks of instances around a
   * take-over), how long one read may take, and how many run at once.
   */
  readonly audit: { readonly clockSkewMs: number; readonly readTimeoutMs: number; readonly maxConcurrentReads: number };
  /**
   * Where the CLI finds the agent API and its token (the file is read when a
   * command uses it); url undefined: commands read Kafka and Redis themselves.
   */
  readonly apiClient: { readonly url: string | undefined; readonly token: Secret | undefined; readonly tokenFile: string | undefined };
  /** TLS, SASL and credentials for Kafka, Redis and the registry; secrets and certificates already read from their files. */
  readonly security: SecuritySettings;
}

/** Names of every variable the schema knows: for .env.example and deploy checks. */
export const CONFIG_VARIABLES = Object.freeze([
  ...Object.keys(envShape),
  'CARESTREAM_CONFIG_FILE',
] as const);

type Source = Record<string, string | undefined>;

function readConfigFile(path: string): Source {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CarestreamError('CS_ERR_CONFIG', `CARESTREAM_CONFIG_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new CarestreamError('CS_ERR_CONFIG', `CARESTREAM_CONFIG_FILE: ${path} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CarestreamError('CS_ERR_CONFIG', `CARESTREAM_CONFIG_FILE: ${path} must hold a JSON object of settings`);
  }
  const out: Source = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!(k in envShape)) {
      throw new CarestreamError('CS_ERR_CONFIG', `CARESTREAM_CONFIG_FILE: unknown setting ${k} in ${path}`);
    }
    // API_TOKENS may be written as the JSON array itself; other lists are comma-separated.
    out[k] = k === 'API_TOKENS' && typeof v === 'object' ? JSON.stringify(v) : Array.isArray(v) ? v.join(',') : String(v);
  }
  return out;
}

/**
 * Parses the settings. On any problem throws a CarestreamError whose message is
 * one line naming the variable and what is wrong — never the value itself, which
 * may be a secret.
 */
export function loadConfig(env: Source = process.env): Config {
  const file = env.CARESTREAM_CONFIG_FILE ? readConfigFile(env.CARESTREAM_CONFIG_FILE) : {};
  const merged: Source = { ...file };
  for (const key of Object.keys(envShape)) {
    const v = env[key];
    // An empty variable is treated as unset, as shells and compose files often leave them.
    if (v !== undefined && v !== '') merged[key] = v;
  }
  const result = envSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? 'configuration');
    throw new CarestreamError('CS_ERR_CONFIG', `${name}: ${issue.message}`);
  }
  const e = result.data;
  return deepFreeze({
    kafka: { brokers: e.KAFKA_BROKERS, clientId: e.KAFKA_CLIENT_ID, groupId: e.KAFKA_GROUP_ID, sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS },
    registry: { url: e.SCHEMA_REGISTRY_URL },
    redis: { url: e.REDIS_URL, cluster: e.REDIS_CLUSTER },
    stack: { mode: e.CARESTREAM_STACK, dir: e.CARESTREAM_STACK_DIR },
    topics: {
      create: e.CREATE_TOPICS,
      partitions: e.TOPIC_PARTITIONS,
      replicationFactor: e.TOPIC_REPLICATION_FACTOR,
      inputRetentionMs: e.INPUT_RETENTION_MS,
      outputRetentionMs: e.OUTPUT_RETENTION_MS,
    },
    state: {
      keyPrefix: e.REDIS_KEY_PREFIX,
      pseudonymKey: pseudonymKey(e),
      allowedLatenessMs: e.ALLOWED_LATENESS_MS,
      duplicateWindowMs: e.DUPLICATE_WINDOW_DAYS * DAY_MS,
      babyMccs: e.BABY_MCCS,
      cacheCustomers: e.STATE_CACHE_CUSTOMERS,
    },
    timers: {
      enabled: e.TIMERS_ENABLED,
      followClock: e.STREAM_TIME_FOLLOWS_CLOCK,
      tickMs: e.TIMER_TICK_MS,
    },
    validation: {
      maxFutureSkewMs: e.MAX_FUTURE_SKEW_MS,
      maxEventAgeMs: e.MAX_EVENT_AGE_MS,
      ids: { maxLength: e.ID_MAX_LENGTH, pattern: e.ID_PATTERN, maxDigitRun: e.ID_MAX_DIGIT_RUN },
      maxAmountMinor: e.MAX_AMOUNT_MINOR,
    },
    consumer: { concurrency: e.CONSUMER_CONCURRENCY, maxChunkRecords: e.MAX_CHUNK_RECORDS, maxQueuedRecords: e.MAX_QUEUED_RECORDS, fetchMaxBytesPerPartition: e.FETCH_MAX_BYTES_PER_PARTITION, shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS },
    careTasks: { retentionMs: e.CARE_TASK_RETENTION_MS },
    decode: { maxDecodedBytes: e.MAX_DECODED_BYTES, maxItems: e.MAX_DECODED_ITEMS, maxDepth: e.MAX_DECODED_DEPTH },
    schemaCache: { size: e.SCHEMA_CACHE_SIZE, missSize: e.SCHEMA_MISS_CACHE_SIZE, missTtlMs: e.SCHEMA_MISS_TTL_MS, maxInFlight: e.SCHEMA_REGISTRY_MAX_IN_FLIGHT },
    rulesFile: e.RULES_FILE,
    businessTimeZone: e.BUSINESS_TIME_ZONE,
    logLevel: e.LOG_LEVEL,
    logLevelExplicit: merged.LOG_LEVEL !== undefined,
    logSummaryIntervalMs: e.LOG_SUMMARY_INTERVAL_MS,
    httpPort: e.HTTP_PORT,
    http: {
      host: e.HTTP_HOST,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
      maxBodyBytes: e.HTTP_MAX_BODY_BYTES,
    },
    api: { tokens: e.API_TOKENS ?? [], tokensFile: e.API_TOKENS_FILE },
    audit: { clockSkewMs: e.AUDIT_CLOCK_SKEW_MS, readTimeoutMs: e.AUDIT_READ_TIMEOUT_MS, maxConcurrentReads: e.AUDIT_MAX_CONCURRENT_READS },
    apiClient: { url: e.CARESTREAM_API_URL, token: e.CARESTREAM_API_TOKEN === undefined ? undefined : new Secret(e.CARESTREAM_API_TOKEN), tokenFile: e.CARESTREAM_API_TOKEN_FILE },
    security: loadSecurity(e),
  });
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
