import { describe, expect, it } from 'vitest';
import { defaultRuleSet } from '../../../src/rules/config.ts';
import { riskyStreak } from '../../../src/rules/risky-streak.ts';
import { suitability } from '../../../src/rules/suitability.ts';
import type { RuleContext } from '../../../src/rules/types.ts';
import { DAY, HOUR, T0, channelEvent, ctx, tx } from './fixtures.ts';

const rs = defaultRuleSet();
const streak = (c: RuleContext) => riskyStreak.evaluate(c, rs.rules['risky-streak'], rs);
const suit = (c: RuleContext) => suitability.evaluate(c, rs.rules.suitability, rs);

const purchase = (riskLevel: number, occurredAt = T0) =>
  tx({
    type: 'PRODUCT_PURCHASE',
    amountMinor: 2_000_000,
    counterparty: null,
    occurredAt,
    product: { productId: 'P-EQ-1', category: 'FUND', riskLevel },
  });

describe('risky-streak', () => {
  it('fires when the streak goes from 2 to 3: RISK_REASSESSMENT, P2, +72h', () => {
    const c = streak(ctx({ trigger: purchase(4), before: { highRiskStreak: 2 }, after: { highRiskStreak: 3 }, profile: { riskTolerance: 5 } }));
    expect(c!.target).toBe('RISK_REASSESSMENT');
    expect(c!.priority).toBe('P2');
    expect(c!.dueBy).toBe(T0 + 72 * HOUR);
    expect(c!.reasons).toEqual(['HIGH_RISK_STREAK']);
    expect(c!.evidence).toEqual({ highRiskStreak: '3', productCategory: 'FUND', riskLevel: '4', age: '40' });
  });

  it('does not fire at 2, nor again at 4', () => {
    expect(streak(ctx({ trigger: purchase(4), before: { highRiskStreak: 1 }, after: { highRiskStreak: 2 } }))).toBeNull();
    expect(streak(ctx({ trigger: purchase(4), before: { highRiskStreak: 3 }, after: { highRiskStreak: 4 } }))).toBeNull();
  });

  it('fires again after a reset (a new run reaching 3)', () => {
    expect(streak(ctx({ trigger: purchase(5), before: { highRiskStreak: 2 }, after: { highRiskStreak: 3 } }))).not.toBeNull();
  });

  it('P1 and ELDERLY_CUSTOMER from 65', () => {
    const c = streak(ctx({ trigger: purchase(4), before: { highRiskStreak: 2 }, after: { highRiskStreak: 3 }, profile: { age: 65 } }));
    expect(c!.priority).toBe('P1');
    expect(c!.reasons).toEqual(['HIGH_RISK_STREAK', 'ELDERLY_CUSTOMER']);
    const young = streak(ctx({ trigger: purchase(4), before: { highRiskStreak: 2 }, after: { highRiskStreak: 3 }, profile: { age: 64 } }));
    expect(young!.priority).toBe('P2');
  });
});

describe('suitability', () => {
  it('RISK_ABOVE_TOLERANCE for a purchase above the tolerance: SUITABILITY_REVIEW, P2, +72h', () => {
    const c = suit(ctx({ trigger: purchase(4), profile: { riskTolerance: 3, riskAssessedAt: T0 - 100 * DAY } }));
    expect(c!.target).toBe('SUITABILITY_REVIEW');
    expect(c!.priority).toBe('P2');
    expect(c!.dueBy).toBe(T0 + 72 * HOUR);
    expect(c!.reasons).toEqual(['RISK_ABOVE_TOLERANCE']);
    expect(c!.evidence).toEqual({ riskLevel: '4', riskTolerance: '3', assessmentAgeDays: '100', productCategory: 'FUND' });
  });

  it('risk equal to the tolerance is suitable', () => {
    expect(suit(ctx({ trigger: purchase(3), profile: { riskTolerance: 3 } }))).toBeNull();
  });

  it('ASSESSMENT_OUTDATED only when older than 365 days (exactly 365 days is current)', () => {
    expect(suit(ctx({ trigger: purchase(2), profile: { riskTolerance: 3, riskAssessedAt: T0 - 365 * DAY } }))).toBeNull();
    const c = suit(ctx({ trigger: purchase(2), profile: { riskTolerance: 3, riskAssessedAt: T0 - 365 * DAY - 1 } }));
    expect(c!.reasons).toEqual(['ASSESSMENT_OUTDATED']);
    expect(c!.evidence.assessmentAgeDays).toBe('365');
  });

  it('both reasons when above and outdated', () => {
    const c = suit(ctx({ trigger: purchase(5), profile: { riskTolerance: 2, riskAssessedAt: T0 - 420 * DAY } }));
    expect(c!.reasons).toEqual(['RISK_ABOVE_TOLERANCE', 'ASSESSMENT_OUTDATED']);
  });

  it('ASSESSMENT_MISSING when never assessed, or when the profile has not arrived', () => {
    const never = suit(ctx({ trigger: purchase(1), profile: { riskTolerance: null, riskAssessedAt: null } }));
    expect(never!.reasons).toEqual(['ASSESSMENT_MISSING']);
    expect(never!.evidence).toMatchObject({ riskTolerance: 'NONE', assessmentAgeDays: 'NONE' });
    expect(suit(ctx({ trigger: purchase(1), profile: null }))!.reasons).toEqual(['ASSESSMENT_MISSING']);
  });

  it('a tolerance without an assessment date is compared, and the assessment counts as missing', () => {
    expect(suit(ctx({ trigger: purchase(4), profile: { riskTolerance: 3, riskAssessedAt: null } }))!.reasons).toEqual([
      'RISK_ABOVE_TOLERANCE',
      'ASSESSMENT_MISSING',
    ]);
  });

  it('every such purchase fires (no edge): two purchases, two candidates', () => {
    const p = { riskTolerance: 2 };
    expect(suit(ctx({ trigger: purchase(3), profile: p }))).not.toBeNull();
    expect(suit(ctx({ trigger: { ...purchase(4), eventId: 'tx-2' }, profile: p }))!.triggerEventId).toBe('tx-2');
  });

  it('only product purchases', () => {
    expect(suit(ctx({ trigger: { ...purchase(5), type: 'PRODUCT_REDEMPTION' }, profile: { riskTolerance: 1 } }))).toBeNull();
    expect(suit(ctx({ trigger: channelEvent({ action: 'PRODUCT_VIEW' }), profile: null }))).toBeNull();
  });
});
