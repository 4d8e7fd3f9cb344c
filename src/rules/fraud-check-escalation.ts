import { REASONS } from './reasons.ts';
import { candidateOf, str, type Rule } from './rule.ts';

/**
 * A fraud check whose dueBy passed with no answering CONTACT_OUTCOME (a
 * FRAUD_SLA timer, at most one per check): a new P1 fraud check for the same
 * transaction, due 4 h after the missed deadline. Its trigger id
 * `timer:FRAUD_SLA:<original task id>` makes the task id the same however
 * often the timer fires (a crash, a replay).
 */
export const fraudCheckEscalation: Rule<'fraud-check-escalation'> = {
  id: 'fraud-check-escalation',
  version: 1,
  evaluate(ctx, p) {
    if (ctx.trigger.kind !== 'timer' || ctx.trigger.event.timer.what !== 'FRAUD_SLA') return null;
    const check = ctx.trigger.event.timer.check;
    if (!check) return null;
    return candidateOf(fraudCheckEscalation, ctx, {
      target: 'FRAUD_CHECK',
      priority: 'P1',
      dueHours: p.dueHours,
      reasons: [REASONS.SLA_MISSED],
      evidence: {
        originalTaskId: check.taskId,
        originalDueBy: new Date(check.dueBy).toISOString(),
        transactionEventId: check.transactionEventId,
        amountMinor: str(check.amountMinor),
      },
    });
  },
};
