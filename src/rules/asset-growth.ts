import { REASONS } from './reasons.ts';
import { candidateOf, str, type Rule } from './rule.ts';

/** Tier becomes POTENTIAL (edge, from either other tier): RULE-SEMANTICS.md `asset-growth`. */
export const assetGrowth: Rule<'asset-growth'> = {
  id: 'asset-growth',
  version: 1,
  evaluate(ctx, p) {
    if (ctx.tierAfter !== 'POTENTIAL' || ctx.tierBefore === 'POTENTIAL') return null;
    return candidateOf(assetGrowth, ctx, {
      target: 'GROWTH_PLAN',
      priority: 'P3',
      dueHours: p.dueHours,
      reasons: [REASONS.TIER_POTENTIAL],
      evidence: {
        tierBefore: ctx.tierBefore,
        tier: ctx.tierAfter,
        avg30Minor: str(ctx.after.avg30Minor),
        avg30AgoMinor: str(ctx.after.avg30AgoMinor),
      },
    });
  },
};
