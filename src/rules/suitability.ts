import { REASONS } from './reasons.ts';
import { DAY_MS, candidateOf, str, transactionOf, type Rule } from './rule.ts';

/**
 * Every product purchase above the customer's risk tolerance, or with an
 * outdated or missing assessment: RULE-SEMANTICS.md `suitability`.
 *
 * An assessment is the pair (riskTolerance, riskAssessedAt): when either is
 * unknown — or the profile has not arrived — it is ASSESSMENT_MISSING. A known
 * tolerance is still compared (RISK_ABOVE_TOLERANCE is strictly greater).
 * "Older than N days" is strict: exactly N days old is still current.
 */
export const suitability: Rule<'suitability'> = {
  id: 'suitability',
  version: 1,
  evaluate(ctx, p) {
    const t = transactionOf(ctx);
    if (!t || t.type !== 'PRODUCT_PURCHASE') return null;
    const tolerance = ctx.profile?.riskTolerance ?? null;
    const assessedAt = ctx.profile?.riskAssessedAt ?? null;
    const riskLevel = t.product?.riskLevel ?? null;

    const above = tolerance !== null && riskLevel !== null && riskLevel > tolerance;
    const missing = tolerance === null || assessedAt === null;
    const outdated = assessedAt !== null && t.occurredAt - assessedAt > p.maxAssessmentAgeDays * DAY_MS;
    if (!above && !missing && !outdated) return null;

    const reasons: string[] = [];
    if (above) reasons.push(REASONS.RISK_ABOVE_TOLERANCE);
    if (outdated) reasons.push(REASONS.ASSESSMENT_OUTDATED);
    if (missing) reasons.push(REASONS.ASSESSMENT_MISSING);

    const evidence: Record<string, string> = {
      riskLevel: riskLevel === null ? 'UNKNOWN' : str(riskLevel),
      riskTolerance: tolerance === null ? 'NONE' : str(tolerance),
      assessmentAgeDays: assessedAt === null ? 'NONE' : str(Math.floor((t.occurredAt - assessedAt) / DAY_MS)),
    };
    if (t.product) evidence.productCategory = t.product.category;

    return candidateOf(suitability, ctx, {
      target: 'SUITABILITY_REVIEW',
      priority: 'P2',
      dueHours: p.dueHours,
      reasons,
      evidence,
    });
  },
};
