import type { CustomerTier } from '../events/types.ts';
import type { EventView } from '../state/view.ts';
import { aboveRatio, atMostRatio } from './ratio.ts';
import { REASONS } from './reasons.ts';
import { candidateOf, str, transactionOf, type Rule } from './rule.ts';

/**
 * Condition R of RULE-SEMANTICS.md `vip-outflow-retention`: a VIP whose assets
 * are at or below `ratio x avg30` while some day of the previous seven was
 * still above it (the fall is recent).
 */
export function retentionCondition(v: EventView, tier: CustomerTier, ratio: number): boolean {
  return (
    tier === 'VIP' &&
    atMostRatio(v.assetsMinor, ratio, v.avg30Minor) &&
    v.maxEodPrev7Minor !== null &&
    aboveRatio(v.maxEodPrev7Minor, ratio, v.avg30Minor)
  );
}

/** The edge of R on a transaction: RETENTION to the relationship manager. */
export const vipOutflowRetention: Rule<'vip-outflow-retention'> = {
  id: 'vip-outflow-retention',
  version: 1,
  evaluate(ctx, p) {
    if (!transactionOf(ctx)) return null;
    if (!retentionCondition(ctx.after, ctx.tierAfter, p.assetsRatio)) return null;
    if (retentionCondition(ctx.before, ctx.tierBefore, p.assetsRatio)) return null;
    const a = ctx.after;
    return candidateOf(vipOutflowRetention, ctx, {
      target: 'RETENTION',
      priority: 'P2',
      dueHours: p.dueHours,
      reasons: [REASONS.ASSET_DROP],
      evidence: {
        tier: ctx.tierAfter,
        assetsMinor: str(a.assetsMinor),
        assetsBeforeMinor: str(ctx.before.assetsMinor),
        avg30Minor: str(a.avg30Minor),
        maxEodPrev7Minor: str(a.maxEodPrev7Minor ?? 0),
      },
    });
  },
};
