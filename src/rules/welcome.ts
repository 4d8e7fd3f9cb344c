import { REASONS } from './reasons.ts';
import { candidateOf, type Rule } from './rule.ts';

/** A channel event ACCOUNT_OPENED: a CARE contact (RULE-SEMANTICS.md `welcome`). */
export const welcome: Rule<'welcome'> = {
  id: 'welcome',
  version: 1,
  evaluate(ctx, p) {
    if (ctx.trigger.kind !== 'channel' || ctx.trigger.event.action !== 'ACCOUNT_OPENED') return null;
    return candidateOf(welcome, ctx, {
      target: 'CARE',
      priority: 'P4',
      dueHours: p.dueHours,
      reasons: [REASONS.ACCOUNT_OPENED],
      evidence: { channel: ctx.trigger.event.channel },
    });
  },
};
