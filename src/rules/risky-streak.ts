import { REASONS } from './reasons.ts';
import { ageOf, candidateOf, str, transactionOf, type Rule } from './rule.ts';

/** The high-risk purchase streak goes from below `streak` to `streak` or more: RULE-SEMANTICS.md `risky-streak`. */
export const riskyStreak: Rule<'risky-streak'> = {
  id: 'risky-streak',
  version: 1,
  evaluate(ctx, p) {
    if (ctx.before.highRiskStreak >= p.streak || ctx.after.highRiskStreak < p.streak) return null;
    const age = ageOf(ctx);
    const elderly = age !== null && age >= p.elderlyAge;
    const evidence: Record<string, string> = { highRiskStreak: str(ctx.after.highRiskStreak) };
    const product = transactionOf(ctx)?.product;
    if (product) {
      evidence.productCategory = product.category;
      evidence.riskLevel = str(product.riskLevel);
    }
    if (age !== null) evidence.age = str(age);
    return candidateOf(riskyStreak, ctx, {
      target: 'RISK_REASSESSMENT',
      priority: elderly ? 'P1' : 'P2',
      dueHours: p.dueHours,
      reasons: elderly ? [REASONS.HIGH_RISK_STREAK, REASONS.ELDERLY_CUSTOMER] : [REASONS.HIGH_RISK_STREAK],
      evidence,
    });
  },
};
