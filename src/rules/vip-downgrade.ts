import { REASONS } from './reasons.ts';
import { candidateOf, str, type Rule } from './rule.ts';

/**
 * The tier falls from VIP (edge against the tier as last evaluated, judged
 * at a day's close by a TIER timer, so also on a day without events): RETENTION to the
 * relationship manager, a service kind the contact policy never holds back.
 */
export const vipDowngrade: Rule<'vip-downgrade'> = {
  id: 'vip-downgrade',
  version: 1,
  evaluate(ctx, p) {
    // A day's close decides (timers): on an event the day is not over yet.
    if (ctx.trigger.kind !== 'timer' || ctx.tierBefore !== 'VIP' || ctx.tierAfter === 'VIP') return null;
    return candidateOf(vipDowngrade, ctx, {
      target: 'RETENTION',
      priority: 'P2',
      dueHours: p.dueHours,
      reasons: [REASONS.TIER_DOWNGRADE],
      evidence: {
        tierBefore: ctx.tierBefore,
        tier: ctx.tierAfter,
        avg30Minor: str(ctx.after.avg30Minor),
        avg30AgoMinor: str(ctx.after.avg30AgoMinor),
      },
    });
  },
};
