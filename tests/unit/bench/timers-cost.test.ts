import { describe, expect, it } from 'vitest';
import { timersCost } from '../../../bench/timers-cost.ts';
import { goals } from '../../../bench/report.ts';

const off = { seconds: 50, serviceCpuSeconds: 60, redisCpuSeconds: 5, outputsCommitted: {} };

describe('the cost of timers (bench)', () => {
  it('throughput on / off, and bytes per customer and per pending timer from the state keys and the due index', () => {
    const c = timersCost({
      records: 1_000_000,
      on: { seconds: 54 },
      off,
      customers: 4_000,
      pending: [2, 2, 3, 1, 0],
      stateKeyMeanOn: 700,
      stateKeyMeanOff: 690,
      dueIndex: { keys: 4, members: 3_900, bytes: 240_000 },
    });
    expect([c.onEventsPerSecond, c.offEventsPerSecond]).toEqual([18_519, 20_000]);
    expect(c.ratio).toBe(0.926);
    // 10 B more per state key, 60 B of due index per customer; 1.6 timers per customer
    expect(c.bytesPerCustomer).toBe(70);
    expect(c.bytesPerPendingTimer).toBe(43.8);
    expect(c.pendingPerCustomer?.max).toBe(3);
  });

  it('no pending timers: no per-timer figure, not a division by zero', () => {
    const c = timersCost({ records: 10, on: { seconds: 1 }, off, customers: 1, pending: [], stateKeyMeanOn: 1, stateKeyMeanOff: 1, dueIndex: { keys: 0, members: 0, bytes: 0 } });
    expect(c.bytesPerPendingTimer).toBeNull();
  });

  it('the goal is met at 90 % and not below', () => {
    const goal = (ratio: number) => goals({ endToEnd: { ratioToCeiling: 1, recordsPerSecond: 1 }, latency: null, memory: { bytesPerCustomer: 1 }, timers: { ratio } } as never).find((g) => g.goal.includes('timers'))!;
    expect(goal(0.9).met).toBe(true);
    expect(goal(0.899).met).toBe(false);
    expect(goals({ endToEnd: { ratioToCeiling: 1, recordsPerSecond: 1 }, latency: null, memory: { bytesPerCustomer: 1 }, timers: null } as never).find((g) => g.goal.includes('timers'))!.met).toBeNull();
  });
});
