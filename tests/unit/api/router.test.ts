import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handleApiRequest, type AgentApiOptions, type CustomerReader } from '../../../src/api/router.ts';
import { featuresSchema, tasksSchema, errorSchema, type TasksBody } from '../../../src/api/schemas.ts';
import { TokenSet } from '../../../src/api/tokens.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import type { FeatureView } from '../../../src/state/feature-view.ts';
import { decisionLogEntry } from '../../../src/tasks/decision-log.ts';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const FULL = 'full-token-abc123';
const FEATURES_ONLY = 'features-token-def456';
const ID_NUMBER = '110101195001011234';
const ACCOUNT = '6222029876543219';
const FULL_NAME = 'Wang Xiaoming';
const T0 = Date.parse('2026-11-10T14:20:00+08:00');

const view: FeatureView = {
  customerId: 'C-1',
  asOf: T0,
  depositsMinor: 0,
  holdingsMinor: 0,
  assetsMinor: 0,
  avg30Minor: 2_000_000,
  avg30AgoMinor: 0,
  tier: 'ORDINARY',
  outflow1h: { sumMinor: 60_000_000, count: 1 },
  outflow24h: { sumMinor: 60_000_000, count: 1 },
  newCounterpartyOutflow1h: { sumMinor: 60_000_000, count: 1 },
  maxOutflow90dMinor: 60_000_000,
  counterparties90d: 1,
  highRiskStreak: 0,
  mortgageInterest30d: 3,
  babyMonths: [],
  salaryMonths: ['2026-10'],
  lastInvestmentAt: null,
  profile: { age: 76, marketingConsent: false, riskTolerance: 3, riskAssessedAt: null, preferredChannels: ['APP'], hasRelationshipManager: false, updatedAt: Date.parse('2026-01-01T00:00:00+08:00') },
};

const issued = decisionLogEntry.parse({
  id: 'task-fraud-1', decision: 'ISSUED', at: T0, ruleId: 'large-outflow', ruleVersion: 1, ruleSetVersion: 'bank-1',
  target: 'FRAUD_CHECK', offerCode: null, priority: 'P1', channel: 'CALL_CENTER', dueBy: T0 + 86_400_000,
  reasons: ['AMOUNT_OVER_THRESHOLD', 'NEW_COUNTERPARTY'],
  // Planted: an account reference and an ID number that a future rule might put in evidence.
  evidence: { amountMinor: '60000000', counterparty: 'NEW', maskedAccountNo: ACCOUNT, note: ID_NUMBER },
  tier: 'ORDINARY', triggerEventId: 'C-1-t5',
});
const suppressed = decisionLogEntry.parse({
  id: 'task-mortgage-1:suppressed', decision: 'SUPPRESSED', reason: 'NO_CONSENT', at: T0 - 86_400_000, ruleId: 'mortgage-interest', ruleVersion: 1,
  ruleSetVersion: 'bank-1', target: 'LIFE_STAGE_OFFER', offerCode: 'MORTGAGE_RENOVATION_BUNDLE', priority: 'P3',
  reasons: ['MORTGAGE_INTEREST'], evidence: { rateQueries30d: '3' }, tier: 'ORDINARY', triggerEventId: 'C-1-c4',
});
const history = {
  contacts: [{ taskId: 'task-care-0', ruleId: 'welcome', kind: 'CARE', at: T0 - 9 * 86_400_000 }, { taskId: 'task-care-1', ruleId: 'welcome', kind: 'CARE', at: T0 - 86_400_000 }],
  outcomes: [{ at: T0, taskId: '', outcome: 'REACHED' }],
};

function memoryReader(over: Partial<CustomerReader> = {}): CustomerReader {
  return {
    inspect: async (id) => (id === 'C-1' ? view : null),
    decisionLog: async (id) => ({ entries: id === 'C-1' ? [issued, suppressed] : [], unreadable: 0 }),
    contactHistory: async (id) => (id === 'C-1' ? history : null),
    timersOf: async (id) => (id === 'C-1' ? { pending: [], checks: [] } : null),
    ...over,
  };
}

