import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../../src/rules/types.ts';
import { decide } from '../../../src/policy/contact-policy.ts';
import { defaultRuleSet } from '../../../src/rules/config.ts';
import { evaluateRules } from '../../../src/rules/index.ts';
import { buildFraudCheckTask, buildOutreachTask, buildSuppression, fraudCheckScript } from '../../../src/tasks/build.ts';
import { formatAmountMinor, formatLocalMonthDayTime } from '../../../src/tasks/format.ts';
import { lastFourDigits, maskIdNumber } from '../../../src/tasks/masking.ts';
import { taskIdFor } from '../../../src/tasks/task-id.ts';
import { T0, channelEvent, ctx, profile, tx } from '../rules/fixtures.ts';
import { assertNoPersonalData } from './helpers.ts';

const TZ = 'Asia/Shanghai';
const CREATED = T0 + 1_234;
const rs = defaultRuleSet();

function only(cands: Candidate[]): Candidate {
  expect(cands).toHaveLength(1);
  return cands[0]!;
}

describe('taskIdFor', () => {
  const base = { ruleId: 'large-outflow', customerId: 'C-000001', triggerEventId: 'tx-1' };

  it('is deterministic and short', () => {
    const id = taskIdFor(base);
    expect(id).toMatch(/^T-[A-Z2-7]{20}$/);
    expect(taskIdFor({ ...base })).toBe(id);
  });

  it('differs for another rule, customer or trigger event', () => {
    const id = taskIdFor(base);
    expect(taskIdFor({ ...base, ruleId: 'outflow-velocity' })).not.toBe(id);
    expect(taskIdFor({ ...base, customerId: 'C-000002' })).not.toBe(id);
    expect(taskIdFor({ ...base, triggerEventId: 'tx-2' })).not.toBe(id);
  });

  it('keeps the parts apart whatever characters they contain', () => {
    expect(taskIdFor({ ruleId: 'a', customerId: 'b|c', triggerEventId: 'd' })).not.toBe(taskIdFor({ ruleId: 'a', customerId: 'b', triggerEventId: 'c|d' }));
  });

  it('the same event evaluated twice gives the same ids', () => {
    const c = () => ctx({ trigger: tx(), before: { counterpartySeen: false } });
    expect(evaluateRules(c(), rs).map(taskIdFor)).toEqual(evaluateRules(c(), rs).map(taskIdFor));
  });
});

describe('formatting', () => {
  it.each([
    [4_999_999, '49,999.99'],
    [60_000_000, '600,000.00'],
    [5_000_000, '50,000.00'],
    [1, '0.01'],
    [100, '1.00'],
    [123_456_789_012, '1,234,567,890.12'],
  ])('amount %d minor -> %s', (minor, text) => {
    expect(formatAmountMinor(minor)).toBe(text);
  });

  it('local month/day and time in the business zone, including 23:59 and the day after in UTC', () => {
    expect(formatLocalMonthDayTime(Date.parse('2026-11-10T06:20:00Z'), TZ)).toBe('11月10日14:20');
    // 23:59 local on 31 Dec is 15:59 UTC; 00:05 local on 1 Jan is still 31 Dec in UTC.
    expect(formatLocalMonthDayTime(Date.parse('2026-12-31T15:59:59Z'), TZ)).toBe('12月31日23:59');
    expect(formatLocalMonthDayTime(Date.parse('2026-12-31T16:05:00Z'), TZ)).toBe('1月1日00:05');
    expect(formatLocalMonthDayTime(Date.parse('2026-03-05T01:07:00Z'), TZ)).toBe('3月5日09:07');
  });

  it('the fraud-check script names only the masked account, the local time and the amount', () => {
    const f = { maskedAccountNo: '8812', amountMinor: 60_000_000, transactionEventId: 'tx-1', occurredAt: T0, type: 'TRANSFER_OUT' as const };
    expect(fraudCheckScript(f, TZ)).toBe('您尾号8812的账户于11月10日14:20转出600,000.00元，请问是否为您本人操作？');
    expect(fraudCheckScript({ ...f, type: 'WITHDRAWAL', amountMinor: 4_999_999, occurredAt: Date.parse('2026-11-10T15:59:00Z') }, TZ)).toBe(
      '您尾号8812的账户于11月10日23:59取现49,999.99元，请问是否为您本人操作？',
    );
  });
});

describe('masking', () => {
  it('hides the last six characters of an ID number', () => {
    expect(maskIdNumber('11010119900307123X')).toBe('110101199003******');
    expect(maskIdNumber('12345')).toBe('*****');
  });

  it('keeps only the last four digits of an account number', () => {
    expect(lastFourDigits('8812')).toBe('8812');
    expect(lastFourDigits('6222 0210 0112 3458812')).toBe('8812');
  });
});

