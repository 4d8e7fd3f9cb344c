import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { DECISION_DEFAULTS } from './options.ts';
import type { ResolvedStack } from './stack/resolve.ts';
import { connect } from './kafka/bootstrap.ts';
import { Ingestor } from './stream/ingestor.ts';
import { maxMessageBytes } from './kafka/topics.ts';
import type { Fence } from './state/store.ts';
import { LocalStateStore } from './state/local-state.ts';
import type { DecideHooks, StateEngine, ShardState, TimerStep } from './state/shard-state.ts';
import type { TimerOptions } from './features/timers.ts';
import { timerOptionsOf } from './rules/time-context.ts';
import { decideTimers } from './pipeline/decide-timers.ts';
import { readToEnd } from './kafka/read-committed.ts';
import { decisionRecordsFromTasks, dueHoursIn } from './pipeline/restore-contacts.ts';
import { AuditTrail } from './audit/trail.ts';
import type { RuleSet } from './rules/config.ts';
import type { FraudCheckTask, OutreachTask, Suppression } from './events/types.ts';
import type { Kafka } from 'kafkajs';
import { BusinessCalendar } from './state/calendar.ts';
import { createRedis, type RedisClient } from './state/redis.ts';
import { startHttp, type HttpServer } from './observability/http.ts';
import { createMetrics, metricsRoute, type Metrics } from './observability/metrics.ts';
import { combineObservers, metricsObserver } from './observability/metrics-observer.ts';
import { livenessRoute, readiness, readinessRoute } from './observability/health.ts';
import { SummaryWindow, startLogSummary, type LogSummaryHandle } from './observability/log-summary.ts';
import { timeScriptCalls } from './observability/redis-timing.ts';
import { agentApiRoute } from './api/router.ts';
import { consoleRoutes } from './console/route.ts';
import { loadApiTokens, TokenSet } from './api/tokens.ts';
import { TOPICS } from './events/topics.ts';
import type { Tally } from './pipeline/tally.ts';
import { RuleSetHolder } from './rules/holder.ts';
import { decideBatch, type Decisions } from './pipeline/decide.ts';
import type { BatchResult, OutputMessage } from './pipeline/process-batch.ts';
import type { Serde } from './kafka/serde.ts';
import type { IngestorObserver } from './stream/ingestor-observer.ts';
import { CareTaskIndex } from './state/care-task-index.ts';
import { careTaskUpdates, careTaskUpdatesOfBatch, careTaskUpdatesOfRestore } from './pipeline/care-task-updates.ts';
import type { ChannelEvent } from './events/types.ts';
import { careSummary } from './tasks/care-kpis.ts';
import type { CareTask } from './tasks/care-task-status.ts';

/**
 * After Redis lost a shard's state and its features were replayed: the contact
 * history and decision log of its customers, from the published task topics.
 */
/** The dead-letter topic's size limit, read once at start-up with a short-lived admin client. */
async function readMessageLimit(kafka: Kafka, topic: string): ReturnType<typeof maxMessageBytes> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await maxMessageBytes(admin, topic);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function restoreContacts(kafka: Kafka, serde: Serde, store: ShardState, ruleSet: RuleSet, customers: ReadonlySet<string>, fence: Fence, logger: Logger, careTasks: { index: CareTaskIndex; retentionMs: number }): Promise<void> {
  const published = { fraudChecks: [] as FraudCheckTask[], outreach: [] as OutreachTask[], suppressions: [] as Suppression[] };
  const raw: { topic: string; value: Buffer }[] = [];
  await readToEnd(kafka, [TOPICS.fraudCheckTasks, TOPICS.outreachTasks, TOPICS.suppressions], (topic, key, value) => {
    if (key !== null && customers.has(key)) raw.push({ topic, value });
  });
  for (const { topic, value } of raw) {
    if (topic === TOPICS.fraudCheckTasks) {
      const d = await serde.decode(TOPICS.fraudCheckTasks, value);
      if (d.ok) published.fraudChecks.push(d.value);
    } else if (topic === TOPICS.outreachTasks) {
      const d = await serde.decode(TOPICS.outreachTasks, value);
      if (d.ok) published.outreach.push(d.value);
    } else {
      const d = await serde.decode(TOPICS.suppressions, value);
      if (d.ok) published.suppressions.push(d.value);
    }
  }
  const records = decisionRecordsFromTasks(published, ruleSet);
  await store.recordDecisions(records, DECISION_DEFAULTS, fence);
  await restoreCareTasks(store, published, customers, fence, careTasks);
  logger.info({ customers: records.length, tasks: published.fraudChecks.length + published.outreach.length, suppressions: published.suppressions.length }, 'contact history restored from the task topics');
}

