import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerAuditSchema, type CustomerAuditBody } from '../../../src/api/audit-schemas.ts';
import { CSV_COLUMNS } from '../../../src/audit/export.ts';
import { DECISION_TOPICS } from '../../../src/audit/reader.ts';
import { toJsonForm } from '../../../src/events/json-form.ts';
import { formatInstant } from '../../../src/events/time.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { readToEnd } from '../../../src/kafka/read-committed.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { channel, profile, tx } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';
import { scrape, total, waitForStatus } from '../observability/scrape.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { pseudonym } from '../../../src/state/encode.ts';

/**
 * The durable audit trail on the real stack: the export over a time range is
 * exactly the committed task and suppression records published in it (read
 * here independently, read_committed, by their Kafka timestamps); the audit
 * endpoint answers a customer's decisions with 401/403 as it should; explain
 * goes through the agent API with a token (no Kafka or Redis settings) and
 * shows each task's care status; and none of it carries a planted ID number,
 * name or full account number.
 */

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const COMPLIANCE = 'audit-it-compliance-token';
const FEATURES_ONLY = 'audit-it-features-token';
const DESK = 'audit-it-desk-token';
const rnd = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
const SECRETS = {
  idA: `1101051949${rnd(7)}X`,
  idB: `3101151988${rnd(8)}`,
  nameA: `Ouyang Audit${rnd(4)}`,
  nameB: `欧阳审计${rnd(4)}`,
  accountA: `ACC622202${rnd(10)}`,
  accountB: `ACC621700${rnd(10)}`,
  counterparty: `CP-6217009900${rnd(8)}`,
};
const PLANTED = Object.values(SECRETS);
const planted = (text: string) => PLANTED.filter((s) => text.includes(s));
const TZ = 'Asia/Shanghai';
const HOUR = 3_600_000;
const CLI = new URL('../../../src/cli/main.ts', import.meta.url).pathname;

interface Committed {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly publishedAt: number;
  readonly key: string | null;
  readonly value: Record<string, unknown>;
}

