import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { avroTypeFor, frame } from '../../../src/events/avro.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import type { DeadLetter } from '../../../src/events/types.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { channel, profile, tx } from '../../support/events.ts';
import { stackEnv, uniqueName } from '../../support/stack.ts';

// Records an attacker or a broken upstream would send, on the real stack: each
// is dead-lettered with its reason while the service stays ready, memory stays
// bounded, the tally holds, and no planted personal string lands anywhere the
// service writes. Cases join as their fixes land on main: the record at the
// broker's size limit (dead letters truncated to fit) and an amount of 2^60
// (refused as VALIDATION; today the decoder refuses it as AVRO_DECODE).

const ID_NUMBER = '110101195001011234';
const NAME = '王小明';
const LATIN_NAME = 'Wang Xiaoming';
const FORGED = '\u001b[31mFORGED LINE\n2026-12-02 explain: customer approved';
const HUGE = 'E'.repeat(300 * 1024);
const PLANTED = [ID_NUMBER, NAME, LATIN_NAME, 'FORGED LINE', HUGE.slice(0, 1024)];

/** Avro's zig-zag varint of a (possibly huge) long. */
function avroLong(n: bigint): Buffer {
  let z = n >= 0n ? n << 1n : (-n << 1n) - 1n;
  const out: number[] = [];
  do {
    let b = Number(z & 0x7fn);
    z >>= 7n;
    if (z > 0n) b |= 0x80;
    out.push(b);
  } while (z > 0n);
  return Buffer.from(out);
}

