import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { TOPICS } from '../../../src/events/topics.ts';
import type { DeadLetter } from '../../../src/events/types.ts';
import { StateKeys } from '../../../src/state/keys.ts';
import { contentDigest } from '../../../src/events/digest.ts';
import { frame } from '../../../src/events/avro.ts';
import { handleApiRequest } from '../../../src/api/router.ts';
import { featuresSchema } from '../../../src/api/schemas.ts';
import { TokenSet } from '../../../src/api/tokens.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { createHash } from 'node:crypto';
import { SUM_CAP_MINOR } from '../../../src/events/types.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { tx } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';
import { bigAmountTransaction } from '../../support/hostile.ts';

// Planted, unique to this run: an ID number and a name used as ids.
const rnd = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
const ID_NUMBER = `1101051949${rnd(7)}X`;
const NAME = `Ouyang Planted${rnd(4)}`;

/** Every key under the prefix and the raw bytes of its value (strings, hashes, lists). */
async function redisBytes(redis: Redis, prefix: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', new StateKeys(prefix).everything(), 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      parts.push(Buffer.from(key));
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.getBuffer(key)) ?? Buffer.alloc(0));
      else if (type === 'hash') for (const [f, v] of Object.entries(await redis.hgetallBuffer(key))) parts.push(Buffer.from(f), v);
      else if (type === 'list') parts.push(...(await redis.lrangeBuffer(key, 0, -1)));
    }
  } while (cursor !== '0');
  return Buffer.concat(parts);
}

async function deadLetters(h: Harness, keep: (key: string | null) => boolean): Promise<DeadLetter[]> {
  const dlq = await h.readTopic(TOPICS.dlq, keep);
  const letters = await Promise.all(dlq.map(async (m) => {
    const d = await h.serde.decode(TOPICS.dlq, m.value);
    if (!d.ok) throw new Error(d.message);
    return d.value as DeadLetter;
  }));
  return letters.sort((a, b) => a.sourcePartition - b.sourcePartition || a.sourceOffset - b.sourceOffset);
}

