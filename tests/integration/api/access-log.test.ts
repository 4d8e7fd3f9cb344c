import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { TOPICS } from '../../../src/events/topics.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { pseudonym } from '../../../src/state/encode.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { profile, tx } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';

/**
 * The access log on the real service: every read of a customer's data is one
 * info line with the token's name, the endpoint and a keyed hash of the
 * customer id, and one count in carestream_api_requests_total; the customer id
 * and the planted identity data appear in no log line and no metric.
 */
const ID_NUMBER = '110101195001011234';
const FULL_NAME = 'Wang Xiaoming';
const ACCOUNT = 'ACC6222029876543219';
const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const TOKEN = randomBytes(24).toString('base64url');
const NARROW = randomBytes(24).toString('base64url');
const KEY = randomBytes(16).toString('hex');

describe('access log on the real stack', () => {
  let h: Harness;
  let base: string;
  const lines: string[] = [];
  const customer = uniqueName('C-acc');
  const get = (path: string, token?: string) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  beforeAll(async () => {
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    h = await startHarness({
      PSEUDONYM_KEY: KEY,
      API_TOKENS: JSON.stringify([
        { name: 'compliance-desk', sha256: sha(TOKEN), scopes: ['features:read', 'tasks:read'] },
        { name: 'wallboard', sha256: sha(NARROW), scopes: ['features:read'] },
      ]),
    }, { logger: createLogger('info', sink) });
    base = `http://127.0.0.1:${h.app.httpPort}`;
    await h.produce(TOPICS.customerProfiles, profile(customer, { idNumber: ID_NUMBER, fullName: FULL_NAME }));
    await h.waitForConsumed(1);
    await h.produce(TOPICS.transactions, tx(customer, '2026-11-10T14:20:00+08:00', { accountId: ACCOUNT, type: 'TRANSFER_OUT', amountMinor: 60_000_000, balanceAfterMinor: 0, counterparty: { accountRef: 'CP-9', ownAccount: false } }));
    await h.waitForConsumed(2);
  });
  afterAll(() => h?.stop());

  it('logs each read at info with the token name and the keyed hash, counts it, and never names the customer', async () => {
    expect((await get(`/v1/customers/${customer}/features`, TOKEN)).status).toBe(200);
    expect((await get(`/v1/customers/${customer}/tasks`, TOKEN)).status).toBe(200);
    expect((await get(`/v1/customers/${customer}/tasks`, NARROW)).status).toBe(403);
    expect((await get(`/v1/customers/${customer}/tasks`)).status).toBe(401);

    const access = lines.map((l) => JSON.parse(l) as { level: number; msg: string; access?: Record<string, unknown> }).filter((l) => l.msg === 'agent API access');
    const hash = pseudonym(customer, KEY);
    expect(access.map((l) => ({ level: l.level, ...l.access }))).toEqual([
      { level: 30, client: 'compliance-desk', endpoint: 'customer_features', status: 200, customer: hash },
      { level: 30, client: 'compliance-desk', endpoint: 'customer_tasks', status: 200, customer: hash },
      { level: 30, client: 'wallboard', endpoint: 'customer_tasks', status: 403, customer: hash },
      { level: 30, client: null, endpoint: 'customer_tasks', status: 401, customer: hash },
    ]);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('carestream_api_requests_total{endpoint="customer_tasks",client="compliance-desk",status="200"} 1');
    expect(metrics).toContain('carestream_api_requests_total{endpoint="customer_tasks",client="none",status="401"} 1');

    // Neither the customer id nor any planted identity data is in any log line or metric.
    const all = lines.join('') + metrics;
    for (const secret of [customer, ID_NUMBER, FULL_NAME, ACCOUNT, TOKEN, NARROW]) expect(all).not.toContain(secret);
  });
});
