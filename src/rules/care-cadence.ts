import { REASONS } from './reasons.ts';
import { candidateOf, str, type Rule } from './rule.ts';

const OFFER = { VIP: 'VIP_MONTHLY_REVIEW', POTENTIAL: 'POTENTIAL_VALUE_CONTENT' } as const;
const PRIORITY = { VIP: 'P3', POTENTIAL: 'P4' } as const;

/**
 * No contact for the tier's cadence (a CADENCE timer: src/features/timers.ts
 * schedules it `cadenceDays[tier]` after the last contact): a CARE contact,
 * the "presence" half of the contact policy. CARE needs no consent and counts
 * against the tier's cap like any CARE; the cadence is its own cool-down
 * (src/policy/contact-policy.ts).
 */
export const careCadence: Rule<'care-cadence'> = {
  id: 'care-cadence',
  version: 1,
  evaluate(ctx, p) {
    if (ctx.trigger.kind !== 'timer' || ctx.trigger.event.timer.what !== 'CADENCE') return null;
    const tier = ctx.tierAfter;
    const days = p.cadenceDays[tier];
    if (days === null) return null;
    const last = ctx.trigger.event.timer.lastContactAt;
    return candidateOf(careCadence, ctx, {
      target: 'CARE',
      offerCode: tier === 'ORDINARY' ? null : OFFER[tier],
      priority: tier === 'ORDINARY' ? 'P4' : PRIORITY[tier],
      dueHours: p.dueHours,
      reasons: [REASONS.CARE_CADENCE],
      evidence: {
        tier,
        cadenceDays: str(days),
        lastContactAt: last === null || last === undefined ? 'NONE' : new Date(last).toISOString(),
      },
    });
  },
};
