import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SummaryWindow, startLogSummary } from '../../../src/observability/log-summary.ts';
import { accountChunk } from '../../../src/observability/chunk-account.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { applied, input, output } from './fixtures.ts';

function sink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the periodic summary', () => {
  it('writes one info line per interval with the counts since the previous line and the lag', async () => {
    vi.useFakeTimers({ now: 0 });
    const { logger, lines } = sink();
    const window = new SummaryWindow(Date.now());
    let lag = 42;
    const handle = startLogSummary(logger, window, 60_000, () => lag);
    window.add(accountChunk([input(TOPICS.transactions, 1, 0), input(TOPICS.transactions, 2, 0)], applied(TOPICS.transactions), [
      output({ type: 'dead-letter', sourceTopic: TOPICS.transactions, reason: 'VALIDATION' }),
      output({ type: 'task', kind: 'outreach', rule: 'welcome', eventTime: 0 }),
    ]));
    window.failed();
    await vi.advanceTimersByTimeAsync(60_000);
    lag = 0;
    await vi.advanceTimersByTimeAsync(60_000);
    handle.stop();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[30, 'summary'], [30, 'summary'], [30, 'summary']]);
    expect(lines[0]!.summary).toEqual({ consumed: 2, applied: 1, skipped: 0, deadLettered: 1, tasks: { fraud_check: 0, outreach: 1 }, suppressions: 0, chunks: 1, chunkFailures: 1, intervalMs: 60_000, lag: 42 });
    expect(lines[1]!.summary).toMatchObject({ consumed: 0, tasks: { fraud_check: 0, outreach: 0 }, chunks: 0, lag: 0 });
  });

  it('is off at interval 0', async () => {
    vi.useFakeTimers({ now: 0 });
    const { logger, lines } = sink();
    const handle = startLogSummary(logger, new SummaryWindow(0), 0, () => 0);
    await vi.advanceTimersByTimeAsync(600_000);
    handle.stop();
    expect(lines).toEqual([]);
  });
});
