import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Route } from './http.ts';
import type { CareSummary } from '../tasks/care-kpis.ts';

/**
 * Every metric carestream exports, declared once, on a registry of its own (not
 * prom-client's global one, so several apps can live in one process). Labels
 * take only bounded values that say nothing about a customer: topic,
 * partition, reason, rule, kind, script, version.
 *
 * The names are a contract: dashboards and alert rules are written against
 * them (see docs/operations/observability.md).
 */

export const METRIC_PREFIX = 'carestream_';

/** Kind of a task, as a label value. */
export type TaskKindLabel = 'fraud_check' | 'outreach';

export const BUCKETS = Object.freeze({
  /** Event time to commit: seconds for live traffic, hours or days when old data is replayed. */
  eventToCommit: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600, 21_600, 86_400],
  appendToCommit: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
  batchRecords: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000],
  batchDuration: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  redisScript: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

type MetricType = 'counter' | 'gauge' | 'histogram';

/** carestream's own metrics: name -> type. */
export const METRIC_TYPES = Object.freeze({
  carestream_records_consumed_total: 'counter',
  carestream_records_applied_total: 'counter',
  carestream_records_skipped_total: 'counter',
  carestream_records_dead_lettered_total: 'counter',
  carestream_tasks_total: 'counter',
  carestream_suppressions_total: 'counter',
  carestream_event_to_commit_seconds: 'histogram',
  carestream_append_to_commit_seconds: 'histogram',
  carestream_batch_records: 'histogram',
  carestream_batch_duration_seconds: 'histogram',
  carestream_redis_script_duration_seconds: 'histogram',
  carestream_consumer_lag: 'gauge',
  carestream_rule_set_info: 'gauge',
  carestream_rebuild_in_progress: 'gauge',
  carestream_rebuild_records_total: 'counter',
  carestream_rebuild_progress_ratio: 'gauge',
  carestream_chunk_failures_total: 'counter',
  carestream_transaction_retries_total: 'counter',
  carestream_assigned_partitions: 'gauge',
  carestream_ready: 'gauge',
  carestream_care_queue_tasks: 'gauge',
  carestream_care_tasks_issued: 'gauge',
  carestream_care_reached_ratio: 'gauge',
  carestream_care_fraud_checks_answered_in_time_ratio: 'gauge',
  carestream_care_escalations: 'gauge',
  carestream_care_complaints: 'gauge',
  carestream_care_vip_downgrades: 'gauge',
  carestream_api_requests_total: 'counter',
} as const satisfies Record<string, MetricType>);

export type MetricName = keyof typeof METRIC_TYPES;

/** The names of carestream's own metrics (not the default process/nodejs ones). */
export const METRIC_NAMES: readonly MetricName[] = Object.freeze(Object.keys(METRIC_TYPES) as MetricName[]);

/** The series names a metric is scraped as: a histogram is `_bucket`, `_sum` and `_count`. */
export function seriesNames(name: MetricName): string[] {
  return METRIC_TYPES[name] === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}

/** Every series name of carestream's own metrics. */
export const SERIES_NAMES: readonly string[] = Object.freeze(METRIC_NAMES.flatMap(seriesNames));

/**
 * Whether a series name (as used in PromQL) is exported: one of carestream's
 * own, or one of prom-client's default process and Node.js metrics, which are
 * exported with the `carestream_` prefix (carestream_process_*, carestream_nodejs_*).
 */
export function isExportedSeries(name: string): boolean {
  return SERIES_NAMES.includes(name) || /^carestream_(process|nodejs)_[a-z0-9_]+$/.test(name);
}

/** What the scrape-time gauges read: the app's state at that moment. */
export interface StateSource {
  ready(): boolean;
  assignedPartitions(): number;
  rebuilding(): boolean;
  /** The version of the rule set in force, once there is one. */
  ruleSetVersion(): string | undefined;
  /** The care programme as the care-task index shows it (shared by every instance), once connected. */
  careSummary?(): Promise<CareSummary | undefined>;
}

