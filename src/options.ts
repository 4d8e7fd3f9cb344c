import { DEFAULT_ID_RULES } from './events/identifier.ts';
import { DEFAULT_LIMITS } from './events/validate.ts';

/**
 * Every default in one place, each with why it is what it is: the settings'
 * (DEFAULTS, by environment variable; src/config.ts validates them and applies
 * these when a variable is unset), the command's options (CLI_DEFAULTS), the
 * decoder's and schema cache's bounds, and the ingestor's internal ones
 * (STREAM_DEFAULTS). Imports nothing of src/config.ts, so any module may
 * import it. A new default goes here (tests/unit/options.test.ts checks that
 * config.ts holds no literal one).
 */

export const DAY_MS = 86_400_000;

/**
 * Bounds of the Avro decoder (src/events/avro-guard.ts) and the schema cache
 * (src/kafka/schema-cache.ts); exported so a Serde built without a Config
 * (tools, tests) gets the same defaults.
 */
export const DECODE_DEFAULTS = Object.freeze({ maxDecodedBytes: 8 * 1024 * 1024, maxItems: 100_000, maxDepth: 32 });
export const SCHEMA_CACHE_DEFAULTS = Object.freeze({ size: 256, missSize: 4096, missTtlMs: 60_000, maxInFlight: 4 });

/**
 * Defaults of the `carestream` command's options (each command's --help shows
 * them). The demo's bank is the README's (3,000 customers over 90 days, about
 * 680,000 events); `generate`'s is smaller, for a file to look at.
 */
export const CLI_DEFAULTS = Object.freeze({
  demo: Object.freeze({ customers: 3000, days: 90, seed: 2026 }),
  generate: Object.freeze({ customers: 1000, days: 60, seed: 42, start: '2026-06-01', out: 'events.jsonl', labels: 'labels.json' }),
  // JSON: the replay format, so what tail prints can be replayed.
  tail: Object.freeze({ format: 'json' as 'json' | 'text' }),
  audit: Object.freeze({ format: 'jsonl' as 'jsonl' | 'csv' }),
  // Worker threads: one per core up to maxWorkers (the backtest's figure is measured on 2 cores).
  rulesBacktest: Object.freeze({ examples: 3, maxWorkers: 4 }),
});

/**
 * The state layer's own bounds (src/state/local-state.ts). An account id's
 * pseudonym is an HMAC-SHA-256, computed for every event that names an
 * account or counterparty: a customer's few accounts repeat, so the last
 * pseudonyms are kept in memory (never written anywhere; the cache is
 * emptied when full).
 */
export const STATE_DEFAULTS = Object.freeze({
  pseudonymCacheEntries: 65_536,
  // Due customers a shard's timer step loads at most; the rest fire at its next step.
  dueCustomersPerStep: 2_000,
});

/**
 * What a customer's state and decision log keep of the decisions: the service
 * (src/app.ts), the offline backtest and `carestream explain` use the same.
 */
export const DECISION_DEFAULTS = Object.freeze({
  // Value contacts count for the contact policy this long: its longest cap window.
  keepContactsMs: 60 * DAY_MS,
  // Entries of a customer's decision log in Redis, newest first (what explain
  // shows without a range; the task topics' audit trail keeps every one).
  logSize: 50,
});

/**
 * The ingestor's own defaults (src/stream): what a
 * caller that gives none gets. maxQueued, fetchMaxBytesPerPartition and
 * maxChunk are also the defaults of MAX_QUEUED_RECORDS,
 * FETCH_MAX_BYTES_PER_PARTITION and MAX_CHUNK_RECORDS (DEFAULTS below), so each
 * is one number; the queue and fetch figures are measured in
 * docs/operations/performance.md (2026-12-03).
 */
