import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, SERIES_NAMES, createMetrics, isExportedSeries, type Metrics, type StateSource } from '../../../src/observability/metrics.ts';
import { metricsObserver, combineObservers } from '../../../src/observability/metrics-observer.ts';
import { SummaryWindow } from '../../../src/observability/log-summary.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { applied, input, output } from './fixtures.ts';

// tier (VIP, POTENTIAL, ORDINARY, UNKNOWN), priority (P1-P4) and status (open, overdue) are enums too.
// client is the API token's name: bounded by the configured tokens (plus "none"), never a customer.
const ALLOWED_LABELS = new Set(['topic', 'partition', 'reason', 'rule', 'kind', 'script', 'version', 'tier', 'priority', 'status', 'endpoint', 'client']);

async function values(m: Metrics, name: string): Promise<{ labels: Record<string, string | number>; value: number; metricName?: string }[]> {
  const metric = m.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values as { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

async function value(m: Metrics, name: string, labels: Record<string, string> = {}, series = name): Promise<number | undefined> {
  return (await values(m, name)).find((v) => (v.metricName ?? name) === series && Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))?.value;
}

describe('the metric catalogue', () => {
  it('registers exactly METRIC_NAMES on a registry of its own', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const names = (await m.registry.getMetricsAsJSON()).map((x) => x.name).sort();
    expect(names).toEqual([...METRIC_NAMES].sort());
    // A second app in the same process gets its own registry: no "already registered" error.
    const other = createMetrics({ defaultMetrics: false });
    m.chunkFailures.inc();
    expect(await value(other, 'carestream_chunk_failures_total')).toBe(0);
  });

  it('follows the Prometheus conventions: counters end in _total, durations in _seconds', () => {
    for (const name of METRIC_NAMES) {
      expect(name.startsWith('carestream_'), name).toBe(true);
      if (name.includes('duration') || name.includes('to_commit')) expect(name.endsWith('_seconds'), name).toBe(true);
    }
    const m = createMetrics({ defaultMetrics: false });
    for (const metric of m.registry.getMetricsAsArray()) {
      const type = (metric as unknown as { type?: string }).type;
      if (type === 'counter') expect(metric.name.endsWith('_total'), metric.name).toBe(true);
    }
  });

  it('uses only bounded, non-personal label names', () => {
    const m = createMetrics({ defaultMetrics: false });
    for (const metric of m.registry.getMetricsAsArray()) {
      for (const label of (metric as unknown as { labelNames: string[] }).labelNames) expect(ALLOWED_LABELS.has(label), `${metric.name}{${label}}`).toBe(true);
    }
  });

  it('exports the default process and Node.js metrics with the carestream_ prefix, and knows them', async () => {
    const m = createMetrics();
    const names = (await m.registry.getMetricsAsJSON()).map((x) => x.name);
    expect(names).toContain('carestream_process_cpu_user_seconds_total');
    for (const name of names) expect(isExportedSeries(name) || SERIES_NAMES.includes(`${name}_count`), name).toBe(true);
    expect(isExportedSeries('carestream_event_to_commit_seconds_bucket')).toBe(true);
    expect(isExportedSeries('carestream_event_to_commit_seconds')).toBe(false);
    expect(isExportedSeries('carestream_records_consumed')).toBe(false);
  });

  it('reads the ready, partitions, rebuilding and rule-set gauges from the app at scrape time', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const state = { ready: false, partitions: 0, rebuilding: true, version: 'bank-a-1' as string | undefined };
    const source: StateSource = { ready: () => state.ready, assignedPartitions: () => state.partitions, rebuilding: () => state.rebuilding, ruleSetVersion: () => state.version };
    m.bindState(source);
    expect(await value(m, 'carestream_ready')).toBe(0);
    expect(await value(m, 'carestream_rebuild_in_progress')).toBe(1);
    expect(await values(m, 'carestream_rule_set_info')).toEqual([{ labels: { version: 'bank-a-1' }, value: 1 }]);
    Object.assign(state, { ready: true, partitions: 6, rebuilding: false, version: 'bank-a-2' });
    expect(await value(m, 'carestream_ready')).toBe(1);
    expect(await value(m, 'carestream_assigned_partitions')).toBe(6);
    expect(await value(m, 'carestream_rebuild_in_progress')).toBe(0);
    // A reload leaves one series, the new version's.
    expect(await values(m, 'carestream_rule_set_info')).toEqual([{ labels: { version: 'bank-a-2' }, value: 1 }]);
  });
});