function setup(options: { reader?: CustomerReader | undefined; tokens?: TokenSet; idRules?: AgentApiOptions['idRules'] } = {}) {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (l: string) => void lines.push(l) });
  const reader = 'reader' in options ? options.reader : memoryReader();
  const o: AgentApiOptions = {
    tokens: options.tokens ?? new TokenSet([
      { name: 'crm-east', sha256: sha(FULL), scopes: ['features:read', 'tasks:read'] },
      { name: 'wallboard', sha256: sha(FEATURES_ONLY), scopes: ['features:read'] },
    ]),
    reader: () => reader,
    timeZone: 'Asia/Shanghai',
    logger,
    ...(options.idRules ? { idRules: options.idRules } : {}),
  };
  /** token null: no Authorization header. */
  const get = (url: string, token: string | null = FULL, method = 'GET') =>
    handleApiRequest({ method, url, authorization: token === null ? undefined : `Bearer ${token}` }, o);
  return { get, lines };
}

const errorCode = (body: unknown) => errorSchema.parse(body).error.code;

describe('agent API: statuses', () => {
  it('200 for features, in the form carestream inspect prints, validated by the schema', async () => {
    const { get } = setup();
    const r = await get('/v1/customers/C-1/features');
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    const body = featuresSchema.parse(r.body);
    expect(body).toMatchObject({ customerId: 'C-1', tier: 'ORDINARY', asOf: '2026-11-10T14:20:00+08:00', salaryMonths: ['2026-10'] });
    expect(body.profile).toMatchObject({ age: 76, marketingConsent: false, updatedAt: '2026-01-01T00:00:00+08:00' });
  });

  it('200 for tasks: tasks and suppressions with reasons and masked evidence, contacts and outcomes, newest first', async () => {
    const { get } = setup();
    const r = await get('/v1/customers/C-1/tasks');
    expect(r.status).toBe(200);
    const body = tasksSchema.parse(r.body);
    expect(body.tasks).toEqual([{
      taskId: 'task-fraud-1', at: '2026-11-10T14:20:00+08:00', decidedAt: null, kind: 'FRAUD_CHECK', offerCode: null, ruleId: 'large-outflow', ruleVersion: 1,
      ruleSetVersion: 'bank-1', priority: 'P1', reasons: ['AMOUNT_OVER_THRESHOLD', 'NEW_COUNTERPARTY'],
      evidence: { amountMinor: '60000000', counterparty: 'NEW', maskedAccountNo: '3219', note: '110101195001******' },
      tier: 'ORDINARY', triggerEventId: 'C-1-t5', channel: 'CALL_CENTER', dueBy: '2026-11-11T14:20:00+08:00',
    }]);
    expect(body.suppressions).toHaveLength(1);
    expect(body.suppressions[0]).toMatchObject({ taskId: 'task-mortgage-1', reason: 'NO_CONSENT', kind: 'LIFE_STAGE_OFFER', ruleId: 'mortgage-interest' });
    expect(body.contacts.map((c) => c.taskId)).toEqual(['task-care-1', 'task-care-0']);
    expect(body.outcomes).toEqual([{ taskId: null, outcome: 'REACHED', at: '2026-11-10T14:20:00+08:00' }]);
    const text = JSON.stringify(body);
    for (const secret of [ID_NUMBER, ACCOUNT]) expect(text).not.toContain(secret);
  });

  it('200 for tasks carries the pending timers and the fraud checks watched for an answer, ids checked like every other', async () => {
    const timers = {
      pending: [{ dueAt: Date.parse('2026-11-11T00:00:00+08:00'), what: 'TIER' as const }, { dueAt: Date.parse('2026-11-11T14:20:00.001+08:00'), what: 'FRAUD_SLA' as const, ref: 'task-fraud-1' }],
      checks: [
        { taskId: 'task-fraud-1', dueBy: Date.parse('2026-11-11T14:20:00+08:00'), status: 'OPEN' as const, transactionEventId: 'C-1-t5', transactionType: 'TRANSFER_OUT' as const, transactionAt: T0, amountMinor: 60_000_000, maskedAccountNo: '3219' },
        { taskId: `bad ${ID_NUMBER}`, dueBy: Date.parse('2026-11-09T10:00:00+08:00'), status: 'ANSWERED' as const, closedAt: Date.parse('2026-11-09T09:00:00+08:00'), transactionEventId: 'C-1-t1', transactionType: 'TRANSFER_OUT' as const, transactionAt: T0, amountMinor: 1, maskedAccountNo: '3219' },
      ],
    };
    const { get } = setup({ reader: memoryReader({ timersOf: async () => timers }) });
    const body = tasksSchema.parse((await get('/v1/customers/C-1/tasks')).body);
    expect(body.timers).toEqual([
      { what: 'TIER', due: '2026-11-11T00:00:00+08:00', ref: null },
      { what: 'FRAUD_SLA', due: '2026-11-11T14:20:00.001+08:00', ref: 'task-fraud-1' },
    ]);
    expect(body.watchedChecks[0]).toEqual({ taskId: 'task-fraud-1', dueBy: '2026-11-11T14:20:00+08:00', status: 'OPEN', closedAt: null });
    expect(body.watchedChecks[1]).toMatchObject({ status: 'ANSWERED', closedAt: '2026-11-09T09:00:00+08:00' });
    expect(JSON.stringify(body)).not.toContain(ID_NUMBER);
    // No timers (timers off, or none pending): empty lists, not absent ones.
    const none = tasksSchema.parse((await setup().get('/v1/customers/C-1/tasks')).body);
    expect([none.timers, none.watchedChecks]).toEqual([[], []]);
  });

  it('?limit= caps each list, and a bad limit is 400', async () => {
    const { get } = setup();
    const one = tasksSchema.parse((await get('/v1/customers/C-1/tasks?limit=1')).body);
    expect(one.contacts.map((c) => c.taskId)).toEqual(['task-care-1']);
    for (const bad of ['0', '51', 'x', '1.5', '']) {
      const r = await get(`/v1/customers/C-1/tasks?limit=${bad}`);
      expect(r.status, `limit=${bad}`).toBe(400);
      expect(errorCode(r.body)).toBe('BAD_REQUEST');
    }
  });

  it('401 with a Bearer challenge without a token, with an unknown one, and with any when none is configured', async () => {
    const { get } = setup();
    const none = await get('/v1/customers/C-1/features', null);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(errorCode(none.body)).toBe('UNAUTHORIZED');
    const wrong = await get('/v1/customers/C-1/tasks', 'not-a-token');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toContain('error="invalid_token"');
    const closed = setup({ tokens: new TokenSet([]) });
    expect((await closed.get('/v1/customers/C-1/features')).status).toBe(401);
  });

  it('403 with a token lacking the scope; the same token reads what it may', async () => {
    const { get } = setup();
    const r = await get('/v1/customers/C-1/tasks', FEATURES_ONLY);
    expect(r.status).toBe(403);
    expect(errorCode(r.body)).toBe('FORBIDDEN');
    expect(r.headers['www-authenticate']).toContain('scope="tasks:read"');
    expect((await get('/v1/customers/C-1/features', FEATURES_ONLY)).status).toBe(200);
  });

  it('authenticates before it says anything about the customer', async () => {
    const { get } = setup();
    expect((await get('/v1/customers/nobody/features', null)).status).toBe(401);
    expect((await get('/v1/customers/%7Bbad%7D/tasks', FEATURES_ONLY)).status).toBe(403);
  });

  it('400 for a malformed customer id', async () => {
    const { get } = setup();
    for (const id of ['%7Bx%7D', 'a%2Fb', '%E0%A4%A', '-x', 'a'.repeat(129), '']) {
      const r = await get(`/v1/customers/${id}/features`);
      expect(r.status, id).toBe(400);
      expect(errorCode(r.body)).toBe('BAD_REQUEST');
    }
  });

  it('400 for a customer id that is not an identifier, saying why without the id; the rules are the configured ones', async () => {
    const { get } = setup();
    for (const id of [encodeURIComponent(FULL_NAME), `E-${ID_NUMBER}`, 'C'.repeat(300), 'C-1*', '%0Aforged']) {
      const r = await get(`/v1/customers/${id}/features`);
      expect(r.status, id).toBe(400);
      const message = errorSchema.parse(r.body).error.message;
      expect(message).toMatch(/^customerId: (not an identifier|must not be empty)/);
      for (const secret of [FULL_NAME, ID_NUMBER, 'C'.repeat(300), 'forged']) expect(message).not.toContain(secret);
    }
    const narrow = setup({ idRules: { maxLength: 2, pattern: '[A-Z0-9-]+', maxDigitRun: 14 } });
    expect((await narrow.get('/v1/customers/C-1/features')).status).toBe(400);
    expect((await narrow.get('/v1/customers/C1/features')).status).toBe(404);
  });

  it('shows stored ids that fail the check as stand-ins instead of failing the response', async () => {
    const planted = `E-${ID_NUMBER}`;
    const reader = memoryReader({
      decisionLog: async () => ({ entries: [{ ...issued, triggerEventId: planted }, { ...suppressed, id: `${FULL_NAME}:suppressed` }], unreadable: 0 }),
      contactHistory: async () => ({ contacts: [{ ...history.contacts[0]!, taskId: 'T\u001b[2J' }], outcomes: [{ at: T0, taskId: planted, outcome: 'REACHED' }] }),
    });
    const { get } = setup({ reader });
    const r = await get('/v1/customers/C-1/tasks');
    expect(r.status).toBe(200);
    const body = tasksSchema.parse(r.body);
    expect(body.tasks[0]!.triggerEventId).toMatch(/^invalid-id-[0-9a-f]{16}$/);
    expect(body.suppressions[0]!.taskId).toMatch(/^invalid-id-/);
    expect(body.contacts[0]!.taskId).toMatch(/^invalid-id-/);
    expect(body.outcomes[0]!.taskId).toBe(body.tasks[0]!.triggerEventId);
    const text = JSON.stringify(body);
    for (const secret of [ID_NUMBER, FULL_NAME, '\u001b']) expect(text).not.toContain(secret);
  });

  it('404 for an unknown customer and an unknown path', async () => {
    const { get } = setup();
    for (const path of ['/v1/customers/C-2/features', '/v1/customers/C-2/tasks', '/v1/customers/C-1/secrets', '/v1/customers']) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(errorCode(r.body)).toBe('NOT_FOUND');
    }
  });

  it('405 with Allow: GET for other methods', async () => {
    const { get } = setup();
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = await get('/v1/customers/C-1/tasks', FULL, method);
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('GET');
      expect(errorCode(r.body)).toBe('METHOD_NOT_ALLOWED');
    }
    expect((await get('/v1/openapi.json', null, 'POST')).status).toBe(405);
  });

  it('503 while the store is not there yet, 500 when reading fails', async () => {
    expect((await setup({ reader: undefined }).get('/v1/customers/C-1/features')).status).toBe(503);
    const failing = setup({ reader: memoryReader({ inspect: async () => { throw new Error('connection lost'); } }) });
    const r = await failing.get('/v1/customers/C-1/features');
    expect(r.status).toBe(500);
    expect(errorCode(r.body)).toBe('INTERNAL');
  });

  it('500, logged without the body, when a response does not match its schema', async () => {
    // A field the schema does not list (here a name) must never reach the caller.
    const leaky = setup({ reader: memoryReader({ inspect: async () => ({ ...view, fullName: FULL_NAME }) as FeatureView }) });
    const r = await leaky.get('/v1/customers/C-1/features');
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.body)).not.toContain(FULL_NAME);
    expect(leaky.lines.join('')).toContain('failed its schema');
    expect(leaky.lines.join('')).not.toContain(FULL_NAME);
  });

  it('degrades instead of failing for stored values: long digit runs in evidence are masked, amounts of any size stay exact', async () => {
    const big = String(Number.MAX_SAFE_INTEGER);
    const stored = setup({ reader: memoryReader({ decisionLog: async () => ({ entries: [{ ...issued, evidence: { ref: `acct ${ACCOUNT}`, amountMinor: big, assetsBeforeMinor: '100000000000000' } }], unreadable: 0 }) }) });
    const t = await stored.get('/v1/customers/C-1/tasks');
    expect(t.status).toBe(200);
    const body = tasksSchema.parse(t.body);
    expect(body.tasks[0]!.evidence).toEqual({ ref: 'acct ************3219', amountMinor: big, assetsBeforeMinor: '100000000000000' });
    expect(JSON.stringify(t.body)).not.toContain(ACCOUNT);
    expect(stored.lines.join('')).not.toContain(ACCOUNT);

    // Amounts beyond 2^53 in a stored view (no input could put them there now) are shown as the nearest safe integer.
    const huge = setup({ reader: memoryReader({ inspect: async () => ({ ...view, assetsMinor: 2 ** 60, outflow24h: { sumMinor: -(2 ** 55), count: 3 } }) }) });
    const f = await huge.get('/v1/customers/C-1/features');
    expect(f.status).toBe(200);
    const fb = featuresSchema.parse(f.body);
    expect(fb.assetsMinor).toBe(Number.MAX_SAFE_INTEGER);
    expect(fb.outflow24h).toEqual({ sumMinor: -Number.MAX_SAFE_INTEGER, count: 3 });
  });

  it('answers with the readable entries and logs the unreadable ones as an error', async () => {
    const { get, lines } = setup({ reader: memoryReader({ decisionLog: async () => ({ entries: [issued], unreadable: 2 }) }) });
    const r = await get('/v1/customers/C-1/tasks');
    expect(r.status).toBe(200);
    expect((r.body as TasksBody).tasks.map((t) => t.taskId)).toEqual(['task-fraud-1']);
    expect(lines.join('')).toContain('"unreadable":2');
  });

  it('answers restored entries of older versions (no tier, priority, reasons or channel) with nulls, not a 500', async () => {
    const legacy = decisionLogEntry.parse({
      id: 'task-fraud-0', decision: 'ISSUED', at: T0, ruleId: 'large-outflow', ruleVersion: 1, ruleSetVersion: 'bank-1', target: 'FRAUD_CHECK',
      offerCode: null, priority: 'P1', dueBy: T0 + 86_400_000, reasons: ['AMOUNT_OVER_THRESHOLD'], evidence: {}, triggerEventId: 'C-1-t1', restored: true,
    });
    const legacySuppressed = decisionLogEntry.parse({
      id: 'task-m-0:suppressed', decision: 'SUPPRESSED', reason: 'COOLDOWN', at: T0, ruleId: 'mortgage-interest', ruleVersion: 1, ruleSetVersion: null,
      target: 'LIFE_STAGE_OFFER', offerCode: null, evidence: { taskId: 'task-m-0' }, triggerEventId: null, restored: true,
    });
    const { get } = setup({ reader: memoryReader({ decisionLog: async () => ({ entries: [legacy, legacySuppressed], unreadable: 0 }) }) });
    const r = await get('/v1/customers/C-1/tasks');
    expect(r.status).toBe(200);
    const body = r.body as TasksBody;
    expect(body.tasks[0]).toMatchObject({ taskId: 'task-fraud-0', tier: null, channel: null, decidedAt: null });
    expect(body.suppressions[0]).toMatchObject({ taskId: 'task-m-0', priority: null, reasons: null, tier: null });
  });

  it('never logs the token', async () => {
    const { get, lines } = setup();
    await get('/v1/customers/C-1/tasks', 'wrong-secret-token');
    await get('/v1/customers/C-1/tasks');
    expect(lines.join('')).not.toContain(FULL);
    expect(lines.join('')).not.toContain('wrong-secret-token');
  });
});
