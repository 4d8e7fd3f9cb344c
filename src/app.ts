import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';
import type { ResolvedStack } from './stack/resolve.ts';
import { connect } from './kafka/bootstrap.ts';
import { Ingestor } from './kafka/ingestor.ts';
import { FeatureStore } from './state/store.ts';
import { BusinessCalendar } from './state/calendar.ts';
import { createRedis } from './state/redis.ts';
import { startHttp, json, type HttpServer } from './observability/http.ts';
import { agentApiRoute } from './api/router.ts';
import { loadApiTokens, TokenSet } from './api/tokens.ts';
import { TOPICS } from './events/topics.ts';
import type { Tally } from './pipeline/tally.ts';
import { RuleSetHolder } from './rules/holder.ts';
import { decideBatch } from './pipeline/decide.ts';
import type { BatchResult, OutputMessage } from './pipeline/process-batch.ts';
import type { Serde } from './kafka/serde.ts';
import type { IngestorObserver } from './kafka/ingestor-observer.ts';

const DAY_MS = 86_400_000;

/** Tasks and suppressions as messages for the output topics, keyed by customer. */
function encodeDecisions(serde: Serde, d: ReturnType<typeof decideBatch>): OutputMessage[] {
  return [
    ...d.fraudChecks.map((t) => ({ topic: TOPICS.fraudCheckTasks, key: t.customerId, value: serde.encodeKnown(TOPICS.fraudCheckTasks, t) })),
    ...d.outreach.map((t) => ({ topic: TOPICS.outreachTasks, key: t.customerId, value: serde.encodeKnown(TOPICS.outreachTasks, t) })),
    ...d.suppressions.map((t) => ({ topic: TOPICS.suppressions, key: t.customerId, value: serde.encodeKnown(TOPICS.suppressions, t) })),
  ];
}

export interface App {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** What became of every record consumed so far (committed batches). */
  readonly tally: Tally;
  /** The feature store, once started. */
  readonly store: FeatureStore | undefined;
  /** The rule set in force, once started. */
  readonly rules: RuleSetHolder | undefined;
  /** The port the HTTP listener took (HTTP_PORT=0 picks one), once started. */
  readonly httpPort: number | undefined;
}

/** The feature store over a Redis connection, configured from the settings. */
export function createStore(redis: Redis, config: Config): FeatureStore {
  return new FeatureStore(redis, {
    keyPrefix: config.state.keyPrefix,
    allowedLatenessMs: config.state.allowedLatenessMs,
    calendar: new BusinessCalendar(config.businessTimeZone),
    babyMccs: new Set(config.state.babyMccs),
    pseudonymKey: config.state.pseudonymKey,
  });
}

/**
 * Wires the service together. Nothing happens until start(): building an App
 * connects to nothing, so tests and the CLI can construct one freely.
 */
export interface AppOptions {
  /** false: connect and serve, but consume nothing (CLI helpers). */
  readonly consume?: boolean;
  /** Start positions instead of the committed offsets (tests). */
  readonly startAt?: Readonly<Record<string, readonly { partition: number; offset: string }[]>>;
  /** Told about the ingestor's fetches and commits (the benchmark's latency probe). */
  readonly observer?: IngestorObserver;
}

export function createApp(config: Config, logger: Logger, options: AppOptions = {}): App {
  let stack: ResolvedStack | undefined;
  let http: HttpServer | undefined;
  let redis: Redis | undefined;
  let store: FeatureStore | undefined;
  let ingestor: Ingestor | undefined;
  let rules: RuleSetHolder | undefined;
  let started = false;
  const consume = options.consume ?? true;

  const app: App = {
    get tally() {
      return ingestor?.tally ?? { consumed: 0, applied: 0, skipped: 0, deadLettered: 0, byReason: {} };
    },
    get store() {
      return store;
    },
    get rules() {
      return rules;
    },
    get httpPort() {
      return http?.port;
    },
    async start() {
      const apiTokens = new TokenSet(loadApiTokens(config.api));
      if (apiTokens.size === 0) logger.warn('agent API: no tokens configured (API_TOKENS, API_TOKENS_FILE), every /v1 customer request is refused');
      http = await startHttp(config.httpPort, {
        '/v1/*': agentApiRoute({ tokens: apiTokens, reader: () => store, timeZone: config.businessTimeZone, logger }),
        '/healthz': (_req, res) => json(res, 200, { status: 'alive' }),
        '/readyz': (_req, res) => {
          const ready = started && (!consume || (ingestor?.assignedPartitions ?? 0) > 0);
          json(res, ready ? 200 : 503, { ready });
        },
      });
      logger.info({ port: http.port }, 'health endpoints listening');
      const connected = await connect(config, logger);
      stack = connected.stack;
      const { kafka, serde } = connected;
      redis = createRedis(stack.redisUrl);
      await redis.connect();
      store = createStore(redis, config);
      rules = await RuleSetHolder.create(config.rulesFile, logger);
      rules.watch();
      const calendar = new BusinessCalendar(config.businessTimeZone);
      const ruleHolder = rules;
      const featureStore = store;
      const afterBatch = async (result: BatchResult) => {
        const decisions = decideBatch({ applied: result.applied, customers: result.customers, ruleSet: ruleHolder.current, calendar, now: Date.now() });
        await featureStore.recordDecisions(decisions.records, { keepContactsMs: 60 * DAY_MS, logSize: 50 });
        return encodeDecisions(serde, decisions);
      };
      if (consume) {
        ingestor = new Ingestor(
          kafka,
          { serde, store, maxFutureSkewMs: config.validation.maxFutureSkewMs, maxEventAgeMs: config.validation.maxEventAgeMs, now: Date.now },
          { groupId: config.kafka.groupId, concurrency: config.consumer.concurrency, afterBatch, ...(options.startAt ? { startAt: options.startAt } : {}), ...(options.observer ? { observer: options.observer } : {}) },
          logger,
        );
        await ingestor.start();
        logger.info({ groupId: config.kafka.groupId, dlq: TOPICS.dlq }, 'consuming the input topics');
      }
      started = true;
    },
    async stop() {
      started = false;
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, config.consumer.shutdownTimeoutMs).unref());
      await Promise.race([ingestor?.stop(), deadline]);
      rules?.unwatch();
      await redis?.quit().catch(() => {});
      await http?.close();
      await stack?.release();
    },
  };
  return app;
}
