import { REASONS } from './reasons.ts';
import { candidateOf, str, type Rule } from './rule.ts';

/**
 * Mortgage interest reaches `minCount` within 30 days (edge, on a mortgage
 * RATE_QUERY / CALCULATOR) with enough deposits: RULE-SEMANTICS.md `mortgage-interest`.
 */
export const mortgageInterest: Rule<'mortgage-interest'> = {
  id: 'mortgage-interest',
  version: 1,
  evaluate(ctx, p) {
    if (ctx.trigger.kind !== 'channel') return null;
    const e = ctx.trigger.event;
    if ((e.action !== 'RATE_QUERY' && e.action !== 'CALCULATOR') || e.topic !== 'MORTGAGE') return null;
    if (ctx.before.mortgageInterest30d >= p.minCount || ctx.after.mortgageInterest30d < p.minCount) return null;
    if (ctx.after.depositsMinor < p.minDepositsMinor) return null;
    return candidateOf(mortgageInterest, ctx, {
      target: 'LIFE_STAGE_OFFER',
      offerCode: 'MORTGAGE_RENOVATION_BUNDLE',
      priority: 'P3',
      dueHours: p.dueHours,
      reasons: [REASONS.MORTGAGE_INTEREST],
      evidence: {
        mortgageInterest30d: str(ctx.after.mortgageInterest30d),
        depositsMinor: str(ctx.after.depositsMinor),
      },
    });
  },
};
