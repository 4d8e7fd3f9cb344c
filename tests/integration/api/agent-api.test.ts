import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '../../../src/events/topics.ts';
import { errorSchema, featuresSchema, tasksSchema } from '../../../src/api/schemas.ts';
import { printableFeatures } from '../../../src/api/present.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { committedOutputs } from '../../support/outputs.ts';
import { channel, profile, tx } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';

const ID_NUMBER = '110101195001011234';
const FULL_NAME = 'Wang Xiaoming';
const ACCOUNT = 'ACC6222029876543219';
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

// Two tokens, one from API_TOKENS and one from API_TOKENS_FILE.
const FULL = randomBytes(24).toString('base64url');
const FEATURES_ONLY = randomBytes(24).toString('base64url');
const tokensFile = join(mkdtempSync(join(tmpdir(), 'cs-api-')), 'tokens.json');
writeFileSync(tokensFile, JSON.stringify([{ name: 'wallboard', sha256: sha(FEATURES_ONLY), scopes: ['features:read'] }]));

describe('agent API on the real stack', () => {
  let h: Harness;
  let base: string;
  const customer = uniqueName('C-api');
  const get = (path: string, token?: string) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  beforeAll(async () => {
    h = await startHarness({
      API_TOKENS: JSON.stringify([{ name: 'crm-east', sha256: sha(FULL), scopes: ['features:read', 'tasks:read'] }]),
      API_TOKENS_FILE: tokensFile,
    });
    expect(h.app.httpPort).toBeGreaterThan(0);
    base = `http://127.0.0.1:${h.app.httpPort}`;

    // A customer without marketing consent, with planted identity data: deposits
    // and mortgage rate queries (an offer, suppressed: NO_CONSENT), then a large
    // transfer to a new payee (a fraud check).
    const events = [
      () => h.produce(TOPICS.customerProfiles, profile(customer, { marketingConsent: false, idNumber: ID_NUMBER, fullName: FULL_NAME })),
      () => h.produce(TOPICS.transactions, tx(customer, '2026-11-01T09:00:00+08:00', { accountId: ACCOUNT, amountMinor: 30_000_000, balanceAfterMinor: 30_000_000 })),
      ...['02', '05', '09'].map((d) => () => h.produce(TOPICS.channelEvents, channel(customer, `2026-11-${d}T20:00:00+08:00`, { action: 'RATE_QUERY', topic: 'MORTGAGE' }))),
      () => h.produce(TOPICS.transactions, tx(customer, '2026-11-10T14:20:00+08:00', { accountId: ACCOUNT, type: 'TRANSFER_OUT', amountMinor: 60_000_000, balanceAfterMinor: 0, counterparty: { accountRef: 'CP-9', ownAccount: false } })),
    ];
    let n = 0;
    for (const produce of events) {
      await produce();
      await h.waitForConsumed(++n);
    }
  });
  afterAll(() => h?.stop());

  it('200: the features, validated, with the tier and the as-of time', async () => {
    const r = await get(`/v1/customers/${customer}/features`, FULL);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const body = featuresSchema.parse(await r.json());
    expect(body).toMatchObject({ customerId: customer, tier: 'ORDINARY', asOf: '2026-11-10T14:20:00+08:00' });
    expect(body.profile).toMatchObject({ marketingConsent: false });
    // What the store holds, in the form `carestream inspect` prints.
    expect(body).toEqual(printableFeatures((await h.app.store!.inspect(customer))!, h.config.businessTimeZone));
    // The token from the file may read features too.
    expect((await get(`/v1/customers/${customer}/features`, FEATURES_ONLY)).status).toBe(200);
  });

  it('200: the fraud check with its evidence and the suppressed offer with its reason, nothing personal', async () => {
    const r = await get(`/v1/customers/${customer}/tasks`, FULL);
    expect(r.status).toBe(200);
    const text = await r.text();
    const body = tasksSchema.parse(JSON.parse(text));

    const fraud = body.tasks.find((t) => t.kind === 'FRAUD_CHECK');
    expect(fraud).toMatchObject({
      ruleId: 'large-outflow',
      priority: 'P1',
      at: '2026-11-10T14:20:00+08:00',
      dueBy: '2026-11-11T14:20:00+08:00',
      ruleSetVersion: 'default-1',
      evidence: { amountMinor: '60000000', counterparty: 'NEW' },
    });
    expect(fraud!.reasons).toEqual(expect.arrayContaining(['AMOUNT_OVER_THRESHOLD', 'NEW_COUNTERPARTY']));
    expect(body.suppressions).toHaveLength(1);
    expect(body.suppressions[0]).toMatchObject({ ruleId: 'mortgage-interest', reason: 'NO_CONSENT', kind: 'LIFE_STAGE_OFFER' });

    // The ids are those of the task and the suppression published to Kafka.
    const out = await committedOutputs(h, (k) => k === customer);
    expect(out.fraudChecks.map((t) => t.taskId)).toContain(fraud!.taskId);
    expect(out.suppressions.map((s) => s.evidence.taskId)).toContain(body.suppressions[0]!.taskId);

    for (const secret of [ID_NUMBER, FULL_NAME, ACCOUNT, '6222029876543219', FULL]) expect(text).not.toContain(secret);

  });

  it('401 without a token or with an unknown one, with a Bearer challenge', async () => {
    for (const token of [undefined, randomBytes(24).toString('base64url'), sha(FULL)]) {
      const r = await get(`/v1/customers/${customer}/tasks`, token);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(errorSchema.parse(await r.json()).error.code).toBe('UNAUTHORIZED');
    }
  });

  it('403 for a token without the scope', async () => {
    const r = await get(`/v1/customers/${customer}/tasks`, FEATURES_ONLY);
    expect(r.status).toBe(403);
    expect(errorSchema.parse(await r.json()).error.code).toBe('FORBIDDEN');
  });

  it('404 for an unknown customer, 400 for a malformed id, 405 for a POST', async () => {
    const unknown = await get(`/v1/customers/${uniqueName('C-none')}/tasks`, FULL);
    expect(unknown.status).toBe(404);
    expect(errorSchema.parse(await unknown.json()).error.code).toBe('NOT_FOUND');
    expect((await get(`/v1/customers/${uniqueName('C-none')}/features`, FULL)).status).toBe(404);
    const malformed = await get('/v1/customers/bad%7Bid%7D/features', FULL);
    expect(malformed.status).toBe(400);
    expect(errorSchema.parse(await malformed.json()).error.code).toBe('BAD_REQUEST');
    expect((await get(`/v1/customers/${customer}/tasks?limit=0`, FULL)).status).toBe(400);
    const post = await fetch(`${base}/v1/customers/${customer}/tasks`, { method: 'POST', headers: { authorization: `Bearer ${FULL}` } });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it('serves its OpenAPI document without a token, and the health endpoints still answer', async () => {
    const r = await get('/v1/openapi.json');
    expect(r.status).toBe(200);
    const doc = (await r.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/customers/{customerId}/features', '/v1/customers/{customerId}/tasks']));
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/v1/nothing-here', FULL)).status).toBe(404);
  });
});