describe('hostile records: ids that are not identifiers and records keyed by no one or someone else are dead-lettered, never applied', () => {
  let h: Harness;
  let redis: Redis;
  beforeAll(async () => {
    h = await startHarness();
    redis = new Redis(process.env.REDIS_URL ?? h.config.redis.url ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
    await redis.connect();
  });
  afterAll(async () => {
    redis?.disconnect();
    await h?.stop();
  });

  it('refuses a 300 KB eventId, an ID number or a forged line in an eventId, a name as customerId, a null key and another customer\'s key', { timeout: 300_000 }, async () => {
    const c = uniqueName('C-hostile');
    const other = `${c}-other`;
    const good = tx(c, '2026-11-20T10:00:00+08:00', { amountMinor: 100_000, balanceAfterMinor: 100_000 });
    const huge = tx(c, '2026-11-20T10:01:00+08:00', { eventId: 'E'.repeat(300_000) });
    const idNumber = tx(c, '2026-11-20T10:02:00+08:00', { eventId: `E-${ID_NUMBER}` });
    const forged = tx(c, '2026-11-20T10:03:00+08:00', { eventId: 'E1\n  2026-11-20 ISSUED      nothing to see\u001b[2J' });
    const named = tx(NAME, '2026-11-20T10:04:00+08:00', { eventId: 'E-named-1' });
    const nullKey = tx(c, '2026-11-20T10:05:00+08:00');
    const misKeyed = tx(c, '2026-11-20T10:06:00+08:00');

    await h.produce(TOPICS.transactions, good);
    await h.produce(TOPICS.transactions, huge);
    await h.produce(TOPICS.transactions, idNumber);
    await h.produce(TOPICS.transactions, forged);
    await h.produce(TOPICS.transactions, named); // keyed by the name, as its customerId
    await h.produceRaw(TOPICS.transactions, null, await h.serde.encode(TOPICS.transactions, nullKey));
    await h.produce(TOPICS.transactions, misKeyed, other);
    await h.waitForConsumed(7);

    const t = h.app.tally;
    expect(t.consumed).toBe(7);
    expect(t.applied).toBe(1);
    expect(t.deadLettered).toBe(6);
    expect(t.byReason.VALIDATION).toBe(6);
    expect(t.consumed).toBe(t.applied + t.skipped + t.deadLettered);

    const keys = new Set([c, NAME, other]);
    const letters = await deadLetters(h, (k) => k === null || keys.has(k));
    const messages = letters.map((l) => l.message);
    expect(letters.every((l) => l.reason === 'VALIDATION' && l.sourceTopic === TOPICS.transactions)).toBe(true);
    expect(messages).toEqual(expect.arrayContaining([
      'eventId: not an identifier: longer than 64 characters (length 300000)',
      'eventId: not an identifier: more than 14 digits in a row, like an ID or account number (length 20)',
      expect.stringMatching(/^eventId: not an identifier: characters outside the allowed set/),
      expect.stringMatching(/^customerId: not an identifier: characters outside the allowed set/),
      'key: missing; records are keyed by their customerId',
      `key: does not equal the customerId of the value (key length ${other.length})`,
    ]));
    expect(letters).toHaveLength(6);
    for (const m of messages) {
      expect(m.length).toBeLessThan(200);
      for (const secret of [ID_NUMBER, NAME, 'nothing to see', 'EEEEEEEE']) expect(m).not.toContain(secret);
    }
    // The dead letters keep the original bytes, so the evidence is not lost.
    expect(letters.find((l) => l.message.startsWith('key: missing'))!.key).toBeNull();

    // Only the good record reached the features, and no planted id reached Redis.
    const f = await h.app.store!.inspect(c);
    expect(f?.depositsMinor).toBe(100_000);
    expect(f?.asOf).toBe(good.occurredAt);
    expect(await h.app.store!.inspect(other)).toBeNull();
    const stored = await redisBytes(redis, h.config.state.keyPrefix);
    expect(stored.length).toBeGreaterThan(0);
    for (const secret of [ID_NUMBER, NAME, 'nothing to see', 'E'.repeat(1000)]) expect(stored.includes(Buffer.from(secret)), secret).toBe(false);
  });

  it('skips the same eventId with the same content and dead-letters it with other content, naming both digests', { timeout: 300_000 }, async () => {
    const c = uniqueName('C-conflict');
    const before = { ...h.app.tally, byReason: { ...h.app.tally.byReason } };
    const first = tx(c, '2026-11-21T10:00:00+08:00', { eventId: `${c}-e1`, amountMinor: 100_000, balanceAfterMinor: 100_000 });
    const again = { ...first };
    const changed = { ...first, amountMinor: 900_000, balanceAfterMinor: 900_000 };
    await h.produce(TOPICS.transactions, first);
    await h.produce(TOPICS.transactions, again); // a re-delivery: skipped
    await h.produce(TOPICS.transactions, changed); // the same eventId, other content: a conflict
    await h.produce(TOPICS.transactions, again); // the first content again: still a duplicate
    await h.waitForConsumed(before.consumed + 4);

    const t = h.app.tally;
    expect(t.consumed - before.consumed).toBe(4);
    expect(t.applied - before.applied).toBe(1);
    expect(t.skipped - before.skipped).toBe(2);
    expect((t.byReason.VALIDATION ?? 0) - (before.byReason.VALIDATION ?? 0)).toBe(1);
    expect(t.consumed).toBe(t.applied + t.skipped + t.deadLettered);

    const letters = await deadLetters(h, (k) => k === c);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.reason).toBe('VALIDATION');
    expect(letters[0]!.message).toBe(`eventId: CONFLICT, seen before with other content (kept digest ${contentDigest(first)}, this record ${contentDigest(changed)}); not applied`);
    expect(letters[0]!.value).toEqual(await h.serde.encode(TOPICS.transactions, changed));

    const f = await h.app.store!.inspect(c);
    expect(f?.depositsMinor).toBe(100_000);
  });

  it('refuses amounts above the maximum and 2^60 (both VALIDATION), keeps sums past 2^53 exact up to the bound and answers /features with them', { timeout: 300_000 }, async () => {
    const c = uniqueName('C-money');
    const before = { ...h.app.tally, byReason: { ...h.app.tally.byReason } };
    const Q = 1_000_000_000_000_000; // 10^15, the default maximum
    const deposit = (n: number, at: string, balance: number) =>
      tx(c, at, { type: 'DEPOSIT', accountId: `ACC-${c}-${n}`, amountMinor: Q, balanceAfterMinor: balance, counterparty: null });
    // Nine accounts of 10^15 on day one: deposits 9 x 10^15, just below 2^53.
    for (let n = 0; n < 9; n++) await h.produce(TOPICS.transactions, deposit(n, `2026-11-10T10:0${n}:00+08:00`, Q));
    // Day two: one minor unit out of the first account. The two-day average is
    // (9e15 + 9e15 - 1) / 2: its sum is past 2^53, where doubles step by 2.
    await h.produce(TOPICS.transactions, tx(c, '2026-11-11T10:00:00+08:00', { type: 'WITHDRAWAL', accountId: `ACC-${c}-0`, amountMinor: 1, balanceAfterMinor: Q - 1, counterparty: null }));
    const tooLarge = tx(c, '2026-11-11T10:01:00+08:00', { amountMinor: 2 * Q });
    await h.produce(TOPICS.transactions, tooLarge);
    const txId = await h.serde.schemaIdFor(TOPICS.transactions);
    await h.produceRaw(TOPICS.transactions, c, frame(txId, bigAmountTransaction(tx(c, '2026-11-11T10:02:00+08:00') as unknown as Record<string, unknown>, 2n ** 60n)));
    await h.waitForConsumed(before.consumed + 12);

    const t = h.app.tally;
    expect(t.applied - before.applied).toBe(10);
    expect(t.deadLettered - before.deadLettered).toBe(2);
    const letters = await deadLetters(h, (k) => k === c);
    // 2^60 is a valid Avro long: it decodes (exactly, as a bigint) and fails the same rule.
    expect(letters.map((l) => [l.reason, l.message])).toEqual([['VALIDATION', `amountMinor: must be at most ${Q}`], ['VALIDATION', `amountMinor: must be at most ${Q}`]]);

    const f1 = await h.app.store!.inspect(c);
    expect(f1?.depositsMinor).toBe(9 * Q - 1);
    expect(f1?.avg30Minor).toBe(9 * Q - 1); // floor(8999999999999999.5), exactly

    // A tenth account takes deposits past the bound of sums (9 x 10^15): they stay at it, and the API shows them.
    await h.produce(TOPICS.transactions, deposit(9, '2026-11-11T11:00:00+08:00', Q));
    await h.waitForConsumed(before.consumed + 13);
    const f2 = await h.app.store!.inspect(c);
    expect(f2?.depositsMinor).toBe(SUM_CAP_MINOR);
    expect(f2?.assetsMinor).toBe(SUM_CAP_MINOR);
    expect(f2?.avg30Minor).toBe(SUM_CAP_MINOR);

    const token = 'money-test-token';
    const r = await handleApiRequest(
      { method: 'GET', url: `/v1/customers/${c}/features`, authorization: `Bearer ${token}` },
      {
        tokens: new TokenSet([{ name: 't', sha256: createHash('sha256').update(token).digest('hex'), scopes: ['features:read'] }]),
        reader: () => h.app.store,
        timeZone: h.config.businessTimeZone,
        logger: createLogger('silent'),
      },
    );
    expect(r.status).toBe(200);
    expect(featuresSchema.parse(r.body).assetsMinor).toBe(SUM_CAP_MINOR);
  });
});
