import { REASONS } from './reasons.ts';
import { candidateOf, str, type Rule } from './rule.ts';

/** Tier becomes VIP (edge): RULE-SEMANTICS.md `vip-upgrade`. */
export const vipUpgrade: Rule<'vip-upgrade'> = {
  id: 'vip-upgrade',
  version: 1,
  evaluate(ctx, p) {
    if (ctx.tierAfter !== 'VIP' || ctx.tierBefore === 'VIP') return null;
    return candidateOf(vipUpgrade, ctx, {
      target: 'VIP_UPGRADE',
      priority: 'P3',
      dueHours: p.dueHours,
      reasons: [REASONS.TIER_VIP],
      evidence: {
        tierBefore: ctx.tierBefore,
        tier: ctx.tierAfter,
        avg30Minor: str(ctx.after.avg30Minor),
        avg30AgoMinor: str(ctx.after.avg30AgoMinor),
      },
    });
  },
};
