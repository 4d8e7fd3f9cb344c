import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avroTypeFor, frame } from '../../../src/events/avro.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import type { DeadLetter } from '../../../src/events/types.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { tx } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';

describe('bad input ends in the dead-letter topic with its bytes and reason, and nothing is lost', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.stop());

  it('dead-letters every kind of failure and keeps consumed = applied + skipped + dead-lettered', async () => {
    const c = uniqueName('C-dlq');
    const txId = await h.serde.schemaIdFor(TOPICS.transactions);
    const good = tx(c, '2026-11-20T10:00:00+08:00');
    const badFraming = Buffer.from('{"not":"avro"}');
    const unknownSchema = frame(987_654, avroTypeFor(TOPICS.transactions).toBuffer(tx(c, '2026-11-20T10:01:00+08:00')));
    const avroGarbage = frame(txId, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    const negative = tx(c, '2026-11-20T10:02:00+08:00', { amountMinor: -5 });
    const later = tx(c, '2026-11-20T14:00:00+08:00');
    const late = tx(c, '2026-11-20T12:30:00+08:00'); // 90 minutes behind the watermark, lateness 60

    await h.produce(TOPICS.transactions, good);
    await h.produceRaw(TOPICS.transactions, c, badFraming);
    await h.produceRaw(TOPICS.transactions, c, unknownSchema);
    await h.produceRaw(TOPICS.transactions, c, avroGarbage);
    await h.produceRaw(TOPICS.transactions, c, avroTypeFor(TOPICS.transactions).toBuffer(good)); // unframed Avro
    await h.produce(TOPICS.transactions, negative);
    await h.produce(TOPICS.transactions, later);
    await h.produce(TOPICS.transactions, late);
    await h.produce(TOPICS.transactions, later); // the same event again, at a new offset: skipped
    await h.waitForConsumed(9);

    const t = h.app.tally;
    expect(t.consumed).toBe(9);
    expect(t.applied).toBe(2);
    expect(t.skipped).toBe(1);
    expect(t.deadLettered).toBe(6);
    expect(t.consumed).toBe(t.applied + t.skipped + t.deadLettered);

    const dlq = await h.readTopic(TOPICS.dlq, (k) => k === c);
    const letters = await Promise.all(dlq.map(async (m) => {
      const d = await h.serde.decode(TOPICS.dlq, m.value);
      if (!d.ok) throw new Error(d.message);
      return d.value as DeadLetter;
    }));
    letters.sort((a, b) => a.sourceOffset - b.sourceOffset);
    expect(letters.map((l) => l.reason)).toEqual(['BAD_FRAMING', 'UNKNOWN_SCHEMA', 'AVRO_DECODE', 'BAD_FRAMING', 'VALIDATION', 'LATE']);
    expect(letters[0]!.value).toEqual(badFraming);
    expect(letters[1]!.value).toEqual(unknownSchema);
    expect(letters[2]!.value).toEqual(avroGarbage);
    expect(letters[4]!.message).toMatch(/amountMinor/);
    for (const l of letters) {
      expect(l.sourceTopic).toBe(TOPICS.transactions);
      expect(l.key?.toString('utf8')).toBe(c);
      expect(l.message).not.toContain('ACC6222021234568812');
    }
    // Offsets are consecutive in one partition: the dead letters point at the right records.
    const offsets = letters.map((l) => l.sourceOffset);
    expect(new Set(offsets).size).toBe(6);

    const f = await h.app.store!.inspect(c);
    expect(f?.depositsMinor).toBe(100_000);
    expect(f?.asOf).toBe(later.occurredAt);
  });
});
