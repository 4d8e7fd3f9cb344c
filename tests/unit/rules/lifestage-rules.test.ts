import { describe, expect, it } from 'vitest';
import { complaintRecovery } from '../../../src/rules/complaint-recovery.ts';
import { defaultRuleSet } from '../../../src/rules/config.ts';
import { mortgageInterest } from '../../../src/rules/mortgage-interest.ts';
import { newParent } from '../../../src/rules/new-parent.ts';
import { payrollPlan } from '../../../src/rules/payroll-plan.ts';
import type { RuleContext } from '../../../src/rules/types.ts';
import type { EventView } from '../../../src/state/view.ts';
import { welcome } from '../../../src/rules/welcome.ts';
import { DAY, HOUR, T0, calendar, channelEvent, ctx, monthOf, tx } from './fixtures.ts';

const rs = defaultRuleSet();
const mortgage = (c: RuleContext) => mortgageInterest.evaluate(c, rs.rules['mortgage-interest'], rs);
const parent = (c: RuleContext) => newParent.evaluate(c, rs.rules['new-parent'], rs);
const payroll = (c: RuleContext) => payrollPlan.evaluate(c, rs.rules['payroll-plan'], rs);
const welcomeOf = (c: RuleContext) => welcome.evaluate(c, rs.rules.welcome, rs);
const complaint = (c: RuleContext) => complaintRecovery.evaluate(c, rs.rules['complaint-recovery'], rs);

const M = calendar.month(T0); // 2026-11
it('fixture month is 2026-11', () => expect(M).toBe(monthOf('2026-11')));

describe('mortgage-interest', () => {
  const query = channelEvent({ eventId: 'ch-q3', action: 'RATE_QUERY', topic: 'MORTGAGE' });
  const third = (extra: Parameters<typeof ctx>[0] = {}) =>
    mortgage(ctx({ trigger: query, before: { mortgageInterest30d: 2, depositsMinor: 25_000_000 }, after: { mortgageInterest30d: 3 }, ...extra }));

  it('fires on the 3rd mortgage query within 30 days with deposits >= 200,000.00', () => {
    const c = third();
    expect(c!.target).toBe('LIFE_STAGE_OFFER');
    expect(c!.offerCode).toBe('MORTGAGE_RENOVATION_BUNDLE');
    expect(c!.priority).toBe('P3');
    expect(c!.dueBy).toBe(T0 + 7 * DAY);
    expect(c!.reasons).toEqual(['MORTGAGE_INTEREST']);
    expect(c!.evidence).toEqual({ mortgageInterest30d: '3', depositsMinor: '25000000' });
    expect(c!.sourceEventIds).toEqual(['ch-q3']);
  });

  it('deposits of 150,000.00 do not qualify (holdings do not count); exactly 200,000.00 does', () => {
    expect(third({ before: { mortgageInterest30d: 2, depositsMinor: 15_000_000, holdingsMinor: 10_000_000, assetsMinor: 25_000_000 } })).toBeNull();
    expect(third({ before: { mortgageInterest30d: 2, depositsMinor: 20_000_000 } })).not.toBeNull();
  });

  it('fires on the edge only (3 -> 4 does not), and not below 3', () => {
    expect(third({ before: { mortgageInterest30d: 3, depositsMinor: 25_000_000 }, after: { mortgageInterest30d: 4 } })).toBeNull();
    expect(third({ before: { mortgageInterest30d: 1, depositsMinor: 25_000_000 }, after: { mortgageInterest30d: 2 } })).toBeNull();
  });

  it('a CALCULATOR use counts; other topics, actions and transactions do not', () => {
    expect(third({ trigger: { ...query, action: 'CALCULATOR' } })).not.toBeNull();
    expect(third({ trigger: { ...query, topic: 'CAR_LOAN' } })).toBeNull();
    expect(third({ trigger: { ...query, action: 'PAGE_VIEW' } })).toBeNull();
    expect(third({ trigger: tx() })).toBeNull();
  });
});

describe('new-parent', () => {
  const baby = tx({ eventId: 'tx-baby', type: 'CARD_PURCHASE', amountMinor: 30_000, counterparty: null, merchantCategory: '5641' });
  const adding = (before: number[], extra: Parameters<typeof ctx>[0] = {}) =>
    parent(ctx({ trigger: baby, before: { babyMonths: before }, after: { babyMonths: [...before, M].sort((a, b) => a - b) }, ...extra }));

  it('fires when the 3rd consecutive month is added: LIFE_STAGE_OFFER / EDUCATION_FUND, P4, +14 days', () => {
    const c = adding([M - 2, M - 1]);
    expect(c!.offerCode).toBe('EDUCATION_FUND');
    expect(c!.target).toBe('LIFE_STAGE_OFFER');
    expect(c!.priority).toBe('P4');
    expect(c!.dueBy).toBe(T0 + 14 * DAY);
    expect(c!.reasons).toEqual(['NEW_PARENT']);
    expect(c!.evidence).toEqual({ babyMonths: '2026-09,2026-10,2026-11', merchantCategory: '5641' });
  });

  it('months 1, 2, 4: no run of three', () => {
    expect(adding([M - 3, M - 2])).toBeNull();
  });

  it('the 4th month of a run does not fire again', () => {
    expect(adding([M - 3, M - 2, M - 1])).toBeNull();
  });

  it('a second purchase in a month already counted does not fire', () => {
    const months = [M - 2, M - 1, M];
    expect(parent(ctx({ trigger: baby, before: { babyMonths: months }, after: { babyMonths: months } }))).toBeNull();
  });

  it('a run that starts again after a gap fires again', () => {
    expect(adding([M - 6, M - 5, M - 4, M - 2, M - 1])).not.toBeNull();
  });

  it('across a year boundary', () => {
    const jan = Date.parse('2027-01-15T04:00:00Z');
    const m = calendar.month(jan);
    const c = parent(ctx({ trigger: { ...baby, occurredAt: jan }, before: { babyMonths: [m - 2, m - 1] }, after: { babyMonths: [m - 2, m - 1, m] } }));
    expect(c!.evidence.babyMonths).toBe('2026-11,2026-12,2027-01');
  });

  it('only card purchases', () => {
    expect(adding([M - 2, M - 1], { trigger: { ...baby, type: 'TRANSFER_OUT' } })).toBeNull();
  });
});