/**
 * The care-task status index of a rebuilt shard's customers: the published
 * tasks, then the contact outcomes their rebuilt states remember.
 */
async function restoreCareTasks(store: ShardState, published: { fraudChecks: FraudCheckTask[]; outreach: OutreachTask[] }, customers: ReadonlySet<string>, fence: Fence, careTasks: { index: CareTaskIndex; retentionMs: number }): Promise<void> {
  const outcomes: { customerId: string; taskId: string; outcome: string; at: number }[] = [];
  const ids = [...customers];
  for (let i = 0; i < ids.length; i += 200) {
    const histories = await Promise.all(ids.slice(i, i + 200).map(async (customerId) => ({ customerId, h: await store.contactHistory(customerId) })));
    for (const { customerId, h } of histories) for (const o of h?.outcomes ?? []) outcomes.push({ customerId, ...o });
  }
  await careTasks.index.record(careTaskUpdatesOfRestore(published, outcomes), Date.now() - careTasks.retentionMs, fence);
}

/**
 * Tasks and suppressions as messages for the output topics, keyed by customer,
 * with metadata for the metrics (rule, kind, reason, the triggering event's time).
 */
function encodeDecisions(serde: Serde, d: ReturnType<typeof decideBatch>, applied: BatchResult['applied']): OutputMessage[] {
  // A task's trigger is one of the batch's applied events (its transaction, or its only source event).
  const eventTimes = new Map<string, number>();
  if (d.fraudChecks.length + d.outreach.length > 0) for (const a of applied) if (a.record.kind !== 'profile') eventTimes.set(a.record.event.eventId, a.record.event.occurredAt);
  return [
    ...d.fraudChecks.map((t) => ({ topic: TOPICS.fraudCheckTasks, key: t.customerId, value: serde.encodeKnown(TOPICS.fraudCheckTasks, t), meta: { type: 'task', kind: 'fraud_check', rule: t.ruleId, eventTime: eventTimes.get(t.transactionEventId) } } as const)),
    ...d.outreach.map((t) => ({ topic: TOPICS.outreachTasks, key: t.customerId, value: serde.encodeKnown(TOPICS.outreachTasks, t), meta: { type: 'task', kind: 'outreach', rule: t.ruleId, eventTime: eventTimes.get(t.sourceEventIds.at(-1) ?? '') } } as const)),
    ...d.suppressions.map((t) => ({ topic: TOPICS.suppressions, key: t.customerId, value: serde.encodeKnown(TOPICS.suppressions, t), meta: { type: 'suppression', rule: t.ruleId, reason: t.reason } } as const)),
  ];
}

/** The timer options of the rule set in force (computed once per rule set: a reload gives a new one). */
const timerOptionsCache = new WeakMap<RuleSet, TimerOptions>();
function timerOptionsIn(rules: RuleSetHolder | undefined, calendar: BusinessCalendar): TimerOptions | undefined {
  const ruleSet = rules?.current;
  if (!ruleSet) return undefined;
  let o = timerOptionsCache.get(ruleSet);
  if (!o) timerOptionsCache.set(ruleSet, (o = timerOptionsOf(ruleSet, calendar)));
  return o;
}

/** Decisions taken item by item (DecideHooks), as one. */
function mergeDecisions(list: readonly unknown[]): Decisions {
  const out: Decisions = { fraudChecks: [], outreach: [], suppressions: [], records: [] };
  for (const d of list as Decisions[]) {
    out.fraudChecks.push(...d.fraudChecks);
    out.outreach.push(...d.outreach);
    out.suppressions.push(...d.suppressions);
    out.records.push(...d.records);
  }
  return out;
}

const CARE_SUMMARY_TTL_MS = 30_000;