export const STREAM_DEFAULTS = Object.freeze({
  // Room for every assigned partition in one fetch: a response capped lower
  // fills the first partitions and starves the rest, which would then hold
  // back their shards' time alignment.
  consumerMaxBytes: 64 * 1024 * 1024,
  // A fetch returns as soon as there is data; this bounds how long an idle
  // fetch holds up a shutdown.
  consumerMaxWaitMs: 200,
  // Ride out a broker restart (about a minute of retries) before the consumer
  // gives up and the process exits for its supervisor.
  consumerRetry: Object.freeze({ retries: 10, initialRetryTime: 500, maxRetryTime: 15_000 }),
  // kafkajs deems some errors final that a broker restart causes ("Failed to
  // find group coordinator"): the consumer is run again this many times
  // (counted from the last successful join), the delay times the attempt,
  // before the process exits for its supervisor.
  consumerRestarts: 5,
  consumerRestartDelayMs: 2_000,
  // A take-over reads the committed offsets until two reads this far apart
  // agree (kafkajs cannot ask for stable offsets, KIP-447).
  offsetsSettle: Object.freeze({ waitMs: 250, maxReads: 8 }),
  // How often idle shards check that Redis still holds their state.
  stateCheckIntervalMs: 5_000,
  // Consecutive failed chunks (other than fencing and lost state) before giving up.
  maxFailures: 10,
  // Records processed (and committed) together at most.
  maxChunk: 5_000,
  // Records a shard holds fetched but not yet processed, per input topic,
  // before that partition's fetching pauses (resumes at half): the bound of
  // the queues' memory.
  maxQueued: 2_000,
  // What one fetch brings per partition at most (KIP-74: a larger record still
  // comes, alone): with maxQueued, the bound of a shard's queue (a fetch lands
  // whole before the partition pauses).
  fetchMaxBytesPerPartition: 256 * 1024,
  // A fenced shard or one whose state Redis lost is taken over again this soon.
  ownershipRetryMs: 500,
  // A transaction step the coordinator answers CONCURRENT_TRANSACTIONS is
  // repeated (it is still completing the previous commit, a few ms) up to this
  // many times, waiting 5 ms × attempt up to the max: not faster, a tight loop
  // loads the coordinator it is waiting for.
  concurrentTransactionsRetries: 50,
  concurrentTransactionsMaxDelayMs: 50,
  // A shard producer keeps where its coordinators are (kafkajs asks before
  // every transaction step) until a request to one fails, or this long.
  coordinatorCacheMs: 60_000,
  // Bytes of outputs sent in one request at most: well under the broker's
  // default 1 MiB batch limit (the messages of one request to one partition
  // form one batch); lower where the dead-letter topic's own limit is.
  requestMaxBytes: 512 * 1024,
  // The consumer heartbeats every tenth of the session timeout, never more
  // often than this.
  heartbeatMinMs: 500,
});

/**
 * The default of every setting that has one, by environment variable, as the
 * parsed value (src/config.ts's envShape applies them; .env.example documents
 * them). Settings without a default are absent: unset means "resolve it"
 * (see src/stack) or "none".
 */
