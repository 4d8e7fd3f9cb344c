import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TOPICS } from '../../../src/events/topics.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { committedOutputs } from '../../support/outputs.ts';
import { channel, profile, tx } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'cs-rules-'));
const rulesFile = join(dir, 'rules.json');
const cli = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const ID_NUMBER = '110101195001011234';
const FULL_NAME = 'Wang Xiaoming';
const ACCOUNT = 'ACC6222029876543219';

describe('contact policy, explain and rule reload on the real stack', () => {
  let h: Harness;
  let consumed = 0;
  const send = async (fn: () => Promise<void>, n = 1) => {
    await fn();
    consumed += n;
    await h.waitForConsumed(consumed);
  };

  beforeAll(async () => {
    writeFileSync(rulesFile, JSON.stringify({ version: 'bank-test-1' }));
    // The event path alone: with timers on, a shard holding both customers
    // would reach the welcomed customer's 11 November by stream time and
    // escalate the first customer's unanswered fraud check (due 11 November
    // 14:20), a second fraud check this test does not look for.
    h = await startHarness({ RULES_FILE: rulesFile, TIMERS_ENABLED: 'false' });
  });
  afterAll(() => h?.stop());

  it('holds back offers without consent or beyond the cap, never fraud checks or service recovery, and explains why', async () => {
    const noConsent = uniqueName('C-nc');
    const welcomed = uniqueName('C-cap');
    await send(() => h.produce(TOPICS.customerProfiles, profile(noConsent, { marketingConsent: false, idNumber: ID_NUMBER, fullName: FULL_NAME })));
    await send(() => h.produce(TOPICS.customerProfiles, profile(welcomed)));

    // No consent: deposits of 300,000 and three mortgage rate queries -> NO_CONSENT
    await send(() => h.produce(TOPICS.transactions, tx(noConsent, '2026-11-01T09:00:00+08:00', { accountId: ACCOUNT, amountMinor: 30_000_000, balanceAfterMinor: 30_000_000 })));
    for (const d of ['02', '05', '09']) {
      await send(() => h.produce(TOPICS.channelEvents, channel(noConsent, `2026-11-${d}T20:00:00+08:00`, { action: 'RATE_QUERY', topic: 'MORTGAGE' })));
    }
    // ... a large transfer to a new payee and two complaints still go out
    const transfer = tx(noConsent, '2026-11-10T14:20:00+08:00', { accountId: ACCOUNT, type: 'TRANSFER_OUT', amountMinor: 60_000_000, balanceAfterMinor: 0, counterparty: { accountRef: 'CP-9', ownAccount: false } });
    await send(() => h.produce(TOPICS.transactions, transfer));
    await send(() => h.produce(TOPICS.channelEvents, channel(noConsent, '2026-11-10T15:00:00+08:00', { action: 'COMPLAINT', channel: 'CALL_CENTER' })));
    await send(() => h.produce(TOPICS.channelEvents, channel(noConsent, '2026-11-10T16:00:00+08:00', { action: 'COMPLAINT', channel: 'CALL_CENTER' })));

    // Ordinary customer welcomed, ten days later mortgage-curious with 300,000 -> CONTACT_CAP
    await send(() => h.produce(TOPICS.channelEvents, channel(welcomed, '2026-11-01T10:00:00+08:00', { action: 'ACCOUNT_OPENED', channel: 'BRANCH' })));
    await send(() => h.produce(TOPICS.transactions, tx(welcomed, '2026-11-01T10:30:00+08:00', { amountMinor: 30_000_000, balanceAfterMinor: 30_000_000 })));
    for (const d of ['09', '10', '11']) {
      await send(() => h.produce(TOPICS.channelEvents, channel(welcomed, `2026-11-${d}T20:00:00+08:00`, { action: 'CALCULATOR', topic: 'MORTGAGE' })));
    }

    const out = await committedOutputs(h, (k) => k === noConsent || k === welcomed);
    const mine = (c: string) => ({
      fraud: out.fraudChecks.filter((t) => t.customerId === c),
      outreach: out.outreach.filter((t) => t.customerId === c),
      suppressed: out.suppressions.filter((s) => s.customerId === c),
    });
    const a = mine(noConsent);
    expect(a.fraud).toHaveLength(1);
    expect(a.fraud[0]).toMatchObject({ priority: 'P1', maskedAccountNo: '8812', amountMinor: 60_000_000, transactionEventId: transfer.eventId, dueBy: transfer.occurredAt + 86_400_000, ruleSetVersion: 'bank-test-1' });
    expect(a.fraud[0]!.reasons).toEqual(expect.arrayContaining(['AMOUNT_OVER_THRESHOLD', 'NEW_COUNTERPARTY']));
    expect(a.fraud[0]!.suggestedScript).toBe('您尾号8812的账户于11月10日14:20转出600,000.00元，请问是否为您本人操作？');
    expect(a.outreach.map((t) => t.kind)).toEqual(['SERVICE_RECOVERY', 'SERVICE_RECOVERY']);
    expect(a.suppressed).toHaveLength(1);
    expect(a.suppressed[0]).toMatchObject({ ruleId: 'mortgage-interest', reason: 'NO_CONSENT', offerCode: 'MORTGAGE_RENOVATION_BUNDLE' });

    const b = mine(welcomed);
    expect(b.outreach.map((t) => t.kind)).toEqual(['CARE']);
    expect(b.suppressed).toHaveLength(1);
    expect(b.suppressed[0]).toMatchObject({ ruleId: 'mortgage-interest', reason: 'CONTACT_CAP' });

    // Nothing personal in any task or suppression.
    const all = JSON.stringify([...out.fraudChecks, ...out.outreach, ...out.suppressions]);
    for (const secret of [ID_NUMBER, FULL_NAME, ACCOUNT]) expect(all).not.toContain(secret);

    // The compliance officer's answer.
    const env = { ...process.env, KAFKA_BROKERS: h.config.kafka.brokers!.join(','), SCHEMA_REGISTRY_URL: h.config.registry.url!, REDIS_URL: h.config.redis.url!, REDIS_KEY_PREFIX: h.config.state.keyPrefix };
    const explained = spawnSync(process.execPath, [cli, 'explain', noConsent], { encoding: 'utf8', env, timeout: 60_000 });
    expect(explained.status).toBe(0);
    expect(explained.stdout).toMatch(/SUPPRESSED {2}LIFE_STAGE_OFFER MORTGAGE_RENOVATION_BUNDLE by mortgage-interest v1 \(rule set bank-test-1\): NO_CONSENT/);
    expect(explained.stdout).toMatch(/ISSUED {6}FRAUD_CHECK by large-outflow/);
    expect(explained.stdout).toMatch(/consent NO/);
    for (const secret of [ID_NUMBER, FULL_NAME, ACCOUNT]) expect(explained.stdout).not.toContain(secret);
    const capped = spawnSync(process.execPath, [cli, 'explain', welcomed], { encoding: 'utf8', env, timeout: 60_000 });
    expect(capped.stdout).toMatch(/CONTACT_CAP/);
    expect(capped.stdout).toMatch(/CARE by welcome/);
  });

  it('refuses an invalid rule file at reload and keeps processing on the rule set in force', async () => {
    const c1 = uniqueName('C-reload');
    writeFileSync(rulesFile, JSON.stringify({ version: 'bank-test-2', rules: { 'large-outflow': { minAmountMinor: -5 } } }));
    expect(await h.app.rules!.reload('test')).toBe(false);
    expect(h.app.rules!.current.version).toBe('bank-test-1');
    await send(() => h.produce(TOPICS.channelEvents, channel(c1, '2026-11-12T09:00:00+08:00', { action: 'COMPLAINT' })));

    writeFileSync(rulesFile, JSON.stringify({ version: 'bank-test-3', rules: { 'complaint-recovery': { dueHours: 24 } } }));
    expect(await h.app.rules!.reload('test')).toBe(true);
    const complaint = channel(c1, '2026-11-12T10:00:00+08:00', { action: 'COMPLAINT' });
    await send(() => h.produce(TOPICS.channelEvents, complaint));

    const out = await committedOutputs(h, (k) => k === c1);
    const tasks = out.outreach.filter((t) => t.customerId === c1);
    expect(tasks.map((t) => t.ruleSetVersion)).toEqual(['bank-test-1', 'bank-test-3']);
    expect(tasks[1]!.dueBy).toBe(complaint.occurredAt + 24 * 3_600_000);
  });
});