export interface Metrics {
  readonly registry: Registry;
  readonly recordsConsumed: Counter<'topic'>;
  readonly recordsApplied: Counter<'topic'>;
  readonly recordsSkipped: Counter<'topic'>;
  readonly recordsDeadLettered: Counter<'topic' | 'reason'>;
  readonly tasks: Counter<'rule' | 'kind'>;
  readonly suppressions: Counter<'rule' | 'reason'>;
  readonly eventToCommit: Histogram<'kind'>;
  readonly appendToCommit: Histogram<'topic'>;
  readonly batchRecords: Histogram;
  readonly batchDuration: Histogram;
  readonly redisScriptDuration: Histogram<'script'>;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly ruleSetInfo: Gauge<'version'>;
  readonly rebuildInProgress: Gauge;
  readonly rebuildRecords: Counter;
  readonly rebuildProgressRatio: Gauge<'partition'>;
  readonly chunkFailures: Counter;
  readonly transactionRetries: Counter;
  readonly assignedPartitions: Gauge;
  readonly ready: Gauge;
  readonly careQueueTasks: Gauge<'priority' | 'status' | 'kind'>;
  readonly careTasksIssued: Gauge<'tier'>;
  readonly careReachedRatio: Gauge<'tier'>;
  readonly careFraudChecksAnsweredInTimeRatio: Gauge<'tier'>;
  readonly careEscalations: Gauge<'tier'>;
  readonly careComplaints: Gauge<'tier'>;
  readonly careVipDowngrades: Gauge<'tier'>;
  readonly apiRequests: Counter<'endpoint' | 'client' | 'status'>;
  /** Tells the scrape-time gauges (ready, assigned partitions, rebuilding, rule set) where to look. */
  bindState(source: StateSource): void;
  /** The text exposition of every metric, and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsOptions {
  /** Also export prom-client's process and Node.js metrics (carestream_process_*, carestream_nodejs_*). Default true. */
  readonly defaultMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  let state: StateSource | undefined;
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

