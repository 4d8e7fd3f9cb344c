import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadConfig, type Config, CLI_DEFAULTS as CONFIG_CLI_DEFAULTS, DECODE_DEFAULTS as CONFIG_DECODE_DEFAULTS, SCHEMA_CACHE_DEFAULTS as CONFIG_SCHEMA_CACHE_DEFAULTS } from '../../src/config.ts';
import { CLI_DEFAULTS, DAY_MS, DECODE_DEFAULTS, DEFAULTS, SCHEMA_CACHE_DEFAULTS, STREAM_DEFAULTS } from '../../src/options.ts';
import { DEFAULT_BACKTEST_SETTINGS } from '../../src/backtest/run.ts';

const CONFIG_SOURCE = readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8');

const EXPLICIT_STACK = { KAFKA_BROKERS: 'k:9093', SCHEMA_REGISTRY_URL: 'https://r:8081', REDIS_URL: 'rediss://x:6380' };

/** Where each defaulted variable lands in the Config loadConfig returns. */
const FIELD: { readonly [K in keyof typeof DEFAULTS]: (c: Config) => unknown } = {
  KAFKA_CLIENT_ID: (c) => c.kafka.clientId,
  KAFKA_GROUP_ID: (c) => c.kafka.groupId,
  KAFKA_SESSION_TIMEOUT_MS: (c) => c.kafka.sessionTimeoutMs,
  REDIS_CLUSTER: (c) => c.redis.cluster,
  CARESTREAM_STACK: (c) => c.stack.mode,
  TOPIC_PARTITIONS: (c) => c.topics.partitions,
  TOPIC_REPLICATION_FACTOR: (c) => c.topics.replicationFactor,
  INPUT_RETENTION_MS: (c) => c.topics.inputRetentionMs,
  OUTPUT_RETENTION_MS: (c) => c.topics.outputRetentionMs,
  BUSINESS_TIME_ZONE: (c) => c.businessTimeZone,
  LOG_LEVEL: (c) => c.logLevel,
  LOG_SUMMARY_INTERVAL_MS: (c) => c.logSummaryIntervalMs,
  HTTP_PORT: (c) => c.httpPort,
  HTTP_HEADERS_TIMEOUT_MS: (c) => c.http.headersTimeoutMs,
  HTTP_REQUEST_TIMEOUT_MS: (c) => c.http.requestTimeoutMs,
  HTTP_KEEP_ALIVE_TIMEOUT_MS: (c) => c.http.keepAliveTimeoutMs,
  HTTP_MAX_CONNECTIONS: (c) => c.http.maxConnections,
  HTTP_MAX_BODY_BYTES: (c) => c.http.maxBodyBytes,
  CREATE_TOPICS: (c) => c.topics.create,
  REDIS_KEY_PREFIX: (c) => c.state.keyPrefix,
  ALLOWED_LATENESS_MS: (c) => c.state.allowedLatenessMs,
  // The config holds it in ms.
  DUPLICATE_WINDOW_DAYS: (c) => c.state.duplicateWindowMs / DAY_MS,
  STATE_CACHE_CUSTOMERS: (c) => c.state.cacheCustomers,
  TIMERS_ENABLED: (c) => c.timers.enabled,
  STREAM_TIME_FOLLOWS_CLOCK: (c) => c.timers.followClock,
  TIMER_TICK_MS: (c) => c.timers.tickMs,
  MAX_FUTURE_SKEW_MS: (c) => c.validation.maxFutureSkewMs,
  MAX_EVENT_AGE_MS: (c) => c.validation.maxEventAgeMs,
  MAX_AMOUNT_MINOR: (c) => c.validation.maxAmountMinor,
  ID_MAX_LENGTH: (c) => c.validation.ids.maxLength,
  ID_PATTERN: (c) => c.validation.ids.pattern,
  ID_MAX_DIGIT_RUN: (c) => c.validation.ids.maxDigitRun,
  BABY_MCCS: (c) => c.state.babyMccs,
  CONSUMER_CONCURRENCY: (c) => c.consumer.concurrency,
  MAX_CHUNK_RECORDS: (c) => c.consumer.maxChunkRecords,
  MAX_QUEUED_RECORDS: (c) => c.consumer.maxQueuedRecords,
  FETCH_MAX_BYTES_PER_PARTITION: (c) => c.consumer.fetchMaxBytesPerPartition,
  MAX_DECODED_BYTES: (c) => c.decode.maxDecodedBytes,
  MAX_DECODED_ITEMS: (c) => c.decode.maxItems,
  MAX_DECODED_DEPTH: (c) => c.decode.maxDepth,
  SCHEMA_CACHE_SIZE: (c) => c.schemaCache.size,
  SCHEMA_MISS_CACHE_SIZE: (c) => c.schemaCache.missSize,
  SCHEMA_MISS_TTL_MS: (c) => c.schemaCache.missTtlMs,
  SCHEMA_REGISTRY_MAX_IN_FLIGHT: (c) => c.schemaCache.maxInFlight,
  SHUTDOWN_TIMEOUT_MS: (c) => c.consumer.shutdownTimeoutMs,
  CARE_TASK_RETENTION_MS: (c) => c.careTasks.retentionMs,
  AUDIT_CLOCK_SKEW_MS: (c) => c.audit.clockSkewMs,
  AUDIT_READ_TIMEOUT_MS: (c) => c.audit.readTimeoutMs,
  AUDIT_MAX_CONCURRENT_READS: (c) => c.audit.maxConcurrentReads,
  // TLS settings exist only with TLS on: undefined means plaintext.
  KAFKA_SSL: (c) => c.security.kafka.ssl !== undefined,
  // Seen only with TLS on, which takes an explicit stack (no files needed); this one stays unset.
  KAFKA_SSL_REJECT_UNAUTHORIZED: () => loadConfig({ ...EXPLICIT_STACK, KAFKA_SSL: 'true' }).security.kafka.ssl?.rejectUnauthorized,
};