describe('metricsObserver', () => {
  const T0 = Date.parse('2026-11-10T06:00:00Z');

  it('counts a committed chunk by topic, rule, kind and reason, with its latencies and lag', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const window = new SummaryWindow(T0);
    const o = metricsObserver(m, window);
    o.fetched!({ topic: TOPICS.transactions, partition: 4, highWatermark: 110n, lastOffset: 102n });
    const records = [input(TOPICS.transactions, 100, T0 - 2000, 4), input(TOPICS.transactions, 101, T0 - 1000, 4), input(TOPICS.transactions, 102, T0 - 1000, 4)];
    o.chunkCommitted!({
      partition: 4,
      records,
      result: { ...applied(TOPICS.transactions), outputs: [], tally: { consumed: 3, applied: 1, skipped: 1, deadLettered: 1, byReason: { LATE: 1 } }, customers: new Map() },
      outputs: [
        output({ type: 'dead-letter', sourceTopic: TOPICS.transactions, reason: 'LATE' }),
        output({ type: 'task', kind: 'fraud_check', rule: 'large-outflow', eventTime: T0 - 3000 }),
        output({ type: 'task', kind: 'outreach', rule: 'complaint-recovery', eventTime: T0 - 60_000 }),
        output({ type: 'suppression', rule: 'mortgage-interest', reason: 'NO_CONSENT' }),
      ],
      committed: new Map([[TOPICS.transactions, 103n]]),
      startedAt: T0 - 250,
      committedAt: T0,
    });
    const tx = { topic: TOPICS.transactions };
    expect(await value(m, 'carestream_records_consumed_total', tx)).toBe(3);
    expect(await value(m, 'carestream_records_applied_total', tx)).toBe(1);
    expect(await value(m, 'carestream_records_skipped_total', tx)).toBe(1);
    expect(await value(m, 'carestream_records_dead_lettered_total', { ...tx, reason: 'LATE' })).toBe(1);
    expect(await value(m, 'carestream_tasks_total', { rule: 'large-outflow', kind: 'fraud_check' })).toBe(1);
    expect(await value(m, 'carestream_tasks_total', { rule: 'complaint-recovery', kind: 'outreach' })).toBe(1);
    expect(await value(m, 'carestream_suppressions_total', { rule: 'mortgage-interest', reason: 'NO_CONSENT' })).toBe(1);
    expect(await value(m, 'carestream_event_to_commit_seconds', { kind: 'fraud_check' }, 'carestream_event_to_commit_seconds_sum')).toBe(3);
    expect(await value(m, 'carestream_event_to_commit_seconds', { kind: 'outreach' }, 'carestream_event_to_commit_seconds_sum')).toBe(60);
    expect(await value(m, 'carestream_append_to_commit_seconds', tx, 'carestream_append_to_commit_seconds_count')).toBe(3);
    expect(await value(m, 'carestream_append_to_commit_seconds', tx, 'carestream_append_to_commit_seconds_sum')).toBe(4);
    expect(await value(m, 'carestream_batch_records', {}, 'carestream_batch_records_sum')).toBe(3);
    expect(await value(m, 'carestream_batch_duration_seconds', {}, 'carestream_batch_duration_seconds_sum')).toBe(0.25);
    expect(await value(m, 'carestream_consumer_lag', { ...tx, partition: '4' })).toBe(7);
    // The same chunk, in the log summary's window.
    expect(window.take(T0 + 60_000)).toMatchObject({ consumed: 3, applied: 1, skipped: 1, deadLettered: 1, tasks: { fraud_check: 1, outreach: 1 }, suppressions: 1, chunks: 1, intervalMs: 60_000 });
    expect(o.lag.total()).toBe(7);
  });

  it('counts chunk failures and rebuild progress, and drops lag and progress at a rebalance', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const o = metricsObserver(m);
    o.chunkFailed!({ partition: 1, error: new Error('redis down'), attempt: 1, retryInMs: 500 });
    o.chunkFailed!({ partition: 1, error: new Error('redis down'), attempt: 2, retryInMs: 1000 });
    expect(await value(m, 'carestream_chunk_failures_total')).toBe(2);
    o.transactionRetried!({ partition: 1, attempt: 1 });
    o.transactionRetried!({ partition: 4, attempt: 2 });
    expect(await value(m, 'carestream_transaction_retries_total')).toBe(2);

    o.rebuildProgress!({ partition: 3, done: 400, total: 1000, finished: false });
    o.rebuildProgress!({ partition: 3, done: 900, total: 1000, finished: false });
    expect(await value(m, 'carestream_rebuild_records_total')).toBe(900);
    expect(await value(m, 'carestream_rebuild_progress_ratio', { partition: '3' })).toBe(0.9);
    o.rebuildProgress!({ partition: 3, done: 1000, total: 1000, finished: true });
    expect(await value(m, 'carestream_rebuild_records_total')).toBe(1000);
    expect(await value(m, 'carestream_rebuild_progress_ratio', { partition: '3' })).toBe(1);

    o.fetched!({ topic: TOPICS.channelEvents, partition: 0, highWatermark: 5n, lastOffset: 4n });
    o.chunkCommitted!({ partition: 0, records: [], result: { applied: [], outputs: [], tally: { consumed: 0, applied: 0, skipped: 0, deadLettered: 0, byReason: {} }, customers: new Map() }, outputs: [], committed: new Map([[TOPICS.channelEvents, 2n]]), startedAt: 0, committedAt: 0 });
    expect(await values(m, 'carestream_consumer_lag')).toHaveLength(1);
    o.assigned!({ partitions: 2 });
    expect(await values(m, 'carestream_consumer_lag')).toEqual([]);
    expect(await values(m, 'carestream_rebuild_progress_ratio')).toEqual([]);
  });

  it('passes every event on to each combined observer', () => {
    const seen: string[] = [];
    const combined = combineObservers({ chunkFailed: () => seen.push('a') }, undefined, { chunkFailed: () => seen.push('b'), assigned: () => seen.push('b:assigned') });
    combined.chunkFailed!({ partition: 0, error: new Error('x'), attempt: 1, retryInMs: 1 });
    combined.assigned!({ partitions: 1 });
    combineObservers({ transactionRetried: (e) => seen.push(`retried ${e.partition}`) }).transactionRetried!({ partition: 3, attempt: 1 });
    expect(seen).toEqual(['a', 'b', 'b:assigned', 'retried 3']);
  });
});