describe('payroll-plan', () => {
  const salary = tx({ eventId: 'tx-sal', type: 'SALARY_CREDIT', amountMinor: 1_500_000, counterparty: { accountRef: 'emp', ownAccount: false } });
  const second = (before: Partial<EventView> = {}, extra: Parameters<typeof ctx>[0] = {}) =>
    payroll(
      ctx({
        trigger: salary,
        before: { salaryMonths: [M - 1], ...before },
        after: { salaryMonths: [...(before.salaryMonths ?? [M - 1]), M] },
        ...extra,
      }),
    );

  it('fires on the first salary of the 2nd consecutive month without investment: PAYROLL_AUTO_INVEST, P4, +14 days', () => {
    const c = second();
    expect(c!.target).toBe('LIFE_STAGE_OFFER');
    expect(c!.offerCode).toBe('PAYROLL_AUTO_INVEST');
    expect(c!.priority).toBe('P4');
    expect(c!.dueBy).toBe(T0 + 14 * DAY);
    expect(c!.reasons).toEqual(['PAYROLL_WITHOUT_INVESTMENT']);
    expect(c!.evidence).toEqual({ salaryMonths: '2026-10,2026-11', daysSinceLastInvestment: 'NONE' });
  });

  it('a lasting condition fires once: not when it already held at the first salary of m-1', () => {
    expect(second({ salaryMonths: [M - 2, M - 1], payrollMonth: M - 1 })).toBeNull();
  });

  it('fires when the condition held earlier but not at m-1 (lapsed investor)', () => {
    const c = second({ salaryMonths: [M - 3, M - 2, M - 1], payrollMonth: M - 3, lastInvestmentAt: T0 - 100 * DAY });
    expect(c).not.toBeNull();
    expect(c!.evidence.daysSinceLastInvestment).toBe('100');
  });

  it('an investment purchase within 90 days holds it back; exactly 90 days counts as within', () => {
    expect(second({ lastInvestmentAt: T0 - 30 * DAY })).toBeNull();
    expect(second({ lastInvestmentAt: T0 - 90 * DAY })).toBeNull();
    expect(second({ lastInvestmentAt: T0 - 90 * DAY - 1 })).not.toBeNull();
  });

  it('needs the previous month; a second salary within a month does not fire', () => {
    expect(second({ salaryMonths: [M - 2] })).toBeNull();
    const both = [M - 1, M];
    expect(payroll(ctx({ trigger: salary, before: { salaryMonths: both }, after: { salaryMonths: both } }))).toBeNull();
  });

  it('only salary credits', () => {
    expect(second({}, { trigger: { ...salary, type: 'DEPOSIT' } })).toBeNull();
  });
});

describe('welcome', () => {
  it('ACCOUNT_OPENED: CARE, P4, +7 days', () => {
    const c = welcomeOf(ctx({ trigger: channelEvent({ eventId: 'ch-open', action: 'ACCOUNT_OPENED', channel: 'BRANCH', attributes: { accountType: 'SAVINGS' } }) }));
    expect(c!.target).toBe('CARE');
    expect(c!.priority).toBe('P4');
    expect(c!.dueBy).toBe(T0 + 7 * DAY);
    expect(c!.reasons).toEqual(['ACCOUNT_OPENED']);
    expect(c!.evidence).toEqual({ channel: 'BRANCH' });
    expect(c!.triggerEventId).toBe('ch-open');
  });

  it('nothing else', () => {
    expect(welcomeOf(ctx({ trigger: channelEvent({ action: 'LOGIN' }) }))).toBeNull();
    expect(welcomeOf(ctx({ trigger: tx({ type: 'DEPOSIT' }) }))).toBeNull();
  });
});

describe('complaint-recovery', () => {
  it('every COMPLAINT: SERVICE_RECOVERY, P2, +48h, without the free-form attributes', () => {
    const c = complaint(ctx({ trigger: channelEvent({ eventId: 'ch-c1', action: 'COMPLAINT', channel: 'CALL_CENTER', topic: 'CARD', attributes: { text: '张三 投诉' } }) }));
    expect(c!.target).toBe('SERVICE_RECOVERY');
    expect(c!.priority).toBe('P2');
    expect(c!.dueBy).toBe(T0 + 48 * HOUR);
    expect(c!.reasons).toEqual(['COMPLAINT']);
    expect(c!.evidence).toEqual({ channel: 'CALL_CENTER', topic: 'CARD' });
    expect(JSON.stringify(c)).not.toContain('张三');
    const again = complaint(ctx({ trigger: channelEvent({ eventId: 'ch-c2', action: 'COMPLAINT' }) }));
    expect(again!.triggerEventId).toBe('ch-c2');
    expect(again!.evidence).toEqual({ channel: 'APP' });
  });

  it('nothing else', () => {
    expect(complaint(ctx({ trigger: channelEvent({ action: 'SURVEY_RESPONSE' }) }))).toBeNull();
  });
});