/** envShape's entries as text, by variable: `NAME: <schema>` up to the next entry. */
function envShapeEntries(): Map<string, string> {
  const start = CONFIG_SOURCE.indexOf('const envShape = {');
  const end = CONFIG_SOURCE.indexOf('\n};\n', start);
  expect(start).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  const body = CONFIG_SOURCE.slice(start, end);
  const entries = new Map<string, string>();
  for (const m of body.matchAll(/^ {2}([A-Z][A-Z0-9_]*): ([\s\S]*?)(?=^ {2}[A-Z][A-Z0-9_]*: |(?![\s\S]))/gm)) entries.set(m[1]!, m[2]!);
  return entries;
}

function expectDeepFrozen(value: unknown, path: string): void {
  if (value === null || typeof value !== 'object') return;
  expect(Object.isFrozen(value), `${path} is frozen`).toBe(true);
  for (const [k, v] of Object.entries(value)) expectDeepFrozen(v, `${path}.${k}`);
}

describe('DEFAULTS', () => {
  it('is what loadConfig gives each variable in an empty environment', () => {
    const config = loadConfig({});
    expect(Object.keys(FIELD).sort()).toEqual(Object.keys(DEFAULTS).sort());
    for (const [name, field] of Object.entries(FIELD) as [keyof typeof DEFAULTS, (c: Config) => unknown][]) {
      expect(field(config), name).toEqual(DEFAULTS[name]);
    }
  });

  it("holds exactly the variables whose schema in src/config.ts has a default, each its own", () => {
    const entries = envShapeEntries();
    expect(entries.size).toBeGreaterThan(Object.keys(DEFAULTS).length);
    const defaulted = [...entries].filter(([, schema]) => schema.includes('.default(')).map(([name]) => name);
    expect(defaulted.sort()).toEqual(Object.keys(DEFAULTS).sort());
    for (const name of defaulted) expect(entries.get(name), name).toMatch(new RegExp(`\\.default\\((?:\\(\\) => \\[\\.\\.\\.)?DEFAULTS\\.${name}\\b`));
  });

  it('src/config.ts holds no literal default: a new one goes through src/options.ts', () => {
    const literal = /\.default\(\s*(?:[-+]?\d|['"`]|\[|\{|true\b|false\b|null\b)/g;
    expect(CONFIG_SOURCE.match(literal) ?? []).toEqual([]);
    expect(CONFIG_SOURCE).toMatch(/\.default\(DEFAULTS\./);
  });

  it('uses the ingestor queue and fetch defaults, one number each', () => {
    expect(DEFAULTS.MAX_CHUNK_RECORDS).toBe(STREAM_DEFAULTS.maxChunk);
    expect(DEFAULTS.MAX_QUEUED_RECORDS).toBe(STREAM_DEFAULTS.maxQueued);
    expect(DEFAULTS.FETCH_MAX_BYTES_PER_PARTITION).toBe(STREAM_DEFAULTS.fetchMaxBytesPerPartition);
    expect(DEFAULTS.MAX_DECODED_BYTES).toBe(DECODE_DEFAULTS.maxDecodedBytes);
    expect(DEFAULTS.SCHEMA_CACHE_SIZE).toBe(SCHEMA_CACHE_DEFAULTS.size);
  });
});

describe('STREAM_DEFAULTS', () => {
  it('names the ingestor defaults', () => {
    expect(STREAM_DEFAULTS).toEqual({
      consumerMaxBytes: 64 * 1024 * 1024,
      consumerMaxWaitMs: 200,
      consumerRetry: { retries: 10, initialRetryTime: 500, maxRetryTime: 15_000 },
      consumerRestarts: 5,
      consumerRestartDelayMs: 2_000,
      offsetsSettle: { waitMs: 250, maxReads: 8 },
      stateCheckIntervalMs: 5_000,
      maxFailures: 10,
      maxChunk: 5_000,
      maxQueued: 2_000,
      fetchMaxBytesPerPartition: 256 * 1024,
      ownershipRetryMs: 500,
      concurrentTransactionsRetries: 50,
      concurrentTransactionsMaxDelayMs: 50,
      coordinatorCacheMs: 60_000,
      requestMaxBytes: 512 * 1024,
      heartbeatMinMs: 500,
    });
  });
});

describe('the options module', () => {
  it('freezes every default, nested ones too', () => {
    const all = { DEFAULTS, STREAM_DEFAULTS, DECODE_DEFAULTS, SCHEMA_CACHE_DEFAULTS, CLI_DEFAULTS };
    for (const [name, value] of Object.entries(all)) expectDeepFrozen(value, name);
    expect(Object.isFrozen(DEFAULTS.BABY_MCCS)).toBe(true);
    expect(Object.isFrozen(STREAM_DEFAULTS.consumerRetry)).toBe(true);
    expect(Object.isFrozen(STREAM_DEFAULTS.offsetsSettle)).toBe(true);
  });

  it('is re-exported by src/config.ts for its existing importers', () => {
    expect(CONFIG_CLI_DEFAULTS).toBe(CLI_DEFAULTS);
    expect(CONFIG_DECODE_DEFAULTS).toBe(DECODE_DEFAULTS);
    expect(CONFIG_SCHEMA_CACHE_DEFAULTS).toBe(SCHEMA_CACHE_DEFAULTS);
  });

  it("gives loadConfig a copy of a list default, not DEFAULTS' own array", () => {
    expect(loadConfig({}).state.babyMccs).not.toBe(DEFAULTS.BABY_MCCS);
  });
});

describe('the offline backtest without settings', () => {
  it("decides with the service's defaults, not copies of them", () => {
    const c = loadConfig(EXPLICIT_STACK);
    expect(DEFAULT_BACKTEST_SETTINGS).toEqual({
      timeZone: c.businessTimeZone,
      allowedLatenessMs: c.state.allowedLatenessMs,
      duplicateWindowMs: c.state.duplicateWindowMs,
      babyMccs: c.state.babyMccs,
      maxFutureSkewMs: c.validation.maxFutureSkewMs,
      maxEventAgeMs: c.validation.maxEventAgeMs,
    });
  });
});
