import type { Logger } from 'pino';
import type { ChunkAccount } from './chunk-account.ts';

/** Counts since the last summary: only totals, never an id. */
export interface Summary {
  consumed: number;
  applied: number;
  skipped: number;
  deadLettered: number;
  tasks: { fraud_check: number; outreach: number };
  suppressions: number;
  chunks: number;
  chunkFailures: number;
}

const empty = (): Summary => ({ consumed: 0, applied: 0, skipped: 0, deadLettered: 0, tasks: { fraud_check: 0, outreach: 0 }, suppressions: 0, chunks: 0, chunkFailures: 0 });

/** Accumulates committed chunks between two summary lines. */
export class SummaryWindow {
  private current = empty();
  private since: number;

  constructor(now: number) {
    this.since = now;
  }

  add(a: ChunkAccount): void {
    const s = this.current;
    s.chunks++;
    for (const c of a.byTopic.values()) {
      s.consumed += c.consumed;
      s.applied += c.applied;
      s.skipped += c.skipped;
      for (const n of Object.values(c.deadLettered)) s.deadLettered += n;
    }
    for (const t of a.tasks) s.tasks[t.kind]++;
    s.suppressions += a.suppressions.length;
  }

  failed(): void {
    this.current.chunkFailures++;
  }

  /** The counts since the previous take, and the window's length; starts a new window. */
  take(now: number): Summary & { intervalMs: number } {
    const out = { ...this.current, intervalMs: now - this.since };
    this.current = empty();
    this.since = now;
    return out;
  }
}

export interface LogSummaryHandle {
  /** Stops the timer and writes the last window's line. */
  stop(): void;
}

/**
 * Writes one info line every `intervalMs` with what happened since the last
 * one and the current consumer lag; 0 turns it off.
 */
export function startLogSummary(logger: Logger, window: SummaryWindow, intervalMs: number, lag: () => number, now: () => number = Date.now): LogSummaryHandle {
  const write = () => logger.info({ summary: { ...window.take(now()), lag: lag() } }, 'summary');
  if (intervalMs <= 0) return { stop() {} };
  const timer = setInterval(write, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      write();
    },
  };
}
