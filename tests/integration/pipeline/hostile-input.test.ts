import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { avroTypeFor, frame } from '../../../src/events/avro.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import type { DeadLetter } from '../../../src/events/types.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { channel, profile, tx } from '../../support/events.ts';
import { bigAmountTransaction, deadLetterTopicLimit, recordAtLimit } from '../../support/hostile.ts';
import { stackEnv, uniqueName } from '../../support/stack.ts';

// Records an attacker or a broken upstream would send, on the real stack: each
// is dead-lettered with its reason while the service stays ready, memory stays
// bounded, the tally holds, and no planted personal string (an ID number, a
// name, a full account number, a forged line, 300 KB) lands anywhere the
// service writes or shows: its log output, Redis, the task topics, the dead
// letters beyond the original bytes they carry by design, the agent API's
// answers and `carestream explain`.

const rnd = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
const ID_NUMBER = `11010119500101${rnd(4)}`;
const NAME = '王小明';
const LATIN_NAME = `Wang Xiaoming${rnd(3)}`;
const ACCOUNT = `6222${rnd(15)}`; // a full 19-digit card account number
const FORGED = '\u001b[31mFORGED LINE\n2026-12-02 explain: customer approved';
const HUGE = 'E'.repeat(300 * 1024);
const PLANTED = [ID_NUMBER, NAME, LATIN_NAME, ACCOUNT, 'FORGED LINE', HUGE.slice(0, 1024)];
const TOKEN = randomBytes(24).toString('base64url');
const cli = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const run = promisify(execFile);

