import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { TOPICS } from '../../../src/events/topics.ts';
import { errorSchema, tasksSchema } from '../../../src/api/schemas.ts';
import { careTaskQueueSchema, outcomeAcceptedSchema, overviewSchema } from '../../../src/api/care-task-schemas.ts';
import { formatInstant } from '../../../src/events/time.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { channel, profile, tx } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';

const ID_NUMBER = '110101195001011234';
const FULL_NAME = 'Wang Xiaoming';
const ACCOUNT = 'ACC6222029876543219';
const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const AGENT = randomBytes(24).toString('base64url');
const READER = randomBytes(24).toString('base64url');
const FEATURES = randomBytes(24).toString('base64url');
const HOUR = 3_600_000;

describe('care tasks: the queue and outcomes through the pipeline', () => {
  let h: Harness;
  let base: string;
  let consumed = 0;
  const customer = uniqueName('C-care');
  const other = uniqueName('C-other');
  const call = (path: string, token: string | undefined, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' } });
  const queue = async (query = '') => {
    const r = await call(`/v1/tasks${query}`, AGENT);
    expect(r.status).toBe(200);
    const text = await r.text();
    return { text, body: careTaskQueueSchema.parse(JSON.parse(text)) };
  };
  const until = async <T>(f: () => Promise<T>, ok: (t: T) => boolean): Promise<T> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const v = await f();
      if (ok(v) || Date.now() > deadline) return v;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    h = await startHarness({
      API_TOKENS: JSON.stringify([
        { name: 'agent-desk', sha256: sha(AGENT), scopes: ['tasks:read', 'outcomes:write'] },
        { name: 'wallboard', sha256: sha(READER), scopes: ['tasks:read', 'features:read'] },
        { name: 'profile-tool', sha256: sha(FEATURES), scopes: ['features:read'] },
      ]),
    });
    base = `http://127.0.0.1:${h.app.httpPort}`;
    // A large transfer to a new payee (a fraud check, due +24h) and a complaint
    // (service recovery, due +48h), an hour ago so both are open now.
    const t0 = Date.now() - HOUR;
    const at = (ms: number) => formatInstant(ms, 'Asia/Shanghai');
    const events = [
      () => h.produce(TOPICS.customerProfiles, profile(customer, { idNumber: ID_NUMBER, fullName: FULL_NAME })),
      () => h.produce(TOPICS.transactions, tx(customer, at(t0 - 10 * 60_000), { accountId: ACCOUNT, amountMinor: 30_000_000, balanceAfterMinor: 30_000_000 })),
      () => h.produce(TOPICS.channelEvents, channel(customer, at(t0 - 5 * 60_000), { action: 'COMPLAINT' })),
      () => h.produce(TOPICS.transactions, tx(customer, at(t0), { accountId: ACCOUNT, type: 'TRANSFER_OUT', amountMinor: 60_000_000, balanceAfterMinor: 0, counterparty: { accountRef: 'CP-9', ownAccount: false } })),
    ];
    for (const produce of events) {
      await produce();
      await h.waitForConsumed(++consumed);
    }
  });
  afterAll(() => h?.stop());

  it('serves the open tasks by due time, with status and time left, and nothing personal', async () => {
    const { text, body } = await queue();
    const mine = body.tasks.filter((t) => t.customerId === customer);
    expect(mine.map((t) => [t.kind, t.status])).toEqual([['FRAUD_CHECK', 'open'], ['SERVICE_RECOVERY', 'open']]);
    expect(mine[0]).toMatchObject({ ruleId: 'large-outflow', priority: 'P1', channel: 'CALL_CENTER', tier: 'ORDINARY', outcome: null, escalatedBy: null });
    expect(mine[0]!.timeLeftMinutes).toBeGreaterThan(22 * 60);
    expect(mine[0]!.timeLeftMinutes).toBeLessThanOrEqual(23 * 60);
    const dues = body.tasks.map((t) => Date.parse(t.dueBy));
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
    for (const secret of [ID_NUMBER, FULL_NAME, ACCOUNT, '6222029876543219']) expect(text).not.toContain(secret);

    // Filters and paging.
    expect((await queue('?kind=FRAUD_CHECK')).body.tasks.every((t) => t.kind === 'FRAUD_CHECK')).toBe(true);
    expect((await queue('?priority=P2')).body.tasks.map((t) => t.kind)).toContain('SERVICE_RECOVERY');
    const soon = formatInstant(Date.now() + 30 * HOUR, 'UTC');
    expect((await queue(`?dueBefore=${encodeURIComponent(soon)}`)).body.tasks.filter((t) => t.customerId === customer).map((t) => t.kind)).toEqual(['FRAUD_CHECK']);
    const first = (await queue('?limit=1')).body;
    expect(first.tasks).toHaveLength(1);
    expect(first.nextOffset).toBe(first.total > 1 ? 1 : null);
    expect((await queue('?status=overdue')).body.tasks.filter((t) => t.customerId === customer)).toEqual([]);
    expect((await call('/v1/tasks?status=lost', AGENT)).status).toBe(400);
    expect((await call('/v1/tasks?dueBefore=tomorrow', AGENT)).status).toBe(400);
  });

  it('an outcome posted through the API goes to Kafka as a CONTACT_OUTCOME and closes the task in the queue and the customer answer', async () => {
    const fraud = (await queue('?kind=FRAUD_CHECK')).body.tasks.find((t) => t.customerId === customer)!;

    // Another customer's outcome naming this task does not close it.
    await h.produce(TOPICS.channelEvents, channel(other, formatInstant(Date.now() - 1000, 'UTC'), { action: 'CONTACT_OUTCOME', channel: 'CALL_CENTER', attributes: { taskId: fraud.taskId, outcome: 'REACHED' } }));
    await h.waitForConsumed(++consumed);
    // An attempt that did not reach the customer leaves it open.
    const attempt = await call(`/v1/tasks/${fraud.taskId}/outcome`, AGENT, { method: 'POST', body: JSON.stringify({ outcome: 'NO_ANSWER' }) });
    expect(attempt.status).toBe(202);
    await h.waitForConsumed(++consumed);
    const afterAttempt = (await queue()).body.tasks.find((t) => t.taskId === fraud.taskId);
    expect(afterAttempt).toMatchObject({ status: 'open', lastAttempt: { outcome: 'NO_ANSWER' }, outcome: null });

    const r = await call(`/v1/tasks/${fraud.taskId}/outcome`, AGENT, { method: 'POST', body: JSON.stringify({ outcome: 'CONFIRMED_GENUINE' }) });
    expect(r.status).toBe(202);
    const accepted = outcomeAcceptedSchema.parse(await r.json());
    expect(accepted).toMatchObject({ taskId: fraud.taskId, outcome: 'CONFIRMED_GENUINE' });
    await h.waitForConsumed(++consumed);

    const open = await until(() => queue(), (q) => !q.body.tasks.some((t) => t.taskId === fraud.taskId));
    expect(open.body.tasks.map((t) => t.taskId)).not.toContain(fraud.taskId);
    expect(open.body.tasks.filter((t) => t.customerId === customer).map((t) => t.kind)).toEqual(['SERVICE_RECOVERY']);
    const answered = (await queue('?status=answered')).body.tasks.find((t) => t.taskId === fraud.taskId);
    expect(answered).toMatchObject({ status: 'answered', outcome: { outcome: 'CONFIRMED_GENUINE' } });

    // The event on the channel topic: registry-framed Avro, keyed by the task's customer.
    const records = await h.readTopic(TOPICS.channelEvents, (k) => k === customer);
    const events = await Promise.all(records.map(async (rec) => (await h.serde.decode(TOPICS.channelEvents, rec.value)) as { ok: true; value: { eventId: string; action: string; attributes: Record<string, string> } }));
    const posted = events.map((d) => d.value).find((e) => e.eventId === accepted.eventId);
    expect(posted).toMatchObject({ action: 'CONTACT_OUTCOME', attributes: { taskId: fraud.taskId, outcome: 'CONFIRMED_GENUINE' } });

    // The customer's tasks answer shows the outcomes.
    const c = await call(`/v1/customers/${customer}/tasks`, AGENT);
    expect(c.status).toBe(200);
    const ct = tasksSchema.parse(await c.json());
    expect(ct.outcomes.filter((o) => o.taskId === fraud.taskId).map((o) => o.outcome).sort()).toEqual(['CONFIRMED_GENUINE', 'NO_ANSWER']);
  });

  it('the overview counts the open tasks by priority and gives the care KPIs by tier, nothing personal', async () => {
    const r = await call('/v1/overview', READER);
    expect(r.status).toBe(200);
    const text = await r.text();
    const body = overviewSchema.parse(JSON.parse(text));
    expect(body.health.ready).toBe(true);
    // This harness's index holds only this file's tasks: the complaint's recovery is still open (P2).
    expect(body.queue.open.P2).toBe(1);
    expect(body.queue.open.P1).toBe(0);
    const ordinary = body.kpis.find((k) => k.tier === 'ORDINARY')!;
    expect(ordinary).toMatchObject({ tasksIssued: 2, reached: 1, reachedPercent: 50, complaints: 1, escalations: 0, vipDowngrades: 0, fraudChecksDecided: 1, fraudChecksAnsweredInTime: 1, fraudChecksAnsweredInTimePercent: 100 });
    expect(Object.keys(body.suppressionsByReason).sort()).toEqual(['CONTACT_CAP', 'COOLDOWN', 'NO_CONSENT']);
    for (const secret of [ID_NUMBER, FULL_NAME, ACCOUNT, '6222029876543219']) expect(text).not.toContain(secret);

    // The same KPIs as Prometheus gauges, with bounded labels only.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const care = metrics.split('\n').filter((l) => l.startsWith('carestream_care_'));
    expect(care).toEqual(expect.arrayContaining([
      'carestream_care_tasks_issued{tier="ORDINARY"} 2',
      'carestream_care_reached_ratio{tier="ORDINARY"} 0.5',
      'carestream_care_fraud_checks_answered_in_time_ratio{tier="ORDINARY"} 1',
      'carestream_care_complaints{tier="ORDINARY"} 1',
      'carestream_care_escalations{tier="ORDINARY"} 0',
      'carestream_care_vip_downgrades{tier="VIP"} 0',
      'carestream_care_queue_tasks{priority="P2",status="open",kind="outreach"} 1',
    ]));
    for (const line of care) expect(line).not.toContain(customer);
  });

  it('refuses: 401 without a valid token, 403 without the scope, 404 for an unknown task, 400 for a bad body', async () => {
    const endpoints = [
      { path: '/v1/tasks', init: {} },
      { path: '/v1/overview', init: {} },
      { path: '/v1/tasks/T-0/outcome', init: { method: 'POST', body: JSON.stringify({ outcome: 'REACHED' }) } },
    ];
    // 403: a token without the endpoint's scope, for each endpoint.
    for (const e of endpoints) {
      const r = await call(e.path, FEATURES, e.init);
      expect(r.status).toBe(403);
      expect(errorSchema.parse(await r.json()).error.code).toBe('FORBIDDEN');
    }
    for (const e of endpoints) {
      for (const token of [undefined, randomBytes(24).toString('base64url')]) {
        const r = await call(e.path, token, e.init);
        expect(r.status).toBe(401);
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
        expect(errorSchema.parse(await r.json()).error.code).toBe('UNAUTHORIZED');
      }
    }
    const forbidden = await call('/v1/tasks/T-0/outcome', READER, endpoints[2]!.init);
    expect(forbidden.status).toBe(403);
    expect(errorSchema.parse(await forbidden.json()).error.code).toBe('FORBIDDEN');
    expect((await call('/v1/tasks/T-unknown/outcome', AGENT, endpoints[2]!.init)).status).toBe(404);
    const fraud = (await queue('?status=answered')).body.tasks.find((t) => t.customerId === customer)!;
    expect((await call(`/v1/tasks/${fraud.taskId}/outcome`, AGENT, { method: 'POST', body: '{"outcome":"MAYBE"}' })).status).toBe(400);
    expect((await call(`/v1/tasks/${fraud.taskId}/outcome`, AGENT, { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await call(`/v1/tasks/${fraud.taskId}/outcome`, AGENT, { method: 'GET' })).status).toBe(405);
    expect((await call('/v1/tasks', AGENT, { method: 'POST', body: '{}' })).status).toBe(405);
  });
});
