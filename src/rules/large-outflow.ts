import { atLeastRatio } from './ratio.ts';
import { REASONS } from './reasons.ts';
import { ageOf, candidateOf, isOutflow, str, transactionOf, type Rule } from './rule.ts';

/**
 * A large outflow to someone else that looks unusual: RULE-SEMANTICS.md
 * `large-outflow`. Fraud check, P1 for very large amounts or elderly customers.
 */
export const largeOutflow: Rule<'large-outflow'> = {
  id: 'large-outflow',
  version: 1,
  evaluate(ctx, p) {
    const t = transactionOf(ctx);
    if (!t || !isOutflow(t) || t.amountMinor < p.minAmountMinor) return null;
    if (t.counterparty?.ownAccount) return null;
    const before = ctx.before;
    // Cash (no counterparty) is never "to a new counterparty" (FEATURES.md, Outflows).
    const isNew = t.counterparty !== null && !before.counterpartySeen;
    const spike = atLeastRatio(t.amountMinor, p.spikeMultiple, before.maxOutflow90dMinor);
    const share = atLeastRatio(t.amountMinor, p.shareOfAssets, before.assetsMinor);
    if (!isNew && !spike && !share) return null;

    const age = ageOf(ctx);
    const elderly = age !== null && age >= p.elderlyAge;
    const reasons: string[] = [REASONS.AMOUNT_OVER_THRESHOLD];
    if (isNew) reasons.push(REASONS.NEW_COUNTERPARTY);
    if (spike) reasons.push(REASONS.SPIKE_VS_HISTORY);
    if (share) reasons.push(REASONS.SHARE_OF_BALANCE);
    if (elderly) reasons.push(REASONS.ELDERLY_CUSTOMER);

    const evidence: Record<string, string> = {
      amountMinor: str(t.amountMinor),
      transactionType: t.type,
      counterparty: t.counterparty === null ? 'NONE' : isNew ? 'NEW' : 'SEEN_90D',
      maxOutflow90dMinor: str(before.maxOutflow90dMinor),
      assetsBeforeMinor: str(before.assetsMinor),
    };
    if (age !== null) evidence.age = str(age);

    return candidateOf(largeOutflow, ctx, {
      target: 'FRAUD_CHECK',
      priority: t.amountMinor >= p.highAmountMinor || elderly ? 'P1' : 'P2',
      dueHours: p.dueHours,
      reasons,
      evidence,
    });
  },
};