export const DEFAULTS = Object.freeze({
  KAFKA_CLIENT_ID: 'carestream',
  KAFKA_GROUP_ID: 'carestream',
  KAFKA_SESSION_TIMEOUT_MS: 30_000,
  // true: the managed local stack starts a Redis Cluster of three primaries instead of one server.
  REDIS_CLUSTER: false,
  // auto: containers if a runtime answers, else local processes.
  CARESTREAM_STACK: 'auto' as const,
  TOPIC_PARTITIONS: 6,
  TOPIC_REPLICATION_FACTOR: 1,
  INPUT_RETENTION_MS: 400 * DAY_MS,
  OUTPUT_RETENTION_MS: 400 * DAY_MS,
  BUSINESS_TIME_ZONE: 'Asia/Shanghai',
  LOG_LEVEL: 'info' as const,
  LOG_SUMMARY_INTERVAL_MS: 60_000,
  HTTP_PORT: 9464,
  HTTP_HEADERS_TIMEOUT_MS: 10_000,
  HTTP_REQUEST_TIMEOUT_MS: 30_000,
  HTTP_KEEP_ALIVE_TIMEOUT_MS: 5_000,
  HTTP_MAX_CONNECTIONS: 256,
  HTTP_MAX_BODY_BYTES: 4_096,
  CREATE_TOPICS: true,
  REDIS_KEY_PREFIX: 'cs',
  ALLOWED_LATENESS_MS: 3_600_000,
  // An event published again is a duplicate (skipped), not LATE, this many days back; each costs about 3 bytes per event in a customer's state.
  DUPLICATE_WINDOW_DAYS: 7,
  // Customers a shard keeps in memory between chunks (src/state/local-state.ts); beyond it the least recently touched are loaded again when next seen.
  STATE_CACHE_CUSTOMERS: 10_000,
  // Time as a trigger: each shard fires its customers' timers (the time-driven rules, tier edges at a day's close). false: the event path alone, tier edges at the event (README "Time as a trigger").
  TIMERS_ENABLED: true,
  // A caught-up shard's stream time follows the wall clock less ALLOWED_LATENESS_MS (a quiet night still fires a 24 h SLA); false keeps it at the largest applied event time (replays, tests that must be exact).
  STREAM_TIME_FOLLOWS_CLOCK: true,
  // How often an idle shard looks whether the clock made a timer due.
  TIMER_TICK_MS: 1_000,
  MAX_FUTURE_SKEW_MS: 300_000,
  MAX_EVENT_AGE_MS: 400 * DAY_MS,
  // The validator's own (src/events/validate.ts DEFAULT_LIMITS, src/events/identifier.ts DEFAULT_ID_RULES), which it uses when built without a Config.
  MAX_AMOUNT_MINOR: DEFAULT_LIMITS.maxAmountMinor,
  ID_MAX_LENGTH: DEFAULT_ID_RULES.maxLength,
  ID_PATTERN: DEFAULT_ID_RULES.pattern,
  ID_MAX_DIGIT_RUN: DEFAULT_ID_RULES.maxDigitRun,
  // Merchant category codes that count as maternal/baby purchases.
  BABY_MCCS: Object.freeze(['5641', '5945']) as readonly string[],
  CONSUMER_CONCURRENCY: 3,
  // The ingestor's own (STREAM_DEFAULTS, where they are explained): one number each.
  MAX_CHUNK_RECORDS: STREAM_DEFAULTS.maxChunk,
  MAX_QUEUED_RECORDS: STREAM_DEFAULTS.maxQueued,
  FETCH_MAX_BYTES_PER_PARTITION: STREAM_DEFAULTS.fetchMaxBytesPerPartition,
  MAX_DECODED_BYTES: DECODE_DEFAULTS.maxDecodedBytes,
  MAX_DECODED_ITEMS: DECODE_DEFAULTS.maxItems,
  MAX_DECODED_DEPTH: DECODE_DEFAULTS.maxDepth,
  SCHEMA_CACHE_SIZE: SCHEMA_CACHE_DEFAULTS.size,
  SCHEMA_MISS_CACHE_SIZE: SCHEMA_CACHE_DEFAULTS.missSize,
  SCHEMA_MISS_TTL_MS: SCHEMA_CACHE_DEFAULTS.missTtlMs,
  SCHEMA_REGISTRY_MAX_IN_FLIGHT: SCHEMA_CACHE_DEFAULTS.maxInFlight,
  SHUTDOWN_TIMEOUT_MS: 30_000,
  CARE_TASK_RETENTION_MS: 60 * DAY_MS,
  AUDIT_CLOCK_SKEW_MS: 60_000,
  AUDIT_READ_TIMEOUT_MS: 20_000,
  AUDIT_MAX_CONCURRENT_READS: 2,
  // Plain Kafka unless TLS is asked for; with TLS the brokers' certificates are verified (false only for a test broker).
  KAFKA_SSL: false,
  KAFKA_SSL_REJECT_UNAUTHORIZED: true,
});
