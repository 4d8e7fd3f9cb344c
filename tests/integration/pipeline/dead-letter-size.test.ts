import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../../src/events/topics.ts';
import type { DeadLetter } from '../../../src/events/types.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { tx } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';
import { deadLetterTopicLimit, recordAtLimit } from '../../support/hostile.ts';

// Issue 11: a record the broker accepted at its size limit gave a dead letter
// 177 bytes too large; the broker refused it (MESSAGE_TOO_LARGE), the chunk
// failed ten times and the process exited 70. Now the dead letter is cut to fit.
describe('a record at the broker size limit is dead-lettered, cut to fit, and processing goes on', () => {
  let h: Harness;
  let limit: number;
  beforeAll(async () => {
    h = await startHarness();
    limit = await deadLetterTopicLimit(h.kafka);
  });
  afterAll(() => h?.stop());

  it('keeps the original bytes up to the limit with truncated=true, the original size and SHA-256', async () => {
    const c = uniqueName('C-big');
    // As large as the input topic takes (same limit here), not framed: BAD_FRAMING.
    const big = recordAtLimit(limit);
    const size = big.length;
    const good = tx(c, '2026-11-20T10:00:00+08:00');

    await h.produceRaw(TOPICS.transactions, c, big);
    await h.produce(TOPICS.transactions, good);
    await h.waitForConsumed(2);

    const t = h.app.tally;
    expect(t.consumed).toBe(2);
    expect(t.applied).toBe(1);
    expect(t.deadLettered).toBe(1);
    expect(t.consumed).toBe(t.applied + t.skipped + t.deadLettered);

    const dlq = await h.readTopic(TOPICS.dlq, (k) => k === c);
    expect(dlq).toHaveLength(1);
    const record = dlq[0]!;
    expect(record.value.length + c.length).toBeLessThan(limit);
    expect(record.headers).toEqual({ truncated: 'true', 'original-size': String(size), 'original-sha256': createHash('sha256').update(big).digest('hex') });
    const d = await h.serde.decode(TOPICS.dlq, record.value);
    if (!d.ok) throw new Error(d.message);
    const letter = d.value as DeadLetter;
    expect(letter.reason).toBe('BAD_FRAMING');
    expect(letter.sourceTopic).toBe(TOPICS.transactions);
    expect(letter.key?.toString('utf8')).toBe(c);
    expect(letter.message).toMatch(new RegExp(`cut to fit the topic's ${limit}-byte limit`));
    // The start of the original is kept, as much of it as fits.
    expect(letter.value!.length).toBeGreaterThan(size - 2048);
    expect(letter.value!.length).toBeLessThan(size);
    expect(letter.value!.equals(big.subarray(0, letter.value!.length))).toBe(true);

    const f = await h.app.store!.inspect(c);
    expect(f?.asOf).toBe(good.occurredAt);
  });
});