/** `empty` with its first empty block (a lone 0 where `withOne` has a one-item block) declaring `count` items. */
function bomb(empty: Buffer, withOne: Buffer, count: bigint): Buffer {
  let i = 0;
  while (empty[i] === withOne[i]) i++;
  return Buffer.concat([empty.subarray(0, i), avroLong(count), Buffer.from([2, 0x61]), empty.subarray(i + 1)]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hostile input on the real stack', () => {
  let h: Harness;
  let port: number;
  const run = uniqueName('H');
  const keys = new Set<string>();
  const c = (name: string) => {
    const id = `${run}-${name}`;
    keys.add(id);
    return id;
  };

  beforeAll(async () => {
    h = await startHarness();
    port = h.app.httpPort!;
  });
  afterAll(() => h?.stop());

  it('dead-letters every hostile record with its reason, ready throughout, memory bounded, nothing personal kept', async () => {
    const expected: { key: string | null; reason: DeadLetter['reason']; what: string }[] = [];
    let produced = 0;
    const channelId = await h.serde.schemaIdFor(TOPICS.channelEvents);
    const profileId = await h.serde.schemaIdFor(TOPICS.customerProfiles);
    const at = '2026-11-20T10:00:00+08:00';

    // Map and array bombs: a channel event's attributes and a profile's preferredChannels declaring 2^31 and 2^62 items.
    const chType = avroTypeFor(TOPICS.channelEvents);
    const prType = avroTypeFor(TOPICS.customerProfiles);
    for (const exp of [31n, 62n]) {
      const k1 = c(`map-2e${exp}`);
      const ev = channel(k1, at);
      const mapBomb = bomb(chType.toBuffer(ev), chType.toBuffer({ ...ev, attributes: { a: 'b' } }), 2n ** exp);
      await h.produceRaw(TOPICS.channelEvents, k1, frame(channelId, mapBomb));
      expected.push({ key: k1, reason: 'AVRO_DECODE', what: `map bomb 2^${exp}` });
      const k2 = c(`array-2e${exp}`);
      const p = profile(k2);
      const arrayBomb = bomb(prType.toBuffer(p), prType.toBuffer({ ...p, preferredChannels: ['APP'] }), 2n ** exp);
      await h.produceRaw(TOPICS.customerProfiles, k2, frame(profileId, arrayBomb));
      expected.push({ key: k2, reason: 'AVRO_DECODE', what: `array bomb 2^${exp}` });
      produced += 2;
    }

    // 1,000 unknown schema ids.
    const kUnknown = c('unknown-ids');
    const body = avroTypeFor(TOPICS.transactions).toBuffer(tx(kUnknown, at));
    for (let i = 0; i < 1000; i++) {
      await h.produceRaw(TOPICS.transactions, kUnknown, frame(1_900_000_000 + i, body));
      expected.push({ key: kUnknown, reason: 'UNKNOWN_SCHEMA', what: `unknown schema id ${i}` });
    }
    produced += 1000;

    // Ids that carry personal data, control characters or 300 KB.
    const idCases: { key: string; event: ReturnType<typeof tx>; what: string }[] = [];
    const kIdNumber = c(`cust${ID_NUMBER}`);
    idCases.push({ key: kIdNumber, event: tx(kIdNumber, at), what: 'customer id with an ID number' });
    const kName = c('name');
    idCases.push({ key: kName, event: tx(kName, at, { eventId: `evt-${NAME}` }), what: 'event id with a name' });
    const kLatin = c('latin-name');
    idCases.push({ key: kLatin, event: tx(kLatin, at, { eventId: `evt ${LATIN_NAME}` }), what: 'event id with a latin name' });
    const kControl = c('control');
    idCases.push({ key: kControl, event: tx(kControl, at, { eventId: `evt-${FORGED}` }), what: 'event id with control characters' });
    const kHuge = c('huge');
    idCases.push({ key: kHuge, event: tx(kHuge, at, { eventId: HUGE }), what: 'a 300 KB event id' });
    for (const x of idCases) {
      await h.produce(TOPICS.transactions, x.event, x.key);
      expected.push({ key: x.key, reason: 'VALIDATION', what: x.what });
    }
    produced += idCases.length;

    // A null key, and a key that is not the record's customer.
    const kNull = c('null-key');
    const nullKeyed = await h.serde.encode(TOPICS.transactions, tx(kNull, at));
    await h.produceRaw(TOPICS.transactions, null, nullKeyed);
    expected.push({ key: null, reason: 'VALIDATION', what: 'null key' });
    const kMismatch = c('mismatched-key');
    await h.produce(TOPICS.transactions, tx(c('someone-else'), at), kMismatch);
    expected.push({ key: kMismatch, reason: 'VALIDATION', what: 'mismatched key' });
    produced += 2;

    // A conflicting duplicate: the same eventId with other content (the first is applied).
    const kDup = c('duplicate');
    const first = tx(kDup, at);
    await h.produce(TOPICS.transactions, first);
    await h.produce(TOPICS.transactions, { ...first, amountMinor: first.amountMinor + 1, balanceAfterMinor: first.balanceAfterMinor + 1 });
    expected.push({ key: kDup, reason: 'VALIDATION', what: 'conflicting duplicate' });
    produced += 2;

    // While they are processed: /healthz answers, fast; RSS is sampled.
    const rssBefore = process.memoryUsage().rss;
    let rssMax = rssBefore;
    const health: { status: number; ms: number }[] = [];
    let done = false;
    const prober = (async () => {
      while (!done) {
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(10_000) });
        await res.text();
        health.push({ status: res.status, ms: performance.now() - t0 });
        rssMax = Math.max(rssMax, process.memoryUsage().rss);
        await sleep(100);
      }
    })();
    try {
      await h.waitForConsumed(produced, 180_000);
    } finally {
      done = true;
      await prober;
    }

    // Ready throughout: every probe answered 200 within a generous second.
    expect(health.length).toBeGreaterThan(0);
    expect(health.every((r) => r.status === 200)).toBe(true);
    expect(Math.max(...health.map((r) => r.ms))).toBeLessThan(1_000);
    // Memory bounded: no bomb allocated its declared items.
    expect(rssMax - rssBefore).toBeLessThan(256 * 2 ** 20);

    // The tally: all but the duplicate's first record dead-lettered (other tests may add records of their own).
    const t = h.app.tally;
    expect(t.consumed).toBe(t.applied + t.skipped + t.deadLettered);
    expect(t.consumed).toBeGreaterThanOrEqual(produced);
    expect(t.deadLettered).toBeGreaterThanOrEqual(expected.length);

    // Each one dead-lettered, with its reason, and no planted string in the message.
    const dlq = await h.readTopic(TOPICS.dlq, (k) => k === null || keys.has(k));
    const letters: DeadLetter[] = [];
    for (const m of dlq) {
      const d = await h.serde.decode(TOPICS.dlq, m.value);
      if (!d.ok) throw new Error(d.message);
      const l = d.value as DeadLetter;
      if (l.key === null && !l.value?.equals(nullKeyed)) continue; // another test's null key
      letters.push(l);
    }
    const got = (key: string | null) => letters.filter((l) => (l.key === null ? null : l.key.toString('utf8')) === key).map((l) => l.reason).sort();
    for (const key of new Set(expected.map((e) => e.key))) {
      const want = expected.filter((e) => e.key === key).map((e) => e.reason).sort();
      expect(got(key), `${expected.find((e) => e.key === key)!.what}`).toEqual(want);
    }
    for (const l of letters) for (const s of PLANTED) expect(l.message, l.reason).not.toContain(s);

    // Only the duplicate's first record was applied among them.
    expect(await h.app.store!.inspect(kDup)).not.toBeNull();
    for (const k of [kIdNumber, kName, kLatin, kControl, kHuge, kMismatch, kNull]) {
      expect(await h.app.store!.inspect(k).catch(() => null), k).toBeNull();
    }

    // Nothing planted in Redis under this instance's prefix, or on the task topics.
    const redis = new Redis(stackEnv().REDIS_URL!);
    try {
      let cursor = '0';
      const found: string[] = [];
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${h.config.state.keyPrefix}*`, 'COUNT', 1000);
        cursor = next;
        for (const key of batch) {
          const type = await redis.type(key);
          const dump = type === 'hash' ? JSON.stringify(await redis.hgetall(key)) : type === 'string' ? (await redis.get(key)) ?? '' : type === 'zset' ? JSON.stringify(await redis.zrange(key, '0', '-1')) : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1)) : type === 'set' ? JSON.stringify(await redis.smembers(key)) : '';
          for (const s of PLANTED) if (key.includes(s) || dump.includes(s)) found.push(key);
        }
      } while (cursor !== '0');
      expect(found).toEqual([]);
    } finally {
      redis.disconnect();
    }
    for (const topic of [TOPICS.fraudCheckTasks, TOPICS.outreachTasks, TOPICS.suppressions]) {
      const out = await h.readTopic(topic, (k) => k === null || keys.has(k), 500);
      for (const m of out) for (const s of PLANTED) expect(m.value.toString('utf8'), topic).not.toContain(s);
    }
  }, 300_000);
});
