import { monthLabel } from '../state/calendar.ts';
import { REASONS } from './reasons.ts';
import { candidateOf, transactionOf, type Rule } from './rule.ts';

/**
 * A baby-MCC card purchase adds month m, the `consecutiveMonths - 1` months
 * before it are baby months and the one before those is not: a run fires once,
 * at its n-th month (RULE-SEMANTICS.md `new-parent`). Which MCCs count is the
 * feature store's setting (BABY_MCCS): the rule reads the months it keeps.
 */
export const newParent: Rule<'new-parent'> = {
  id: 'new-parent',
  version: 1,
  evaluate(ctx, p) {
    const t = transactionOf(ctx);
    if (!t || t.type !== 'CARD_PURCHASE') return null;
    const m = ctx.month;
    const months = new Set(ctx.after.babyMonths);
    if (ctx.before.babyMonths.includes(m) || !months.has(m)) return null;
    const n = p.consecutiveMonths;
    for (let k = 1; k < n; k++) if (!months.has(m - k)) return null;
    if (months.has(m - n)) return null;
    const run: string[] = [];
    for (let k = n - 1; k >= 0; k--) run.push(monthLabel(m - k));
    return candidateOf(newParent, ctx, {
      target: 'LIFE_STAGE_OFFER',
      offerCode: 'EDUCATION_FUND',
      priority: 'P4',
      dueHours: p.dueHours,
      reasons: [REASONS.NEW_PARENT],
      evidence: { babyMonths: run.join(','), merchantCategory: t.merchantCategory ?? 'NONE' },
    });
  },
};