describe('buildFraudCheckTask', () => {
  const event = tx({ eventId: 'tx-big', amountMinor: 60_000_000, accountId: 'ACC-RAW-000123', maskedAccountNo: '8812' });
  const candidate = only(evaluateRules(ctx({ trigger: event, before: { counterpartySeen: false }, profile: { age: 70 } }), rs));
  const facts = { maskedAccountNo: event.maskedAccountNo, amountMinor: event.amountMinor, transactionEventId: event.eventId, occurredAt: event.occurredAt, type: 'TRANSFER_OUT' as const };

  it('has exactly the fields of the contract', () => {
    const t = buildFraudCheckTask(candidate, facts, { tier: 'ORDINARY', createdAt: CREATED, ruleSetVersion: rs.version, timeZone: TZ });
    expect(t).toEqual({
      taskId: taskIdFor(candidate),
      customerId: 'C-000001',
      transactionEventId: 'tx-big',
      createdAt: CREATED,
      dueBy: T0 + 24 * 3_600_000,
      priority: 'P1',
      amountMinor: 60_000_000,
      maskedAccountNo: '8812',
      reasons: ['AMOUNT_OVER_THRESHOLD', 'NEW_COUNTERPARTY', 'SPIKE_VS_HISTORY', 'SHARE_OF_BALANCE', 'ELDERLY_CUSTOMER'],
      ruleId: 'large-outflow',
      ruleVersion: 1,
      evidence: candidate.evidence,
      suggestedScript: '您尾号8812的账户于11月10日14:20转出600,000.00元，请问是否为您本人操作？',
      ruleSetVersion: 'default-1',
      tier: 'ORDINARY',
      triggeredAt: T0,
    });
    assertNoPersonalData(t, ['ACC-RAW-000123', 'cp-1']);
  });

  it('never shows more than four digits of the account, even if upstream sent more', () => {
    const t = buildFraudCheckTask(candidate, { ...facts, maskedAccountNo: '6222021001123458812' }, { tier: 'ORDINARY', createdAt: CREATED, ruleSetVersion: 'x', timeZone: TZ });
    expect(t.maskedAccountNo).toBe('8812');
    assertNoPersonalData(t, ['6222021001123458812', '0211']);
  });

  it('refuses an outreach candidate', () => {
    const care = only(evaluateRules(ctx({ trigger: channelEvent({ action: 'ACCOUNT_OPENED' }) }), rs));
    expect(() => buildFraudCheckTask(care, facts, { tier: 'ORDINARY', createdAt: CREATED, ruleSetVersion: 'x', timeZone: TZ })).toThrow(TypeError);
  });
});

describe('buildOutreachTask and buildSuppression', () => {
  const mortgageCtx = () =>
    ctx({
      trigger: channelEvent({ eventId: 'ch-q3', action: 'RATE_QUERY', topic: 'MORTGAGE', attributes: { note: '李四' } }),
      before: { mortgageInterest30d: 2, depositsMinor: 25_000_000 },
      after: { mortgageInterest30d: 3 },
    });

  it('an issued candidate becomes an outreach task with the contract fields', () => {
    const c = only(evaluateRules(mortgageCtx(), rs));
    const d = decide([c], [], { profile: profile({ preferredChannels: ['WECHAT'] }), tier: 'POTENTIAL' }, rs.policy);
    const t = buildOutreachTask(d.issued[0]!, { tier: 'POTENTIAL', createdAt: CREATED, ruleSetVersion: rs.version });
    expect(t).toEqual({
      taskId: taskIdFor(c),
      customerId: 'C-000001',
      kind: 'LIFE_STAGE_OFFER',
      offerCode: 'MORTGAGE_RENOVATION_BUNDLE',
      tier: 'POTENTIAL',
      channel: 'WECHAT',
      priority: 'P3',
      createdAt: CREATED,
      dueBy: c.dueBy,
      reasons: ['MORTGAGE_INTEREST'],
      ruleId: 'mortgage-interest',
      ruleVersion: 1,
      evidence: { mortgageInterest30d: '3', depositsMinor: '25000000' },
      sourceEventIds: ['ch-q3'],
      ruleSetVersion: 'default-1',
      triggeredAt: c.occurredAt,
    });
    assertNoPersonalData(t, ['李四']);
  });

  it('a suppressed candidate becomes a suppression with the rule\'s and the policy\'s evidence', () => {
    const c = only(evaluateRules(mortgageCtx(), rs));
    const d = decide([c], [], { profile: profile({ marketingConsent: false }), tier: 'ORDINARY' }, rs.policy);
    const s = buildSuppression(d.suppressed[0]!, { tier: 'ORDINARY', createdAt: CREATED, ruleSetVersion: 'bank-a-3' });
    expect(s).toEqual({
      customerId: 'C-000001',
      ruleId: 'mortgage-interest',
      ruleVersion: 1,
      kind: 'LIFE_STAGE_OFFER',
      offerCode: 'MORTGAGE_RENOVATION_BUNDLE',
      reason: 'NO_CONSENT',
      createdAt: CREATED,
      evidence: { mortgageInterest30d: '3', depositsMinor: '25000000', marketingConsent: 'false', taskId: taskIdFor(c) },
      sourceEventIds: ['ch-q3'],
      ruleSetVersion: 'bank-a-3',
      priority: 'P3',
      reasons: ['MORTGAGE_INTEREST'],
      tier: 'ORDINARY',
      triggeredAt: c.occurredAt,
    });
  });

  it('tasks are frozen', () => {
    const c = only(evaluateRules(mortgageCtx(), rs));
    const d = decide([c], [], { profile: profile(), tier: 'ORDINARY' }, rs.policy);
    const t = buildOutreachTask(d.issued[0]!, { tier: 'ORDINARY', createdAt: CREATED, ruleSetVersion: rs.version });
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen(t.evidence)).toBe(true);
  });
});
