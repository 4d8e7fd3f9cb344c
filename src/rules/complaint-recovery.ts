import { REASONS } from './reasons.ts';
import { candidateOf, type Rule } from './rule.ts';

/** Every channel event COMPLAINT: SERVICE_RECOVERY (RULE-SEMANTICS.md `complaint-recovery`). */
export const complaintRecovery: Rule<'complaint-recovery'> = {
  id: 'complaint-recovery',
  version: 1,
  evaluate(ctx, p) {
    if (ctx.trigger.kind !== 'channel' || ctx.trigger.event.action !== 'COMPLAINT') return null;
    const e = ctx.trigger.event;
    // Only the enum fields: the free-form attributes may carry what the customer wrote.
    const evidence: Record<string, string> = { channel: e.channel };
    if (e.topic !== null) evidence.topic = e.topic;
    return candidateOf(complaintRecovery, ctx, {
      target: 'SERVICE_RECOVERY',
      priority: 'P2',
      dueHours: p.dueHours,
      reasons: [REASONS.COMPLAINT],
      evidence,
    });
  },
};
