import { dayLabel } from '../features/calendar.ts';
import { REASONS } from './reasons.ts';
import { candidateOf, type Rule } from './rule.ts';

/**
 * A VIP or POTENTIAL customer's birthday (a BIRTHDAY timer at local midnight):
 * a CARE greeting on the tier's channel. A courtesy: the contact policy
 * neither holds it back nor counts it (src/policy/contact-policy.ts). The
 * evidence names the day of the greeting, never the birth date or the age.
 */
export const birthdayGreeting: Rule<'birthday-greeting'> = {
  id: 'birthday-greeting',
  version: 1,
  evaluate(ctx, p) {
    if (ctx.trigger.kind !== 'timer' || ctx.trigger.event.timer.what !== 'BIRTHDAY') return null;
    if (ctx.tierAfter !== 'VIP' && ctx.tierAfter !== 'POTENTIAL') return null;
    return candidateOf(birthdayGreeting, ctx, {
      target: 'CARE',
      offerCode: 'BIRTHDAY_GREETING',
      priority: 'P4',
      dueHours: p.dueHours,
      reasons: [REASONS.BIRTHDAY],
      evidence: { tier: ctx.tierAfter, day: dayLabel(ctx.day) },
    });
  },
};
