import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createApp, type App } from '../../../src/app.ts';
import { connect } from '../../../src/kafka/bootstrap.ts';
import { commitGroupOffsets, endOffsets, readCommitted } from '../../../src/kafka/read-committed.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { deleteKeysWithPrefix } from '../../../src/state/redis.ts';
import { INPUT_TOPICS, TOPICS } from '../../../src/events/topics.ts';
import type { FraudCheckTask, OutreachTask, Suppression } from '../../../src/events/types.ts';
import { channel, profile, tx } from '../../support/events.ts';
import { testConfig, uniqueName } from '../../support/stack.ts';
import { scrape, total, waitForStatus } from './scrape.ts';

// Planted personal data, unique to this run: ID numbers, full names (Latin and
// Chinese), full account numbers and counterparty references.
const rnd = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
const SECRETS = {
  idA: `1101051949${rnd(7)}X`,
  idB: `3101151988${rnd(8)}`,
  nameA: `Ouyang Planted${rnd(4)}`,
  nameB: `欧阳隐私${rnd(4)}`,
  accountA: `ACC622202${rnd(10)}`,
  accountB: `ACC621700${rnd(10)}`,
  counterparty: `CP-6217009900${rnd(8)}`,
};
const PLANTED = Object.values(SECRETS);

function findSecrets(bytes: Buffer | string): string[] {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  return PLANTED.filter((s) => b.includes(Buffer.from(s, 'utf8')));
}

/** Every key under the prefix with the raw bytes of its value, whatever its type. */
async function redisContents(redis: Redis, prefix: string): Promise<{ key: string; bytes: Buffer }[]> {
  const out: { key: string; bytes: Buffer }[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const parts: Buffer[] = [Buffer.from(key, 'utf8')];
      if (type === 'string') parts.push((await redis.getBuffer(key)) ?? Buffer.alloc(0));
      else if (type === 'hash') for (const [f, v] of Object.entries(await redis.hgetallBuffer(key))) parts.push(Buffer.from(f), v);
      else if (type === 'list') parts.push(...(await redis.lrangeBuffer(key, 0, -1)));
      else if (type === 'set') parts.push(...(await redis.smembersBuffer(key)));
      else if (type === 'zset') parts.push(...(await redis.zrangeBuffer(key, '0', '-1')));
      else throw new Error(`unexpected Redis type ${type} of ${key}`);
      // DUMP too, as the server serializes it (may be compressed, so it only adds to the above).
      parts.push((await redis.dumpBuffer(key)) ?? Buffer.alloc(0));
      out.push({ key, bytes: Buffer.concat(parts) });
    }
  } while (cursor !== '0');
  return out;
}

