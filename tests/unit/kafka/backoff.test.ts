import { describe, expect, it } from 'vitest';
import { backoffDelayMs, BACKOFF_CAP_MS } from '../../../src/kafka/backoff.ts';

describe('backoffDelayMs', () => {
  it('grows from 0.5 s and is capped at 30 s', () => {
    const top = () => 0.999999;
    expect(backoffDelayMs(1, top)).toBe(500);
    expect(backoffDelayMs(2, top)).toBe(1000);
    expect(backoffDelayMs(7, top)).toBe(BACKOFF_CAP_MS);
    expect(backoffDelayMs(50, top)).toBe(BACKOFF_CAP_MS);
  });

  it('waits at least half the nominal delay', () => {
    expect(backoffDelayMs(1, () => 0)).toBe(250);
    expect(backoffDelayMs(10, () => 0)).toBe(BACKOFF_CAP_MS / 2);
  });

  it('spreads instances that failed together', () => {
    let seed = 1;
    const rng = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelayMs(5, rng)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });
});
