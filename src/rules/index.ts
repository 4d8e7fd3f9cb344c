/**
 * The rules of docs/RULE-SEMANTICS.md, one module each, evaluated once per
 * applied event in the fixed order of RULES below (the order of the rule book).
 *
 * | rule | target | offer | priority | due (default) | reasons |
 * |---|---|---|---|---|---|
 * | `large-outflow` | fraud check | - | P2; P1 if amount >= 500,000 or age >= 65 | +24 h | `AMOUNT_OVER_THRESHOLD` + any of `NEW_COUNTERPARTY`, `SPIKE_VS_HISTORY`, `SHARE_OF_BALANCE` (+ `ELDERLY_CUSTOMER`) |
 * | `outflow-velocity` | fraud check | - | P1 | +24 h | `VELOCITY` |
 * | `vip-outflow-retention` | `RETENTION` | - | P2 | +72 h | `ASSET_DROP` |
 * | `vip-upgrade` | `VIP_UPGRADE` | - | P3 | +7 d | `TIER_VIP` |
 * | `asset-growth` | `GROWTH_PLAN` | - | P3 | +14 d | `TIER_POTENTIAL` |
 * | `risky-streak` | `RISK_REASSESSMENT` | - | P2; P1 if age >= 65 | +72 h | `HIGH_RISK_STREAK` (+ `ELDERLY_CUSTOMER`) |
 * | `suitability` | `SUITABILITY_REVIEW` | - | P2 | +72 h | any of `RISK_ABOVE_TOLERANCE`, `ASSESSMENT_OUTDATED`, `ASSESSMENT_MISSING` |
 * | `mortgage-interest` | `LIFE_STAGE_OFFER` | `MORTGAGE_RENOVATION_BUNDLE` | P3 | +7 d | `MORTGAGE_INTEREST` |
 * | `new-parent` | `LIFE_STAGE_OFFER` | `EDUCATION_FUND` | P4 | +14 d | `NEW_PARENT` |
 * | `payroll-plan` | `LIFE_STAGE_OFFER` | `PAYROLL_AUTO_INVEST` | P4 | +14 d | `PAYROLL_WITHOUT_INVESTMENT` |
 * | `welcome` | `CARE` | - | P4 | +7 d | `ACCOUNT_OPENED` |
 * | `complaint-recovery` | `SERVICE_RECOVERY` | - | P2 | +48 h | `COMPLAINT` |
 * | `vip-downgrade` | `RETENTION` | - | P2 | +72 h | `TIER_DOWNGRADE` |
 * | `care-cadence` | `CARE` | `VIP_MONTHLY_REVIEW` / `POTENTIAL_VALUE_CONTENT` | P3 / P4 | +7 d | `CARE_CADENCE` |
 * | `birthday-greeting` | `CARE` | `BIRTHDAY_GREETING` | P4 | +1 d | `BIRTHDAY` |
 * | `fraud-check-escalation` | fraud check | - | P1 | +4 h (from the missed dueBy) | `SLA_MISSED` |
 *
 * The last three fire on timers only (src/features/timers.ts, a trigger of
 * kind 'timer'); the tier rules (`vip-upgrade`, `asset-growth`,
 * `vip-downgrade`) fire on any context whose tiers differ, which a TIER
 * timer's context does on the day the tier changes.
 *
 * Reasons are listed in this order within a candidate. Evidence maps hold the
 * feature values the rule saw, as strings (amounts as integer minor units,
 * months as `YYYY-MM`, unknown values as `NONE`); never account ids, names or
 * id numbers. Every candidate's `sourceEventIds` is `[triggerEventId]`.
 *
 * The caller computes `tierBefore` / `tierAfter` of the context with
 * `tierOf(..., ruleSet.tiers)`.
 */
import type { RuleId, RuleSet } from './config.ts';
import { assetGrowth } from './asset-growth.ts';
import { complaintRecovery } from './complaint-recovery.ts';
import { largeOutflow } from './large-outflow.ts';
import { mortgageInterest } from './mortgage-interest.ts';
import { newParent } from './new-parent.ts';
import { outflowVelocity } from './outflow-velocity.ts';
import { payrollPlan } from './payroll-plan.ts';
import { riskyStreak } from './risky-streak.ts';
import type { Rule } from './rule.ts';
import { suitability } from './suitability.ts';
import type { Candidate, RuleContext } from './types.ts';
import { vipOutflowRetention } from './vip-outflow-retention.ts';
import { vipUpgrade } from './vip-upgrade.ts';
import { welcome } from './welcome.ts';
import { vipDowngrade } from './vip-downgrade.ts';
import { careCadence } from './care-cadence.ts';
import { birthdayGreeting } from './birthday-greeting.ts';
import { fraudCheckEscalation } from './fraud-check-escalation.ts';

export type AnyRule = { [K in RuleId]: Rule<K> }[RuleId];

/** Every rule, in evaluation order. */
export const RULES: readonly AnyRule[] = Object.freeze([
  largeOutflow,
  outflowVelocity,
  vipOutflowRetention,
  vipUpgrade,
  assetGrowth,
  riskyStreak,
  suitability,
  mortgageInterest,
  newParent,
  payrollPlan,
  welcome,
  complaintRecovery,
  vipDowngrade,
  careCadence,
  birthdayGreeting,
  fraudCheckEscalation,
]);

function run<K extends RuleId>(rule: Rule<K>, ctx: RuleContext, ruleSet: RuleSet): Candidate | null {
  const params = ruleSet.rules[rule.id];
  return params.enabled ? rule.evaluate(ctx, params, ruleSet) : null;
}

/** The candidates of one applied event: the enabled rules, in the order of RULES. */
export function evaluateRules(ctx: RuleContext, ruleSet: RuleSet): Candidate[] {
  const out: Candidate[] = [];
  for (const rule of RULES) {
    const c = run(rule as Rule, ctx, ruleSet);
    if (c) out.push(c);
  }
  return out;
}

export { RULE_IDS, defaultRuleSet, loadRuleSetFile, parseRuleSet } from './config.ts';
export type { PolicyConfig, RuleId, RuleParams, RuleParamsOf, RuleSet } from './config.ts';
export { REASONS } from './reasons.ts';
export type { Reason } from './reasons.ts';
export type { Rule } from './rule.ts';
export { timerContext, timerOptionsOf } from './time-context.ts';
