import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avroTypeFor, frame } from '../../../src/events/avro.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { tx } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';

// Issue 11: each unknown schema id cost a registry request and stayed cached
// for ever. Against the real registry: 1,000 unknown ids, three records each.
describe('unknown schema ids against the real registry', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.stop());

  const unknownIds = Array.from({ length: 1_000 }, (_, i) => 2_000_000_000 + i);

  it('cost one registry request per id, however many records carry it, and a bounded cache', async () => {
    const { serde } = h;
    const c = uniqueName('C-ids');
    const payload = avroTypeFor(TOPICS.transactions).toBuffer(tx(c, '2026-11-20T10:00:00+08:00'));
    const before = serde.cacheStats.registryRequests;
    const records = unknownIds.flatMap((id) => [frame(id, payload), frame(id, payload), frame(id, payload)]);
    const results = await Promise.all(records.map((r) => serde.decode(TOPICS.transactions, r)));
    expect(results.every((d) => !d.ok && d.reason === 'UNKNOWN_SCHEMA')).toBe(true);
    expect(serde.cacheStats.registryRequests - before).toBe(1_000);
    // Within the TTL the same ids again cost nothing.
    await Promise.all(records.map((r) => serde.decode(TOPICS.transactions, r)));
    expect(serde.cacheStats.registryRequests - before).toBe(1_000);
    expect(serde.cacheStats.unknown).toBeLessThanOrEqual(h.config.schemaCache.missSize);
    expect(serde.cacheStats.inFlight).toBe(0);
  });

  it('are dead-lettered by the service as UNKNOWN_SCHEMA with the id in the message, and processing goes on', async () => {
    const c = uniqueName('C-ids');
    const payload = avroTypeFor(TOPICS.transactions).toBuffer(tx(c, '2026-11-20T10:00:00+08:00'));
    for (let i = 0; i < unknownIds.length; i += 250) {
      await Promise.all(unknownIds.slice(i, i + 250).map((id) => h.produceRaw(TOPICS.transactions, c, frame(id, payload))));
    }
    const good = tx(c, '2026-11-20T11:00:00+08:00');
    await h.produce(TOPICS.transactions, good);
    await h.waitForConsumed(1_001);
    const t = h.app.tally;
    expect(t.byReason.UNKNOWN_SCHEMA).toBe(1_000);
    expect(t.applied).toBe(1);
    expect(t.consumed).toBe(t.applied + t.skipped + t.deadLettered);
    const dlq = await h.readTopic(TOPICS.dlq, (k) => k === c);
    expect(dlq).toHaveLength(1_000);
    const messages = await Promise.all(dlq.map(async (m) => {
      const d = await h.serde.decode(TOPICS.dlq, m.value);
      if (!d.ok) throw new Error(d.message);
      return d.value as { reason: string; message: string };
    }));
    expect(new Set(messages.map((m) => m.reason))).toEqual(new Set(['UNKNOWN_SCHEMA']));
    const named = new Set(messages.map((m) => Number(/schema id (\d+)/.exec(m.message)?.[1])));
    expect(named).toEqual(new Set(unknownIds));
    expect((await h.app.store!.inspect(c))?.asOf).toBe(good.occurredAt);
  });
});
