import type { Tally } from '../state/feature-view.ts';
import { REASONS } from './reasons.ts';
import { candidateOf, isOutflow, str, transactionOf, type Rule } from './rule.ts';

/**
 * Several outflows to new counterparties within an hour: RULE-SEMANTICS.md
 * `outflow-velocity`. Fires on the outflow that makes the condition true (the
 * crossing), not on later ones while it stays true.
 */
export const outflowVelocity: Rule<'outflow-velocity'> = {
  id: 'outflow-velocity',
  version: 1,
  evaluate(ctx, p) {
    const t = transactionOf(ctx);
    if (!t || !isOutflow(t) || t.counterparty === null || ctx.before.counterpartySeen) return null;
    const holds = (x: Tally) => x.count >= p.minCount && x.sumMinor >= p.minSumMinor;
    const after = ctx.after.newCounterpartyOutflow1h;
    const before = ctx.before.newCounterpartyOutflow1h;
    if (!holds(after) || holds(before)) return null;
    return candidateOf(outflowVelocity, ctx, {
      target: 'FRAUD_CHECK',
      priority: 'P1',
      dueHours: p.dueHours,
      reasons: [REASONS.VELOCITY],
      evidence: {
        amountMinor: str(t.amountMinor),
        transactionType: t.type,
        newCounterpartyOutflow1hCount: str(after.count),
        newCounterpartyOutflow1hSumMinor: str(after.sumMinor),
        outflow1hCount: str(ctx.after.outflow1h.count),
        outflow1hSumMinor: str(ctx.after.outflow1h.sumMinor),
      },
    });
  },
};