describe('privacy: planted personal data appears in no log line, metric, Redis value or task', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it('keeps ID numbers, names and account numbers out of logs (trace level), /metrics, Redis and the committed outputs', { timeout: 600_000 }, async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger('trace', sink);
    const groupId = uniqueName('it-privacy');
    const config = testConfig({ KAFKA_GROUP_ID: groupId, REDIS_KEY_PREFIX: uniqueName('it-priv'), LOG_LEVEL: 'trace', LOG_SUMMARY_INTERVAL_MS: '1000' });
    const { kafka, serde } = await connect(config, logger);
    const start = await endOffsets(kafka, [...INPUT_TOPICS, TOPICS.fraudCheckTasks, TOPICS.outreachTasks, TOPICS.suppressions]);
    await commitGroupOffsets(kafka, groupId, Object.fromEntries(INPUT_TOPICS.map((t) => [t, start[t]!])));
    const app: App = createApp(config, logger);
    let stopped = false;
    cleanup.push(() => (stopped ? Promise.resolve() : app.stop()));
    await app.start();
    const redis = new Redis(config.redis.url!);
    cleanup.push(() => redis.quit());
    cleanup.push(() => deleteKeysWithPrefix(redis, config.state.keyPrefix));
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const port = app.httpPort!;
    await waitForStatus(port, '/readyz', 200, 300_000);

    let sent = 0;
    // One record at a time, each applied before the next is sent, so the rules see them in this order.
    // (The instance also consumes what other tests produce, so its tally alone says nothing about these.)
    const send = async <T extends Parameters<typeof serde.encode>[0]>(topic: T, value: Parameters<typeof serde.encode<T>>[1]) => {
      const v = value as { customerId: string; occurredAt?: number };
      await producer.send({ topic, acks: -1, messages: [{ key: v.customerId, value: await serde.encode(topic, value) }] });
      sent++;
      // The first record may wait while the instance rebuilds its shards' state.
      const deadline = Date.now() + 300_000;
      for (;;) {
        const f = await app.store!.inspect(v.customerId);
        if (v.occurredAt === undefined ? f?.profile != null : (f?.asOf ?? 0) >= v.occurredAt) break;
        if (Date.now() > deadline) throw new Error(`record ${sent} of ${v.customerId} was not applied`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    // A: no marketing consent; deposits, mortgage interest (held back: NO_CONSENT), a large transfer
    // to a new payee (fraud check) and a complaint (service recovery).
    const a = uniqueName('C-privA');
    const b = uniqueName('C-privB');
    await send(TOPICS.customerProfiles, profile(a, { marketingConsent: false, idNumber: SECRETS.idA, fullName: SECRETS.nameA }));
    await send(TOPICS.customerProfiles, profile(b, { idNumber: SECRETS.idB, fullName: SECRETS.nameB }));
    await send(TOPICS.transactions, tx(a, '2026-11-01T09:00:00+08:00', { accountId: SECRETS.accountA, amountMinor: 30_000_000, balanceAfterMinor: 30_000_000, maskedAccountNo: SECRETS.accountA.slice(-4) }));
    for (const d of ['02', '05', '09']) await send(TOPICS.channelEvents, channel(a, `2026-11-${d}T20:00:00+08:00`, { action: 'RATE_QUERY', topic: 'MORTGAGE' }));
    const transfer = tx(a, '2026-11-10T14:20:00+08:00', {
      accountId: SECRETS.accountA, type: 'TRANSFER_OUT', amountMinor: 60_000_000, balanceAfterMinor: 0,
      counterparty: { accountRef: SECRETS.counterparty, ownAccount: false }, maskedAccountNo: SECRETS.accountA.slice(-4),
    });
    await send(TOPICS.transactions, transfer);
    await send(TOPICS.channelEvents, channel(a, '2026-11-10T15:00:00+08:00', { action: 'COMPLAINT', channel: 'CALL_CENTER' }));
    // B: a new customer (welcome call) who deposits and pays from another account.
    await send(TOPICS.channelEvents, channel(b, '2026-11-01T10:00:00+08:00', { action: 'ACCOUNT_OPENED', channel: 'BRANCH' }));
    await send(TOPICS.transactions, tx(b, '2026-11-01T10:30:00+08:00', { accountId: SECRETS.accountB, amountMinor: 5_000_000, balanceAfterMinor: 5_000_000, maskedAccountNo: SECRETS.accountB.slice(-4) }));
    await send(TOPICS.transactions, tx(b, '2026-11-02T10:30:00+08:00', { accountId: SECRETS.accountB, type: 'TRANSFER_OUT', amountMinor: 100_000, balanceAfterMinor: 4_900_000, counterparty: { accountRef: SECRETS.counterparty, ownAccount: false }, maskedAccountNo: SECRETS.accountB.slice(-4) }));

    // The committed outputs of A and B (read_committed), decoded; read until all are there.
    const mine = (k: string | null) => k === a || k === b;
    const decodeAll = async <T>(topic: typeof TOPICS.fraudCheckTasks | typeof TOPICS.outreachTasks | typeof TOPICS.suppressions) => {
      const raw = await readCommitted(kafka, topic, start, mine);
      return { raw: raw.map((r) => r.value), decoded: await Promise.all(raw.map(async (r) => { const d = await serde.decode(topic, r.value); if (!d.ok) throw new Error(d.message); return d.value as T; })) };
    };
    let fraud = await decodeAll<FraudCheckTask>(TOPICS.fraudCheckTasks);
    let outreach = await decodeAll<OutreachTask>(TOPICS.outreachTasks);
    let suppressions = await decodeAll<Suppression>(TOPICS.suppressions);
    for (let i = 0; i < 20 && (fraud.decoded.length < 1 || outreach.decoded.length < 2 || suppressions.decoded.length < 1); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      [fraud, outreach, suppressions] = await Promise.all([decodeAll<FraudCheckTask>(TOPICS.fraudCheckTasks), decodeAll<OutreachTask>(TOPICS.outreachTasks), decodeAll<Suppression>(TOPICS.suppressions)]);
    }

    // The run did what it must, so the searches below search something.
    expect(fraud.decoded.map((t) => [t.customerId, t.ruleId, t.transactionEventId])).toContainEqual([a, 'large-outflow', transfer.eventId]);
    expect(outreach.decoded.map((t) => [t.customerId, t.kind])).toEqual(expect.arrayContaining([[a, 'SERVICE_RECOVERY'], [b, 'CARE']]));
    expect(suppressions.decoded.map((s) => [s.customerId, s.reason])).toContainEqual([a, 'NO_CONSENT']);
    const outputsJson = JSON.stringify([fraud.decoded, outreach.decoded, suppressions.decoded]);
    expect(outputsJson).toContain(transfer.eventId);
    expect(outputsJson).toContain(`"maskedAccountNo":"${SECRETS.accountA.slice(-4)}"`);

    const { text: metricsText, samples } = await scrape(port);
    expect(total(samples, 'carestream_tasks_total')).toBeGreaterThanOrEqual(3);
    expect(total(samples, 'carestream_suppressions_total')).toBeGreaterThanOrEqual(1);
    expect(total(samples, 'carestream_records_consumed_total')).toBeGreaterThanOrEqual(sent);

    const contents = await redisContents(redis, config.state.keyPrefix);
    const redisBytes = Buffer.concat(contents.map((c) => c.bytes));
    expect(contents.some((c) => c.key.includes(a)) && contents.some((c) => c.key.includes(b))).toBe(true);
    // The search reads values: the decision log holds the fraud check's triggering event id.
    expect(redisBytes.includes(Buffer.from(transfer.eventId))).toBe(true);

    await app.stop();
    stopped = true;
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(50);
    expect(log).toContain('"msg":"chunk committed"');
    expect(log).toContain('"msg":"summary"');
    expect(log).toMatch(/"level":20,.*"component":"kafkajs"/); // the client's own lines too

    // Nothing planted anywhere.
    expect(findSecrets(log), 'in the logs').toEqual([]);
    expect(findSecrets(metricsText), 'in /metrics').toEqual([]);
    expect(contents.filter((c) => findSecrets(c.bytes).length > 0).map((c) => `${c.key}: ${findSecrets(c.bytes).join(', ')}`), 'in Redis').toEqual([]);
    expect(findSecrets(outputsJson), 'in the decoded tasks and suppressions').toEqual([]);
    expect(findSecrets(Buffer.concat([...fraud.raw, ...outreach.raw, ...suppressions.raw])), 'in the committed task and suppression bytes').toEqual([]);
  });
});