/** A value computed at most once per `ttlMs` (concurrent callers share one computation). */
function cached<T>(ttlMs: number, compute: () => Promise<T>): { get(): Promise<T> } {
  let at = -Infinity;
  let value: Promise<T> | undefined;
  return {
    get() {
      const now = Date.now();
      if (!value || now - at >= ttlMs) {
        at = now;
        value = compute();
        value.catch(() => {
          value = undefined;
        });
      }
      return value;
    },
  };
}

/** Suppressions this instance committed since it started, by reason (the console's overview). */
async function suppressionsByReason(metrics: Metrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.suppressions.get()).values) {
    const reason = String(v.labels.reason);
    out[reason] = (out[reason] ?? 0) + v.value;
  }
  return out;
}

export interface App {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** What became of every record consumed so far (committed batches). */
  readonly tally: Tally;
  /** The feature store, once started. */
  readonly store: StateEngine | undefined;
  /** The rule set in force, once started. */
  readonly rules: RuleSetHolder | undefined;
  /** The port the HTTP listener took (HTTP_PORT=0 picks one), once started. */
  readonly httpPort: number | undefined;
}

/** The feature store over a Redis connection, configured from the settings. */
export function createStore(redis: RedisClient, config: Config, timers?: () => TimerOptions | undefined): LocalStateStore {
  return new LocalStateStore(redis, {
    keyPrefix: config.state.keyPrefix,
    allowedLatenessMs: config.state.allowedLatenessMs,
    duplicateWindowMs: config.state.duplicateWindowMs,
    calendar: new BusinessCalendar(config.businessTimeZone),
    babyMccs: new Set(config.state.babyMccs),
    pseudonymKey: config.state.pseudonymKey,
    cacheCustomers: config.state.cacheCustomers,
    ...(timers && { timers }),
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
  /** Processing cannot go on (the service exits non-zero so a supervisor restarts it). */
  readonly onFatal?: (err: Error) => void;
  /** Nobody calls /v1 in this run (the demo's report): having no tokens is then no warning. */
  readonly agentApiUnused?: boolean;
  /** Wraps the connected Kafka client: tests make real calls fail (a transaction refused after the write-back). */
  readonly kafka?: (kafka: Kafka) => Kafka;
}

export function createApp(config: Config, logger: Logger, options: AppOptions = {}): App {
  let stack: ResolvedStack | undefined;
  let http: HttpServer | undefined;
  let redis: RedisClient | undefined;
  let store: StateEngine | undefined;
  let ingestor: Ingestor | undefined;
  let rules: RuleSetHolder | undefined;
  let careTaskIndex: CareTaskIndex | undefined;
  let auditTrail: AuditTrail | undefined;
  let publishOutcome: ((e: ChannelEvent) => Promise<void>) | undefined;
  let stopOutcomeProducer: (() => Promise<void>) | undefined;
  let started = false;
  const consume = options.consume ?? true;
  const metrics = createMetrics();
  const summaryWindow = new SummaryWindow(Date.now());
  // The care gauges read the whole status index: at most once per CARE_SUMMARY_TTL_MS, however often Prometheus scrapes.
  const careSummaryCache = cached(CARE_SUMMARY_TTL_MS, async () => {
    const index = careTaskIndex;
    if (!index) return undefined;
    const tasks: CareTask[] = [];
    for await (const t of index.all()) tasks.push(t);
    return careSummary(tasks, Date.now());
  });
  const observer = metricsObserver(metrics, summaryWindow);
  let summary: LogSummaryHandle | undefined;
  const readinessState = () => ({
    connected: started && redis?.status === 'ready',
    consuming: consume,
    assignedPartitions: ingestor?.assignedPartitions ?? 0,
    rebuilding: ingestor?.rebuilding ?? false,
    degraded: ingestor?.degraded ?? false,
  });
  metrics.bindState({
    ready: () => readiness(readinessState()).ready,
    assignedPartitions: () => ingestor?.assignedPartitions ?? 0,
    rebuilding: () => ingestor?.rebuilding ?? false,
    ruleSetVersion: () => rules?.current.version,
    careSummary: () => careSummaryCache.get(),
  });

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
      const noTokens = 'agent API: no tokens configured (API_TOKENS, API_TOKENS_FILE), every /v1 customer request is refused';
      if (apiTokens.size === 0 && options.agentApiUnused) logger.info(noTokens);
      else if (apiTokens.size === 0) logger.warn(noTokens);
      http = await startHttp({ port: config.httpPort, ...config.http }, {
        '/v1/*': agentApiRoute({
          tokens: apiTokens, reader: () => store, timeZone: config.businessTimeZone, logger,
          careTasks: {
            index: () => careTaskIndex,
            publish: (e) => (publishOutcome ? publishOutcome(e) : Promise.reject(new Error('not connected'))),
            now: Date.now,
            validation: config.validation,
            service: async () => ({ health: readiness(readinessState()), suppressionsByReason: await suppressionsByReason(metrics) }),
          },
          idRules: config.validation.ids,
          audit: { source: () => auditTrail, careTasks: () => careTaskIndex, now: Date.now },
          pseudonymKey: config.state.pseudonymKey,
          onAccess: (a) => metrics.apiRequests.inc({ endpoint: a.endpoint, client: a.client ?? 'none', status: String(a.status) }),
        }),
        ...consoleRoutes(),
        '/healthz': livenessRoute,
        '/readyz': readinessRoute(readinessState),
        '/metrics': metricsRoute(metrics),
      });
      logger.info({ port: http.port, host: config.http.host ?? 'all interfaces' }, 'health endpoints listening');
      const connected = await connect(config, logger);
      stack = connected.stack;
      const { serde } = connected;
      const kafka = options.kafka ? options.kafka(connected.kafka) : connected.kafka;
      const dlqLimit = await readMessageLimit(kafka, TOPICS.dlq);
      if (dlqLimit.error) logger.warn({ err: dlqLimit.error, topic: TOPICS.dlq, bytes: dlqLimit.bytes }, 'could not read the dead-letter topic\'s max.message.bytes; assuming Kafka\'s default');
      else logger.info({ topic: TOPICS.dlq, bytes: dlqLimit.bytes }, 'dead letters are cut to fit the topic\'s max.message.bytes');
      redis = createRedis(stack.redisUrl, config);
      await redis.connect();
      // A chunk's Redis round trips: loading the customers not cached, writing the changed ones back.
      // The `script` label values 'acquire-task' and 'mark-task-built' keep the name shards had before
      // (persisted in Prometheus series; the dashboard in deploy/grafana groups by them): only the method names changed.
      store = timeScriptCalls(createStore(redis, config, config.timers.enabled ? ((c) => () => timerOptionsIn(rules, c))(new BusinessCalendar(config.businessTimeZone)) : undefined), { loadCustomers: 'load-customers', writeCustomers: 'write-customer', acquireShard: 'acquire-task', markShardBuilt: 'mark-task-built' }, metrics.redisScriptDuration);
      const careTasks = { index: new CareTaskIndex(redis, config.state.keyPrefix), retentionMs: config.careTasks.retentionMs };
      careTaskIndex = careTasks.index;
      const adopted = await careTasks.index.adoptEarlierLayout();
      if (adopted > 0) logger.info({ keys: adopted }, 'care-task index moved to its keys with a hash tag (earlier layout)');
      // Outcomes posted through the API enter Kafka like any producer's channel events.
      const outcomeProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await outcomeProducer.connect();
      stopOutcomeProducer = () => outcomeProducer.disconnect();
      publishOutcome = async (e) => {
        const value = await serde.encode(TOPICS.channelEvents, e);
        await outcomeProducer.send({ topic: TOPICS.channelEvents, acks: -1, messages: [{ key: e.customerId, value }] });
      };
      rules = await RuleSetHolder.create(config.rulesFile, logger);
      rules.watch();
      const rulesInForce = rules;
      auditTrail = new AuditTrail(kafka, serde, { audit: config.audit, dueHoursOf: (ruleId) => dueHoursIn(rulesInForce.current)(ruleId) });
      const calendar = new BusinessCalendar(config.businessTimeZone);
      const ruleHolder = rules;
      const timersOn = config.timers.enabled;
      // With timers on, the rules run item by item inside the chunk (DecideHooks): decisions come with the result.
      const hooks: DecideHooks = {
        options: DECISION_DEFAULTS,
        decide: (customerId, item, facts) => {
          const customers = new Map([[customerId, facts]]);
          const d =
            item.kind === 'event'
              ? decideBatch({ applied: [{ record: item.record, outcome: item.outcome }], customers, ruleSet: ruleHolder.current, calendar, now: Date.now(), timers: true })
              : decideTimers({ fired: new Map([[customerId, item.fired]]), customers, ruleSet: ruleHolder.current, calendar, now: Date.now() });
          return { record: d.records[0] ?? null, decided: d };
        },
      };
      const afterBatch = async (result: BatchResult, state: ShardState, fence: Fence) => {
        const decisions = timersOn ? mergeDecisions(result.decided ?? []) : decideBatch({ applied: result.applied, customers: result.customers, ruleSet: ruleHolder.current, calendar, now: Date.now() });
        if (!timersOn) await state.recordDecisions(decisions.records, DECISION_DEFAULTS, fence);
        // A rebuild decides again only for what the state remembers (timers on); the index is restored from the task topics.
        if (fence.rebuilding) return [];
        await careTasks.index.record(careTaskUpdatesOfBatch(decisions, result.applied, ruleHolder.current.tiers), Date.now() - careTasks.retentionMs, fence);
        return encodeDecisions(serde, decisions, result.applied);
      };
      const afterTimers = async (step: TimerStep, _state: ShardState, fence: Fence) => {
        const decisions = mergeDecisions(step.decided);
        if (fence.rebuilding) return [];
        await careTasks.index.record(careTaskUpdates({ fraudChecks: decisions.fraudChecks, outreach: decisions.outreach, channelEvents: [], tierOfTransaction: () => null }), Date.now() - careTasks.retentionMs, fence);
        return encodeDecisions(serde, decisions, []);
      };
      if (consume) {
        ingestor = new Ingestor(
          kafka,
          { serde, store, maxFutureSkewMs: config.validation.maxFutureSkewMs, maxEventAgeMs: config.validation.maxEventAgeMs, limits: config.validation, maxDeadLetterBytes: dlqLimit.bytes, now: Date.now },
          {
            groupId: config.kafka.groupId,
            concurrency: config.consumer.concurrency,
            maxChunk: config.consumer.maxChunkRecords,
            maxQueued: config.consumer.maxQueuedRecords,
            fetchMaxBytesPerPartition: config.consumer.fetchMaxBytesPerPartition,
            sessionTimeoutMs: config.kafka.sessionTimeoutMs,
            afterBatch,
            ...(timersOn && { timers: { followClock: config.timers.followClock, allowedLatenessMs: config.state.allowedLatenessMs, tickMs: config.timers.tickMs, hooks, afterTimers } }),
            restoreContacts: (partition, customers, state, fence) => restoreContacts(kafka, serde, state, ruleHolder.current, customers, fence, logger.child({ component: 'rebuild', partition }), careTasks),
            onFatal: (err) => options.onFatal?.(err),
            ...(options.startAt ? { startAt: options.startAt } : {}), observer: combineObservers(observer, options.observer) },
          logger,
        );
        await ingestor.start();
        logger.info({ groupId: config.kafka.groupId, dlq: TOPICS.dlq }, 'consuming the input topics');
      }
      started = true;
      summary = startLogSummary(logger.child({ component: 'summary' }), summaryWindow, config.logSummaryIntervalMs, () => observer.lag.total());
    },
    async stop() {
      started = false;
      const deadline = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), config.consumer.shutdownTimeoutMs).unref());
      if ((await Promise.race([ingestor?.stop(), deadline])) === 'late') {
        logger.warn({ timeoutMs: config.consumer.shutdownTimeoutMs }, 'the consumer did not stop in time; uncommitted work is read again by the next owner');
      }
      summary?.stop();
      summary = undefined;
      publishOutcome = undefined;
      await stopOutcomeProducer?.().catch(() => {});
      careTaskIndex = undefined;
      await auditTrail?.close();
      auditTrail = undefined;
      rules?.unwatch();
      await redis?.quit().catch(() => {});
      await http?.close();
      await stack?.release();
    },
  };
  return app;
}