describe('audit trail: export, endpoint and explain on the real stack', () => {
  let h: Harness;
  let base: string;
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  let consumed = 0;
  let tStart = 0;
  let tMid = 0;
  let tEnd = 0;
  const a = uniqueName('C-auditA');
  const b = uniqueName('C-auditB');
  const call = (path: string, token: string | undefined, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' } });
  const produce = async (f: () => Promise<void>) => {
    await f();
    await h.waitForConsumed(++consumed);
  };
  /** Every committed decision record published since the test began, read without the audit reader. */
  const committed = async (): Promise<Committed[]> => {
    const raw: { topic: string; key: string | null; value: Buffer; partition: number; offset: bigint; timestamp: number }[] = [];
    await readToEnd(h.kafka, [...DECISION_TOPICS], (topic, key, value, at) => {
      if (at.timestamp >= tStart) raw.push({ topic, key, value, ...at });
    });
    return Promise.all(raw.map(async (r) => {
      const d = await h.serde.decode(r.topic as (typeof DECISION_TOPICS)[number], r.value);
      if (!d.ok) throw new Error(`${r.topic}: ${d.message}`);
      return { topic: r.topic, partition: r.partition, offset: r.offset.toString(), publishedAt: r.timestamp, key: r.key, value: toJsonForm(r.topic as (typeof DECISION_TOPICS)[number], d.value, TZ) as Record<string, unknown> };
    }));
  };
  const untilCommitted = async (ok: (c: Committed[]) => boolean): Promise<Committed[]> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const c = await committed();
      if (ok(c)) return c;
      if (Date.now() > deadline) throw new Error(`the expected outputs were not committed: ${JSON.stringify(c.map((x) => [x.topic, x.key]))}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  // Asynchronous: the service under test runs in this process and must go on answering.
  const cli = (args: string[], env: Record<string, string>) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env }, timeout: 120_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += String(d)));
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, stdout, stderr }));
    });
  const stackEnv = () => ({
    KAFKA_BROKERS: h.config.kafka.brokers!.join(','), SCHEMA_REGISTRY_URL: h.config.registry.url!, REDIS_URL: h.config.redis.url!, REDIS_KEY_PREFIX: h.config.state.keyPrefix,
  });
  // No Kafka, registry or Redis settings, and a stack mode that cannot resolve here: explain must not need them.
  const apiEnv = () => ({ CARESTREAM_STACK: 'containers', CARESTREAM_API_URL: base, CARESTREAM_API_TOKEN: COMPLIANCE });
  const audit = async (customerId: string, query = ''): Promise<{ status: number; text: string; body?: CustomerAuditBody }> => {
    const r = await call(`/v1/customers/${encodeURIComponent(customerId)}/audit${query}`, COMPLIANCE);
    const text = await r.text();
    return { status: r.status, text, ...(r.status === 200 ? { body: customerAuditSchema.parse(JSON.parse(text)) } : {}) };
  };

  beforeAll(async () => {
    h = await startHarness({
      API_TOKENS: JSON.stringify([
        { name: 'compliance', sha256: sha(COMPLIANCE), scopes: ['features:read', 'tasks:read'] },
        { name: 'wallboard', sha256: sha(FEATURES_ONLY), scopes: ['features:read'] },
        { name: 'desk', sha256: sha(DESK), scopes: ['tasks:read', 'outcomes:write'] },
      ]),
      PSEUDONYM_KEY: 'audit-it-pseudonym-key-0123456789',
    }, { logger: createLogger('info', sink) });
    base = `http://127.0.0.1:${h.app.httpPort}`;
    await waitForStatus(h.app.httpPort!, '/readyz', 200, 300_000);
    tStart = Date.now();
    const t0 = Date.now() - 3 * 24 * HOUR;
    const at = (ms: number) => formatInstant(ms, TZ);

    // Phase 1, B: a new customer (a welcome call).
    await produce(() => h.produce(TOPICS.customerProfiles, profile(b, { idNumber: SECRETS.idB, fullName: SECRETS.nameB })));
    await produce(() => h.produce(TOPICS.channelEvents, channel(b, at(t0), { action: 'ACCOUNT_OPENED', channel: 'BRANCH' })));
    await produce(() => h.produce(TOPICS.transactions, tx(b, at(t0 + HOUR), { accountId: SECRETS.accountB, amountMinor: 5_000_000, balanceAfterMinor: 5_000_000, maskedAccountNo: SECRETS.accountB.slice(-4) })));
    await untilCommitted((c) => c.some((x) => x.key === b && x.topic === TOPICS.outreachTasks));
    tMid = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 20));

    // Phase 2, A: no marketing consent; mortgage interest (held back: NO_CONSENT), a large transfer
    // to a new payee an hour ago (a fraud check, open) and a complaint (service recovery).
    await produce(() => h.produce(TOPICS.customerProfiles, profile(a, { marketingConsent: false, idNumber: SECRETS.idA, fullName: SECRETS.nameA })));
    await produce(() => h.produce(TOPICS.transactions, tx(a, at(t0), { accountId: SECRETS.accountA, amountMinor: 30_000_000, balanceAfterMinor: 30_000_000, maskedAccountNo: SECRETS.accountA.slice(-4) })));
    for (const d of [1, 2, 3]) await produce(() => h.produce(TOPICS.channelEvents, channel(a, at(t0 + d * 12 * HOUR), { action: 'RATE_QUERY', topic: 'MORTGAGE' })));
    await produce(() => h.produce(TOPICS.transactions, tx(a, at(Date.now() - HOUR), {
      accountId: SECRETS.accountA, type: 'TRANSFER_OUT', amountMinor: 60_000_000, balanceAfterMinor: 0,
      counterparty: { accountRef: SECRETS.counterparty, ownAccount: false }, maskedAccountNo: SECRETS.accountA.slice(-4),
    })));
    await produce(() => h.produce(TOPICS.channelEvents, channel(a, at(Date.now() - HOUR + 60_000), { action: 'COMPLAINT', channel: 'CALL_CENTER' })));
    await untilCommitted((c) => ['fraudCheck', 'outreach', 'suppression'].every((_, i) => c.some((x) => x.key === a && x.topic === DECISION_TOPICS[i])));
    tEnd = Date.now() + 1;
  }, 600_000);
  afterAll(() => h?.stop());

  it('exports exactly the committed task and suppression records published in the range, as JSONL and CSV, with nothing planted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carestream-audit-'));
    const range = ['--from', formatInstant(tMid, TZ), '--to', formatInstant(tEnd, TZ)];
    const jsonl = await cli(['audit', 'export', ...range, '--out', join(dir, 'audit.jsonl')], stackEnv());
    expect(jsonl.stderr).toMatch(/records published from/);
    expect(jsonl.status).toBe(0);
    const csv = await cli(['audit', 'export', ...range, '--format', 'csv', '--out', join(dir, 'audit.csv')], stackEnv());
    expect(csv.status).toBe(0);

    const expected = (await committed()).filter((c) => c.publishedAt >= tMid && c.publishedAt < tEnd);
    const exportedText = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
    const exported = exportedText.trim().split('\n').map((l) => JSON.parse(l) as { publishedAt: string; topic: string; partition: number; offset: string; value: Record<string, unknown> });
    const canonical = (xs: { topic: string; partition: number; offset: string; publishedAt: string; value: unknown }[]) =>
      xs.map((x) => JSON.stringify([x.topic, x.partition, x.offset, x.publishedAt, x.value])).sort();
    expect(canonical(exported)).toEqual(canonical(expected.map((e) => ({ ...e, publishedAt: formatInstant(e.publishedAt, TZ) }))));
    // The range did select: A's decisions (after tMid) are in it, B's (before) are not.
    expect(new Set(exported.map((e) => e.value.customerId))).toEqual(new Set([a]));
    expect(new Set(exported.map((e) => e.topic))).toEqual(new Set(DECISION_TOPICS));

    const csvText = readFileSync(join(dir, 'audit.csv'), 'utf8');
    const rows = csvText.trim().split('\n');
    expect(rows[0]).toBe(CSV_COLUMNS.join(','));
    expect(rows.slice(1).map((r) => r.split(',').slice(-3).join('/')).sort()).toEqual(expected.map((e) => `${e.topic}/${e.partition}/${e.offset}`).sort());
    expect(planted(exportedText), 'in the JSONL export').toEqual([]);
    expect(planted(csvText), 'in the CSV export').toEqual([]);
  });

  it('answers a customer\'s decisions from the topics, paged, with each task\'s care status; 401 and 403 as it should', async () => {
    const all = await committed();
    const mine = all.filter((c) => c.key === a);
    const t0 = Date.now();
    const full = await audit(a, `?from=${encodeURIComponent(formatInstant(tStart, TZ))}`);
    const tookMs = Date.now() - t0;
    console.log(`GET /v1/customers/{id}/audit answered in ${tookMs} ms (${full.body?.total} entries)`);
    expect(full.status).toBe(200);
    expect(full.body!.entries.map((e) => `${e.source.topic}/${e.source.partition}/${e.source.offset}`).sort()).toEqual(mine.map((c) => `${c.topic}/${c.partition}/${c.offset}`).sort());
    expect(full.body!.entries.map((e) => `${e.decision} ${e.kind}`)).toEqual(expect.arrayContaining(['ISSUED FRAUD_CHECK', 'ISSUED SERVICE_RECOVERY', 'SUPPRESSED LIFE_STAGE_OFFER']));
    const fraud = full.body!.entries.find((e) => e.kind === 'FRAUD_CHECK')!;
    expect(fraud).toMatchObject({ ruleId: 'large-outflow', careStatus: { status: 'open', outcome: null } });
    expect(full.body!.entries.find((e) => e.decision === 'SUPPRESSED')).toMatchObject({ reason: 'NO_CONSENT', careStatus: null });
    const page = await audit(a, `?from=${encodeURIComponent(formatInstant(tStart, TZ))}&limit=2`);
    expect(page.body).toMatchObject({ total: mine.length, nextOffset: 2 });
    expect(page.body!.entries).toEqual(full.body!.entries.slice(0, 2));
    // B decided before tMid: nothing in [tMid, now), their welcome call without a range.
    expect((await audit(b, `?from=${encodeURIComponent(formatInstant(tMid, TZ))}`)).body!.total).toBe(0);
    expect((await audit(b)).body!.entries.map((e) => e.kind)).toEqual(['CARE']);
    expect(planted(full.text + page.text)).toEqual([]);

    expect((await call(`/v1/customers/${a}/audit`, undefined)).status).toBe(401);
    expect((await call(`/v1/customers/${a}/audit`, 'not-a-configured-token')).status).toBe(401);
    const forbidden = await call(`/v1/customers/${a}/audit`, FEATURES_ONLY);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toContain('scope="tasks:read"');

    // Logged at info like every read of a customer's data: the token's name, a keyed hash of the customer, never the id.
    const access = logLines.map((l) => JSON.parse(l) as { level: number; access?: { client: string | null; endpoint: string; status: number; customer: string | null } }).filter((l) => l.access?.endpoint === 'audit');
    expect(access.map((l) => [l.level, l.access!.client, l.access!.status])).toEqual(expect.arrayContaining([[30, 'compliance', 200], [30, 'wallboard', 403], [30, null, 401]]));
    expect(access.filter((l) => l.access!.client === 'compliance').map((l) => l.access!.customer)).toContain(pseudonym(a, 'audit-it-pseudonym-key-0123456789'));
    expect(logLines.filter((l) => l.includes(a) || l.includes(b))).toEqual([]);
    const { samples } = await scrape(h.app.httpPort!);
    expect(total(samples, 'carestream_api_requests_total', { endpoint: 'audit', client: 'compliance', status: '200' })).toBeGreaterThanOrEqual(4);
  });

  it('explain goes through the agent API with a token, shows care status, and an outcome posted through the API closes the task in it', async () => {
    const before = await cli(['explain', a], apiEnv());
    expect(before.stderr).toBe('');
    expect(before.status).toBe(0);
    expect(before.stdout).toContain('from the agent API (task and suppression topics)');
    expect(before.stdout).toMatch(/ISSUED {6}FRAUD_CHECK by large-outflow v\d+ \(rule set [^)]+\), P1, via CALL_CENTER, due [^;]+; status open/);
    expect(before.stdout).toMatch(/SUPPRESSED {2}LIFE_STAGE_OFFER \S+ by mortgage-interest v\d+ \(rule set [^)]+\): NO_CONSENT/);
    expect(before.stdout).toMatch(/consent NO/);
    // Timers on (the default): the fraud check's deadline is pending and the check watched, through the API as from Redis.
    const fraudId = (await audit(a)).body!.entries.find((e) => e.kind === 'FRAUD_CHECK')!.taskId;
    const pending = new RegExp(`pending timers:\\n(  .*\\n)*  \\S+  FRAUD_SLA \\(fraud-check deadline\\) for ${fraudId}\\n`);
    expect(before.stdout).toMatch(pending);
    expect(before.stdout).toMatch(new RegExp(`fraud checks watched for an answer:\\n  ${fraudId} due \\S+: OPEN`));
    const directBefore = await cli(['explain', a], stackEnv());
    const section = (out: string) => out.slice(out.indexOf('pending timers:'));
    expect(section(directBefore.stdout)).toBe(section(before.stdout));

    const posted = await call(`/v1/tasks/${fraudId}/outcome`, DESK, { method: 'POST', body: JSON.stringify({ outcome: 'CONFIRMED_GENUINE' }) });
    expect(posted.status).toBe(202);
    await h.waitForConsumed(++consumed);
    const after = await cli(['explain', a, '--from', formatInstant(tStart, TZ)], apiEnv());
    expect(after.status).toBe(0);
    expect(after.stdout).toMatch(/FRAUD_CHECK by large-outflow [^\n]*; status answered \(CONFIRMED_GENUINE at /);
    expect(after.stdout).toMatch(/CONFIRMED_GENUINE for T-/);
    // Answered in time: no deadline pending any more, and the watched check says so.
    expect(after.stdout).not.toContain(`FRAUD_SLA (fraud-check deadline) for ${fraudId}`);
    expect(after.stdout).toMatch(new RegExp(`  ${fraudId} due \\S+: ANSWERED at `));

    const json = await cli(['explain', a, '--json'], apiEnv());
    expect(json.status).toBe(0);
    const view = JSON.parse(json.stdout) as { decisions: { careStatus: { status: string } | null }[] };
    expect(view.decisions.filter((d) => d.careStatus).map((d) => d.careStatus!.status)).toEqual(expect.arrayContaining(['answered', 'open']));

    // A token without tasks:read: a clear refusal, not a crash.
    const refused = await cli(['explain', a], { ...apiEnv(), CARESTREAM_API_TOKEN: FEATURES_ONLY });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/403/);

    // Without the API: Redis, and the topics for a range.
    const direct = await cli(['explain', a, '--from', formatInstant(tStart, TZ)], stackEnv());
    expect(direct.status).toBe(0);
    expect(direct.stdout).toContain('from the task and suppression topics');
    expect(direct.stdout).toMatch(/status answered \(CONFIRMED_GENUINE/);
    const log = await cli(['explain', a], stackEnv());
    expect(log.status).toBe(0);
    expect(log.stdout).toContain('from the Redis decision log');

    for (const out of [before, after, json, refused, direct, log]) expect(planted(out.stdout + out.stderr)).toEqual([]);
    expect(planted(logLines.join(''))).toEqual([]);
  });
});