  const counter = <L extends string>(name: MetricName, help: string, labelNames: readonly L[] = []) => new Counter<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: MetricName, help: string, buckets: readonly number[], labelNames: readonly L[] = []) =>
    new Histogram<L>({ name, help, labelNames, buckets: [...buckets], registers });

  /**
   * A gauge read from the care summary at scrape time. Every instance reads
   * the same shared index, so every instance reports the same values: take
   * max, not sum, across instances.
   */
  const careGauge = <L extends string>(name: MetricName, help: string, labelNames: readonly L[], pick: (s: CareSummary) => { labels: Record<L, string>; value: number | null }[]) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        const summary = await state?.careSummary?.().catch(() => undefined);
        this.reset();
        if (!summary) return;
        for (const { labels, value } of pick(summary)) if (value !== null) this.set(labels as never, value);
      },
    });
  const perTier = (f: (k: CareSummary['kpis'][number]) => number | null) => (s: CareSummary) => s.kpis.map((k) => ({ labels: { tier: k.tier }, value: f(k) }));

  const m: Metrics = {
    registry,
    recordsConsumed: counter('carestream_records_consumed_total', 'Input records consumed (counted when their chunk commits).', ['topic']),
    recordsApplied: counter('carestream_records_applied_total', 'Input records applied to the feature store.', ['topic']),
    recordsSkipped: counter('carestream_records_skipped_total', 'Input records skipped: duplicates and stale profiles.', ['topic']),
    recordsDeadLettered: counter('carestream_records_dead_lettered_total', 'Input records sent to the dead-letter topic, by reason.', ['topic', 'reason']),
    tasks: counter('carestream_tasks_total', 'Tasks committed, by rule and kind (fraud_check or outreach).', ['rule', 'kind']),
    suppressions: counter('carestream_suppressions_total', 'Candidate outreach held back by the contact policy, by rule and reason.', ['rule', 'reason']),
    eventToCommit: histogram('carestream_event_to_commit_seconds', "From a task's triggering event time to the commit of the task's transaction.", BUCKETS.eventToCommit, ['kind']),
    appendToCommit: histogram('carestream_append_to_commit_seconds', "From an input record's Kafka timestamp to the commit of the chunk that carried it.", BUCKETS.appendToCommit, ['topic']),
    batchRecords: histogram('carestream_batch_records', 'Input records per committed chunk.', BUCKETS.batchRecords),
    batchDuration: histogram('carestream_batch_duration_seconds', 'From the start of a chunk to its commit.', BUCKETS.batchDuration),
    redisScriptDuration: histogram('carestream_redis_script_duration_seconds', "One chunk's pipelined calls of a Redis script, round trip included.", BUCKETS.redisScript, ['script']),
    consumerLag: new Gauge({ name: 'carestream_consumer_lag', help: 'High watermark minus committed offset, per input partition of this instance.', labelNames: ['topic', 'partition'], registers }),
    ruleSetInfo: new Gauge({
      name: 'carestream_rule_set_info',
      help: 'The rule set in force: 1 for its version.',
      labelNames: ['version'],
      registers,
      collect() {
        // Read at scrape time, so a reload shows without a hook into the rule holder.
        const version = state?.ruleSetVersion();
        this.reset();
        if (version !== undefined) this.set({ version }, 1);
      },
    }),
    rebuildInProgress: new Gauge({
      name: 'carestream_rebuild_in_progress',
      help: "1 while a shard's lost Redis state is rebuilt from the input topics.",
      registers,
      collect() {
        this.set(state?.rebuilding() ? 1 : 0);
      },
    }),
    rebuildRecords: counter('carestream_rebuild_records_total', 'Input records replayed to rebuild lost Redis state.'),
    rebuildProgressRatio: new Gauge({ name: 'carestream_rebuild_progress_ratio', help: 'Share of the records of a partition replayed by the rebuild in progress (1 when done).', labelNames: ['partition'], registers }),
    chunkFailures: counter('carestream_chunk_failures_total', 'Chunks that failed and will be read again.'),
    transactionRetries: counter('carestream_transaction_retries_total', 'Transaction steps repeated because the coordinator was still completing the previous commit (CONCURRENT_TRANSACTIONS).'),
    assignedPartitions: new Gauge({
      name: 'carestream_assigned_partitions',
      help: 'Partitions (shards) assigned to this instance.',
      registers,
      collect() {
        this.set(state?.assignedPartitions() ?? 0);
      },
    }),
    ready: new Gauge({
      name: 'carestream_ready',
      help: '1 when /readyz answers 200.',
      registers,
      collect() {
        this.set(state?.ready() ? 1 : 0);
      },
    }),
    careQueueTasks: careGauge('carestream_care_queue_tasks', 'Care tasks waiting for an answer (open, or overdue: past dueBy), by priority and kind.', ['priority', 'status', 'kind'],
      (s) => s.queue.map((q) => ({ labels: { priority: q.priority, status: q.status, kind: q.kind }, value: q.count }))),
    careTasksIssued: careGauge('carestream_care_tasks_issued', 'Care tasks in the status index (due within CARE_TASK_RETENTION_MS), by tier at issue.', ['tier'], perTier((k) => k.tasksIssued)),
    careReachedRatio: careGauge('carestream_care_reached_ratio', 'Share of the care tasks answered by a contact outcome that reached the customer, by tier.', ['tier'], perTier((k) => (k.reachedPercent === null ? null : k.reached / k.tasksIssued))),
    careFraudChecksAnsweredInTimeRatio: careGauge('carestream_care_fraud_checks_answered_in_time_ratio', 'Share of fraud checks (answered or past dueBy) answered by their dueBy, by tier.', ['tier'],
      perTier((k) => (k.fraudChecksDecided === 0 ? null : k.fraudChecksAnsweredInTime / k.fraudChecksDecided))),
    careEscalations: careGauge('carestream_care_escalations', 'Care tasks escalated (a fraud check whose dueBy passed unanswered), by tier.', ['tier'], perTier((k) => k.escalations)),
    careComplaints: careGauge('carestream_care_complaints', 'Complaints (complaint-recovery tasks), by tier.', ['tier'], perTier((k) => k.complaints)),
    careVipDowngrades: careGauge('carestream_care_vip_downgrades', 'VIP downgrades (vip-downgrade tasks: churn), by tier.', ['tier'], perTier((k) => k.vipDowngrades)),
    apiRequests: counter('carestream_api_requests_total', 'Agent API requests (the access log), by endpoint, token name (bounded by the configured tokens; "none" without a valid one) and status.', ['endpoint', 'client', 'status']),
    bindState(source) {
      state = source;
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
  return m;
}

/** GET /metrics: the Prometheus text exposition. */
export function metricsRoute(m: Metrics): Route {
  return async (_req, res) => {
    const { contentType, body } = await m.scrape();
    res.writeHead(200, { 'content-type': contentType }).end(body);
  };
}
