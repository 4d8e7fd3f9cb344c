import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { StateKeys } from '../../../src/state/keys.ts';
import { INPUT_TOPICS, TOPICS } from '../../../src/events/topics.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { channel, profile, tx } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';
import { get, scrape, select, total, waitFor, waitForStatus } from './scrape.ts';

// The stack is shared: other tests may produce to the input topics while this
// one runs, and this instance consumes their records too. Counts are therefore
// lower bounds, and customer-level facts are checked on this test's customers.

describe('/metrics, /healthz and /readyz of a running service', () => {
  let h: Harness;
  let port: number;
  let consumed = 0;
  const send = async (fn: () => Promise<void>) => {
    await fn();
    consumed++;
    await h.waitForConsumed(consumed);
  };

  beforeAll(async () => {
    h = await startHarness();
    port = h.app.httpPort!;
  });
  afterAll(() => h?.stop());

  it('is alive, and ready once partitions are assigned', async () => {
    const alive = await get(port, '/healthz');
    expect(alive.status).toBe(200);
    expect(JSON.parse(alive.text)).toEqual({ status: 'alive' });
    const ready = await waitForStatus(port, '/readyz', 200);
    expect(JSON.parse(ready.text)).toEqual({ ready: true, checks: { connected: true, partitionsAssigned: true, notRebuilding: true, notDegraded: true }, failing: [] });
  });

  it('counts consumed records, tasks, latencies and lag after processing events', async () => {
    const c = uniqueName('C-metrics');
    await send(() => h.produce(TOPICS.customerProfiles, profile(c, { marketingConsent: true })));
    await send(() => h.produce(TOPICS.transactions, tx(c, '2026-11-01T09:00:00+08:00', { amountMinor: 30_000_000, balanceAfterMinor: 30_000_000 })));
    await send(() => h.produce(TOPICS.transactions, tx(c, '2026-11-10T14:20:00+08:00', { type: 'TRANSFER_OUT', amountMinor: 60_000_000, balanceAfterMinor: 0, counterparty: { accountRef: 'CP-m1', ownAccount: false } })));
    await send(() => h.produce(TOPICS.channelEvents, channel(c, '2026-11-10T15:00:00+08:00', { action: 'COMPLAINT', channel: 'CALL_CENTER' })));

    const before = h.app.tally.consumed;
    const { samples, contentType, text } = await scrape(port);
    const after = h.app.tally.consumed;
    expect(contentType).toMatch(/^text\/plain/);

    const consumedMetric = total(samples, 'carestream_records_consumed_total');
    expect(consumedMetric).toBeGreaterThanOrEqual(Math.max(consumed, before));
    expect(consumedMetric).toBeLessThanOrEqual(after);
    for (const topic of INPUT_TOPICS) expect(total(samples, 'carestream_records_consumed_total', { topic }), topic).toBeGreaterThanOrEqual(1);
    expect(total(samples, 'carestream_records_applied_total')).toBeGreaterThanOrEqual(consumed);

    expect(total(samples, 'carestream_tasks_total', { rule: 'large-outflow', kind: 'fraud_check' })).toBeGreaterThanOrEqual(1);
    expect(total(samples, 'carestream_tasks_total', { rule: 'complaint-recovery', kind: 'outreach' })).toBeGreaterThanOrEqual(1);
    expect(total(samples, 'carestream_event_to_commit_seconds_count', { kind: 'fraud_check' })).toBeGreaterThanOrEqual(1);
    expect(total(samples, 'carestream_event_to_commit_seconds_count', { kind: 'outreach' })).toBeGreaterThanOrEqual(1);
    // Every consumed record was timed from its append to its commit.
    expect(total(samples, 'carestream_append_to_commit_seconds_count')).toBe(consumedMetric);
    expect(total(samples, 'carestream_batch_records_sum')).toBe(consumedMetric);
    expect(total(samples, 'carestream_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    // A chunk's round trips: the customers not cached are loaded, the changed ones written back.
    expect(total(samples, 'carestream_redis_script_duration_seconds_count', { script: 'load-customers' })).toBeGreaterThanOrEqual(1);
    expect(total(samples, 'carestream_redis_script_duration_seconds_count', { script: 'write-customer' })).toBeGreaterThanOrEqual(1);

    // Lag: one series per input partition this instance committed, each the watermark minus the committed offset.
    for (const topic of INPUT_TOPICS) {
      const lag = select(samples, 'carestream_consumer_lag', { topic });
      expect(lag.length, topic).toBeGreaterThanOrEqual(1);
      for (const s of lag) {
        expect(Number.isInteger(Number(s.labels.partition))).toBe(true);
        expect(s.value).toBeGreaterThanOrEqual(0);
      }
    }

    expect(total(samples, 'carestream_ready')).toBe(1);
    expect(total(samples, 'carestream_assigned_partitions')).toBeGreaterThan(0);
    expect(total(samples, 'carestream_rebuild_in_progress')).toBe(0);
    expect(select(samples, 'carestream_rule_set_info')).toEqual([{ name: 'carestream_rule_set_info', labels: { version: h.app.rules!.current.version }, value: 1 }]);
    expect(select(samples, 'carestream_process_cpu_user_seconds_total')).toHaveLength(1);
    // No customer id in any label or value.
    expect(text).not.toContain(c);
  });

  it('answers 503 naming the condition while chunks fail, and 200 again once they commit', async () => {
    // A value of the wrong type under a customer's state key makes reading it
    // fail on Redis: the chunk fails and is read again until it commits.
    const c = uniqueName('C-degraded');
    const redis = new Redis(h.config.redis.url!);
    const key = new StateKeys(h.config.state.keyPrefix).state(c);
    try {
      await redis.rpush(key, 'not a state blob');
      const failuresBefore = total((await scrape(port)).samples, 'carestream_chunk_failures_total');
      await h.produce(TOPICS.transactions, tx(c, '2026-11-02T09:00:00+08:00'));

      const notReady = await waitFor(port, '/readyz', (r) => r.status === 503 && (JSON.parse(r.text) as { checks: { notDegraded: boolean } }).checks.notDegraded === false);
      const body = JSON.parse(notReady.text) as { ready: boolean; checks: Record<string, boolean>; failing: string[] };
      expect(body.ready).toBe(false);
      expect(body.failing).toContain('notDegraded');
      const during = (await scrape(port)).samples;
      expect(total(during, 'carestream_ready')).toBe(0);
      expect(total(during, 'carestream_chunk_failures_total')).toBeGreaterThan(failuresBefore);
      expect((await get(port, '/healthz')).status).toBe(200);

      await redis.del(key);
      await waitForStatus(port, '/readyz', 200);
      consumed++;
      await h.waitForConsumed(consumed);
      expect(total((await scrape(port)).samples, 'carestream_ready')).toBe(1);
    } finally {
      await redis.del(key);
      await redis.quit();
    }
  });
});
