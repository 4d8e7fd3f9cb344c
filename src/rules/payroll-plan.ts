import { monthLabel } from '../state/calendar.ts';
import { REASONS } from './reasons.ts';
import { DAY_MS, candidateOf, str, transactionOf, type Rule } from './rule.ts';

/**
 * The first salary of month m, with a salary in m-1 and no investment purchase
 * in the 90 days before it — unless the same held at the first salary of m-1
 * (`payrollMonth` before the event is m-1), so a lasting situation fires once
 * (RULE-SEMANTICS.md `payroll-plan`). "No investment in the 90 days before" is
 * `occurredAt - lastInvestmentAt > 90 days`, as the feature store computes
 * `payrollMonth`.
 */
export const payrollPlan: Rule<'payroll-plan'> = {
  id: 'payroll-plan',
  version: 1,
  evaluate(ctx, p) {
    const t = transactionOf(ctx);
    if (!t || t.type !== 'SALARY_CREDIT') return null;
    const m = ctx.month;
    if (ctx.before.salaryMonths.includes(m) || !ctx.after.salaryMonths.includes(m)) return null;
    if (!ctx.after.salaryMonths.includes(m - 1)) return null;
    const last = ctx.before.lastInvestmentAt;
    if (last !== null && t.occurredAt - last <= p.noInvestmentDays * DAY_MS) return null;
    if (ctx.before.payrollMonth === m - 1) return null;
    return candidateOf(payrollPlan, ctx, {
      target: 'LIFE_STAGE_OFFER',
      offerCode: 'PAYROLL_AUTO_INVEST',
      priority: 'P4',
      dueHours: p.dueHours,
      reasons: [REASONS.PAYROLL_WITHOUT_INVESTMENT],
      evidence: {
        salaryMonths: `${monthLabel(m - 1)},${monthLabel(m)}`,
        daysSinceLastInvestment: last === null ? 'NONE' : str(Math.floor((t.occurredAt - last) / DAY_MS)),
      },
    });
  },
};
