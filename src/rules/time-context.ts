import type { BusinessCalendar } from '../features/calendar.ts';
import type { FiredTimer, TimerOptions } from '../features/timers.ts';
import type { RuleSet } from './config.ts';
import type { ProfileFacts, RuleContext } from './types.ts';

/**
 * What the timers of src/features/timers.ts need from the rule set: the tiers,
 * the care cadence per tier (none when the rule is off) and whether birthdays
 * and fraud-check deadlines are watched at all. Timers of a switched-off rule
 * are not scheduled, so switching one off costs nothing per customer.
 */
export function timerOptionsOf(ruleSet: RuleSet, calendar: BusinessCalendar): TimerOptions {
  const cadence = ruleSet.rules['care-cadence'];
  const off = { VIP: null, POTENTIAL: null, ORDINARY: null } as const;
  return {
    calendar,
    tiers: ruleSet.tiers,
    cadenceDays: cadence.enabled ? cadence.cadenceDays : off,
    birthdays: ruleSet.rules['birthday-greeting'].enabled,
    fraudSla: ruleSet.rules['fraud-check-escalation'].enabled,
  };
}

/** The rule context of a fired timer: its trigger, the features as of it (before = after), the tiers as last and now evaluated. */
export function timerContext(fired: FiredTimer, customerId: string, profile: ProfileFacts | null): RuleContext {
  return {
    trigger: { kind: 'timer', event: { eventId: fired.eventId, customerId, occurredAt: fired.occurredAt, timer: fired } },
    before: fired.view,
    after: fired.view,
    profile,
    tierBefore: fired.tierBefore,
    tierAfter: fired.tierAfter,
    day: fired.day,
    month: fired.month,
  };
}
