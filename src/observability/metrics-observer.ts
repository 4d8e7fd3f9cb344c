import type { IngestorObserver } from '../stream/ingestor-observer.ts';
import { accountChunk } from './chunk-account.ts';
import { LagTracker } from './lag.ts';
import type { Metrics } from './metrics.ts';
import type { SummaryWindow } from './log-summary.ts';

export interface MetricsObserver extends IngestorObserver {
  readonly lag: LagTracker;
}

/**
 * Turns what the ingestor reports into metrics (and into the periodic log
 * summary's window). Called synchronously on the ingestor's path, so it only
 * counts; it never throws for an odd event.
 */
export function metricsObserver(m: Metrics, window?: SummaryWindow): MetricsObserver {
  const lag = new LagTracker();
  const rebuilt = new Map<number, number>();
  const setLag = (l: { topic: string; partition: number; lag: number }) => m.consumerLag.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
  // Histogram children by label value: observing through a child skips hashing the labels for every record.
  const appendByTopic = new Map<string, ReturnType<typeof m.appendToCommit.labels>>();
  const appendChild = (topic: string) => {
    let c = appendByTopic.get(topic);
    if (!c) appendByTopic.set(topic, (c = m.appendToCommit.labels({ topic })));
    return c;
  };

  return {
    lag,
    fetched(e) {
      const l = lag.fetched(e.topic, e.partition, e.highWatermark);
      if (l) setLag(l);
    },
    chunkCommitted(e) {
      const a = accountChunk(e.records, e.result, e.outputs);
      for (const [topic, c] of a.byTopic) {
        if (c.consumed > 0) m.recordsConsumed.inc({ topic }, c.consumed);
        if (c.applied > 0) m.recordsApplied.inc({ topic }, c.applied);
        if (c.skipped > 0) m.recordsSkipped.inc({ topic }, c.skipped);
        for (const [reason, n] of Object.entries(c.deadLettered)) m.recordsDeadLettered.inc({ topic, reason }, n);
      }
      for (const t of a.tasks) {
        m.tasks.inc({ rule: t.rule, kind: t.kind });
        if (t.eventTime !== undefined) m.eventToCommit.observe({ kind: t.kind }, Math.max(0, e.committedAt - t.eventTime) / 1000);
      }
      for (const s of a.suppressions) m.suppressions.inc({ rule: s.rule, reason: s.reason });
      for (const r of e.records) {
        const appended = Number(r.message.timestamp);
        if (Number.isFinite(appended) && appended > 0) appendChild(r.topic).observe(Math.max(0, e.committedAt - appended) / 1000);
      }
      m.batchRecords.observe(e.records.length);
      m.batchDuration.observe(Math.max(0, e.committedAt - e.startedAt) / 1000);
      for (const l of lag.committedOffsets(e.partition, e.committed)) setLag(l);
      window?.add(a);
    },
    transactionRetried() {
      m.transactionRetries.inc();
    },
    chunkFailed() {
      m.chunkFailures.inc();
      window?.failed();
    },
    assigned() {
      // The partitions may have changed hands: their lag and rebuild progress are this instance's no more.
      lag.reset();
      m.consumerLag.reset();
      rebuilt.clear();
      m.rebuildProgressRatio.reset();
    },
    rebuildProgress(e) {
      const before = rebuilt.get(e.partition) ?? 0;
      if (e.done > before) m.rebuildRecords.inc(e.done - before);
      if (e.finished) rebuilt.delete(e.partition);
      else rebuilt.set(e.partition, e.done);
      m.rebuildProgressRatio.set({ partition: String(e.partition) }, e.finished ? 1 : e.total > 0 ? Math.min(1, e.done / e.total) : 0);
    },
  };
}

/** One observer that tells each of the given ones, in order. */
export function combineObservers(...observers: (IngestorObserver | undefined)[]): IngestorObserver {
  const list = observers.filter((o): o is IngestorObserver => o !== undefined);
  return {
    fetched: (e) => list.forEach((o) => o.fetched?.(e)),
    chunkCommitted: (e) => list.forEach((o) => o.chunkCommitted?.(e)),
    chunkFailed: (e) => list.forEach((o) => o.chunkFailed?.(e)),
    transactionRetried: (e) => list.forEach((o) => o.transactionRetried?.(e)),
    assigned: (e) => list.forEach((o) => o.assigned?.(e)),
    rebuildProgress: (e) => list.forEach((o) => o.rebuildProgress?.(e)),
  };
}
