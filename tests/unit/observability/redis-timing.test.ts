import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { timeScriptCalls } from '../../../src/observability/redis-timing.ts';

class FakeStore {
  calls: string[] = [];
  async apply(records: readonly number[]): Promise<number> {
    this.calls.push(`apply:${records.length}`);
    return records.length;
  }
  async recordDecisions(records: readonly number[]): Promise<void> {
    if (records.length > 2) throw new Error('script failed');
  }
  async other(): Promise<string> {
    return 'untouched';
  }
}

describe('timeScriptCalls', () => {
  it('observes each call of the named methods under its script label, failures included, and passes results through', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const store = timeScriptCalls(new FakeStore(), { apply: 'apply-events', recordDecisions: 'record-decisions' }, m.redisScriptDuration);
    expect(await store.apply([1, 2])).toBe(2);
    expect(await store.apply([1])).toBe(1);
    expect(await store.apply([])).toBe(0);
    await expect(store.recordDecisions([1, 2, 3])).rejects.toThrow('script failed');
    expect(await store.other()).toBe('untouched');
    expect(store.calls).toEqual(['apply:2', 'apply:1', 'apply:0']);
    const counts = Object.fromEntries(
      (await m.redisScriptDuration.get()).values.filter((v) => v.metricName === 'carestream_redis_script_duration_seconds_count').map((v) => [v.labels.script, v.value]),
    );
    // The empty call sent nothing to Redis: not observed.
    expect(counts).toEqual({ 'apply-events': 2, 'record-decisions': 1 });
    // Only this instance is wrapped.
    expect(Object.hasOwn(FakeStore.prototype, 'apply') && !Object.hasOwn(new FakeStore(), 'apply')).toBe(true);
  });
});