/** The planted strings found in `text` (none, hopefully). */
const plantedIn = (text: string) => PLANTED.filter((p) => text.includes(p));

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
  const runId = uniqueName('H');
  const keys = new Set<string>();
  const c = (name: string) => {
    const id = `${runId}-${name}`;
    keys.add(id);
    return id;
  };
  // What the service writes: its log lines (at trace, the most it says) and
  // anything else written to this process's stdout and stderr meanwhile.
  const output: string[] = [];
  const restore: (() => void)[] = [];

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        output.push(String(chunk));
        return write(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => { stream.write = write; });
    }
    const sink = new Writable({ write(chunk, _enc, cb) { output.push(String(chunk)); cb(); } });
    h = await startHarness(
      { API_TOKENS: JSON.stringify([{ name: 'hostile-suite', sha256: createHash('sha256').update(TOKEN).digest('hex'), scopes: ['features:read', 'tasks:read', 'outcomes:write'] }]) },
      { logger: createLogger('trace', sink) },
    );
    port = h.app.httpPort!;
  });
  afterAll(async () => {
    await h?.stop();
    for (const r of restore) r();
  });

  it('dead-letters every hostile record with its reason, ready throughout, memory bounded, nothing personal kept or shown', async () => {
    const expected: { key: string | null; reason: DeadLetter['reason']; what: string }[] = [];
    let produced = 0;
    const channelId = await h.serde.schemaIdFor(TOPICS.channelEvents);
    const profileId = await h.serde.schemaIdFor(TOPICS.customerProfiles);
    const txId = await h.serde.schemaIdFor(TOPICS.transactions);
    const at = '2026-11-20T10:00:00+08:00';
    // Free-text fields of the hostile records carry the planted data too.
    const account = { accountId: ACCOUNT, counterparty: { accountRef: ACCOUNT, ownAccount: false } } as const;

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
      const p = profile(k2, { idNumber: ID_NUMBER, fullName: LATIN_NAME });
      const arrayBomb = bomb(prType.toBuffer(p), prType.toBuffer({ ...p, preferredChannels: ['APP'] }), 2n ** exp);
      await h.produceRaw(TOPICS.customerProfiles, k2, frame(profileId, arrayBomb));
      expected.push({ key: k2, reason: 'AVRO_DECODE', what: `array bomb 2^${exp}` });
      produced += 2;
    }

    // A record at the broker's size limit (its dead letter is cut to fit), the planted data inside.
    const limit = await deadLetterTopicLimit(h.kafka);
    const kLimit = c('at-limit');
    await h.produceRaw(TOPICS.transactions, kLimit, recordAtLimit(limit, `${ID_NUMBER} ${NAME} ${ACCOUNT}`));
    expected.push({ key: kLimit, reason: 'BAD_FRAMING', what: 'a record at the broker size limit' });
    produced += 1;

    // 1,000 unknown schema ids.
    const kUnknown = c('unknown-ids');
    const body = avroTypeFor(TOPICS.transactions).toBuffer(tx(kUnknown, at, account));
    for (let i = 0; i < 1000; i++) {
      await h.produceRaw(TOPICS.transactions, kUnknown, frame(1_900_000_000 + i, body));
      expected.push({ key: kUnknown, reason: 'UNKNOWN_SCHEMA', what: `unknown schema id ${i}` });
    }
    produced += 1000;

    // Ids that carry personal data, control characters or 300 KB.
    const idCases: { key: string; event: ReturnType<typeof tx>; what: string }[] = [];
    const kIdNumber = c(`cust${ID_NUMBER}`);
    idCases.push({ key: kIdNumber, event: tx(kIdNumber, at, account), what: 'customer id with an ID number' });
    const kName = c('name');
    idCases.push({ key: kName, event: tx(kName, at, { ...account, eventId: `evt-${NAME}` }), what: 'event id with a name' });
    const kLatin = c('latin-name');
    idCases.push({ key: kLatin, event: tx(kLatin, at, { eventId: `evt ${LATIN_NAME}` }), what: 'event id with a latin name' });
    const kAccount = c('account');
    idCases.push({ key: kAccount, event: tx(kAccount, at, { eventId: `evt-${ACCOUNT}` }), what: 'event id with a full account number' });
    const kControl = c('control');
    idCases.push({ key: kControl, event: tx(kControl, at, { eventId: `evt-${FORGED}` }), what: 'event id with control characters' });
    const kHuge = c('huge');
    idCases.push({ key: kHuge, event: tx(kHuge, at, { eventId: HUGE }), what: 'a 300 KB event id' });
    for (const x of idCases) {
      await h.produce(TOPICS.transactions, x.event, x.key);
      expected.push({ key: x.key, reason: 'VALIDATION', what: x.what });
    }
    // A contact outcome naming a task by an ID number, with personal data in its free text.
    const kOutcome = c('outcome');
    await h.produce(TOPICS.channelEvents, channel(kOutcome, at, { action: 'CONTACT_OUTCOME', attributes: { outcome: 'REACHED', taskId: `T-${ID_NUMBER}`, note: `${LATIN_NAME} ${NAME} ${ACCOUNT}` } }));
    expected.push({ key: kOutcome, reason: 'VALIDATION', what: 'a task id with an ID number' });
    produced += idCases.length + 1;

    // A null key, and a key that is not the record's customer.
    const kNull = c('null-key');
    const nullKeyed = await h.serde.encode(TOPICS.transactions, tx(kNull, at, account));
    await h.produceRaw(TOPICS.transactions, null, nullKeyed);
    expected.push({ key: null, reason: 'VALIDATION', what: 'null key' });
    const kMismatch = c('mismatched-key');
    await h.produce(TOPICS.transactions, tx(c('someone-else'), at, account), kMismatch);
    expected.push({ key: kMismatch, reason: 'VALIDATION', what: 'mismatched key' });
    produced += 2;

    // A conflicting duplicate: the same eventId with other content (the first is applied).
    const kDup = c('duplicate');
    const first = tx(kDup, at);
    await h.produce(TOPICS.transactions, first);
    await h.produce(TOPICS.transactions, { ...first, ...account, amountMinor: first.amountMinor + 1, balanceAfterMinor: first.balanceAfterMinor + 1 });
    expected.push({ key: kDup, reason: 'VALIDATION', what: 'conflicting duplicate' });
    produced += 2;

    // An amount of 2^60: a valid Avro long, beyond MAX_AMOUNT_MINOR.
    const kBig = c('amount-2e60');
    await h.produceRaw(TOPICS.transactions, kBig, frame(txId, bigAmountTransaction(tx(kBig, at, account) as unknown as Record<string, unknown>, 2n ** 60n)));
    expected.push({ key: kBig, reason: 'VALIDATION', what: 'an amount of 2^60' });
    produced += 1;

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

    // Each one dead-lettered, with its reason.
    const dlq = await h.readTopic(TOPICS.dlq, (k) => k === null || keys.has(k));
    const letters: { letter: DeadLetter; headers: Record<string, string> }[] = [];
    for (const m of dlq) {
      const d = await h.serde.decode(TOPICS.dlq, m.value);
      if (!d.ok) throw new Error(d.message);
      const l = d.value as DeadLetter;
      if (l.key === null && !l.value?.equals(nullKeyed)) continue; // another test's null key
      letters.push({ letter: l, headers: m.headers });
    }
    const keyOf = (l: DeadLetter) => (l.key === null ? null : l.key.toString('utf8'));
    const got = (key: string | null) => letters.filter((x) => keyOf(x.letter) === key).map((x) => x.letter.reason).sort();
    for (const key of new Set(expected.map((e) => e.key))) {
      const want = expected.filter((e) => e.key === key).map((e) => e.reason).sort();
      expect(got(key), `${expected.find((e) => e.key === key)!.what}`).toEqual(want);
    }
    const only = (key: string) => letters.filter((x) => keyOf(x.letter) === key)[0]!;
    expect(only(kBig).letter.message).toBe(`amountMinor: must be at most ${h.config.validation.maxAmountMinor}`);
    expect(only(kLimit).headers.truncated).toBe('true');
    expect(only(kLimit).letter.message).toContain(`cut to fit the topic's ${limit}-byte limit`);
    // The planted data did reach the service: the dead letters' original bytes hold it.
    expect(plantedIn(only(kLimit).letter.value!.toString('utf8'))).toEqual([ID_NUMBER, NAME, ACCOUNT]);
    expect(only(kUnknown).letter.value!.toString('utf8')).toContain(ACCOUNT);
    // The dead letter carries the original key, value and headers by design; nothing else of it
    // (reason, message, where from) nor its Kafka headers repeats a planted string.
    for (const { letter, headers } of letters) {
      const { key: _k, value: _v, headers: _h, ...rest } = letter;
      expect(plantedIn(JSON.stringify(rest) + JSON.stringify(headers)), `${letter.reason}: ${letter.message.slice(0, 80)}`).toEqual([]);
    }

    // Only the duplicate's first record was applied among them.
    expect(await h.app.store!.inspect(kDup)).not.toBeNull();
    for (const k of [kIdNumber, kName, kLatin, kAccount, kControl, kHuge, kOutcome, kMismatch, kNull, kBig]) {
      expect(await h.app.store!.inspect(k).catch(() => null), k).toBeNull();
    }

    // Nothing planted in Redis under this instance's prefix, or on the task topics (values and headers).
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
          if (plantedIn(key + dump).length > 0) found.push(key);
        }
      } while (cursor !== '0');
      expect(found).toEqual([]);
    } finally {
      redis.disconnect();
    }
    for (const topic of [TOPICS.fraudCheckTasks, TOPICS.outreachTasks, TOPICS.suppressions]) {
      const out = await h.readTopic(topic, (k) => k === null || keys.has(k), 500);
      for (const m of out) expect(plantedIn(m.value.toString('utf8') + JSON.stringify(m.headers)), topic).toEqual([]);
    }

    // The agent API: every hostile customer's features and tasks, the queue, the overview, and
    // outcomes posted for task ids that carry the planted data; refused ids are not echoed.
    const api = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
      return { status: res.status, text: `${JSON.stringify([...res.headers])}${await res.text()}` };
    };
    const answers: { path: string; status: number; text: string }[] = [];
    const ask = async (path: string, init?: RequestInit) => answers.push({ path, ...(await api(path, init)) });
    for (const k of keys) {
      await ask(`/v1/customers/${encodeURIComponent(k)}/features`);
      await ask(`/v1/customers/${encodeURIComponent(k)}/tasks`);
    }
    for (const id of [ID_NUMBER, NAME, LATIN_NAME, ACCOUNT, FORGED]) {
      await ask(`/v1/customers/${encodeURIComponent(id)}/features`);
      await ask(`/v1/tasks/${encodeURIComponent(`T-${id}`)}/outcome`, { method: 'POST', body: JSON.stringify({ outcome: 'REACHED' }) });
    }
    await ask('/v1/tasks?status=open,overdue,closed');
    await ask('/v1/overview');
    expect(answers.find((a) => a.path.includes(encodeURIComponent(kDup)) && a.path.endsWith('/features'))!.status).toBe(200);
    expect(answers.find((a) => a.path.includes(encodeURIComponent(kIdNumber)))!.status).toBe(400);
    expect(answers.filter((a) => a.path.includes('/outcome')).map((a) => a.status)).toEqual([400, 400, 400, 400, 400]);
    for (const a of answers) expect(plantedIn(a.text), `${a.status} ${a.path.slice(0, 80)}`).toEqual([]);

    // `carestream explain` for the applied customer, customers it knows nothing of, and refused ids.
    const env = { ...process.env, ...stackEnv(), REDIS_KEY_PREFIX: h.config.state.keyPrefix, LOG_LEVEL: 'trace' };
    const explained: { id: string; code: number; text: string }[] = [];
    for (const id of [kDup, kNull, kMismatch, kBig, kIdNumber, `${runId}-${NAME}`, `${runId}-${ACCOUNT}`]) {
      const r = await run(process.execPath, [cli, 'explain', id], { env, timeout: 60_000, encoding: 'utf8' }).then(
        (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
        (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
      );
      explained.push({ id, code: r.code, text: r.stdout + r.stderr });
    }
    expect(explained[0]!.code).toBe(0);
    expect(explained[0]!.text).toContain(`customer ${kDup}`);
    expect(explained.slice(1).every((e) => e.code !== 0)).toBe(true);
    for (const e of explained) expect(plantedIn(e.text), `explain ${e.id.slice(0, 40)}: ${e.text.slice(0, 120)}`).toEqual([]);

    // And nothing planted in what the service wrote meanwhile.
    const written = output.join('');
    expect(written).toContain('chunk committed'); // the capture holds the service's own (debug) lines
    expect(plantedIn(written), written.slice(0, 200)).toEqual([]);
  }, 300_000);
});
