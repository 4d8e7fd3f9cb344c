import type { ChannelEvent, CustomerTier, OutreachKind, Priority, Transaction } from '../events/types.ts';
import type { FiredTimer } from '../features/timers.ts';
import type { EventView } from '../state/view.ts';

/** What the rules know about the customer besides the features (never a name or an id number). */
export interface ProfileFacts {
  readonly marketingConsent: boolean;
  readonly age: number | null;
  readonly riskTolerance: number | null;
  readonly riskAssessedAt: number | null;
  readonly preferredChannels: readonly string[];
  readonly hasRelationshipManager: boolean;
}

/** A timer that fired (src/features/timers.ts), as a trigger: its id, customer and time stand in for an event's. */
export interface TimerTrigger {
  readonly eventId: string;
  readonly customerId: string;
  readonly occurredAt: number;
  readonly timer: FiredTimer;
}

export type TriggerEvent =
  | { readonly kind: 'transaction'; readonly event: Transaction }
  | { readonly kind: 'channel'; readonly event: ChannelEvent }
  | { readonly kind: 'timer'; readonly event: TimerTrigger };

/**
 * Everything a rule may look at for one applied event or fired timer. Pure
 * data: no I/O. For a timer, `before` and `after` are the same view (no
 * event moved anything) and `tierBefore` / `tierAfter` are the tier as last
 * evaluated and as evaluated now (they differ only for a TIER timer).
 */
export interface RuleContext {
  readonly trigger: TriggerEvent;
  readonly before: EventView;
  readonly after: EventView;
  /** null until the customer's profile has arrived. */
  readonly profile: ProfileFacts | null;
  readonly tierBefore: CustomerTier;
  readonly tierAfter: CustomerTier;
  /** Business-calendar day and month (see src/state/calendar.ts) of the event. */
  readonly day: number;
  readonly month: number;
}

/** A task a rule proposes; the contact policy decides whether it goes out. */
export interface Candidate {
  readonly ruleId: string;
  readonly ruleVersion: number;
  /** FRAUD_CHECK for the fraud desk, else the outreach kind. */
  readonly target: 'FRAUD_CHECK' | OutreachKind;
  readonly offerCode: string | null;
  readonly priority: Priority;
  readonly customerId: string;
  readonly triggerEventId: string;
  readonly occurredAt: number;
  readonly dueBy: number;
  readonly reasons: readonly string[];
  /** The feature values the rule saw, as strings. */
  readonly evidence: Readonly<Record<string, string>>;
  readonly sourceEventIds: readonly string[];
}
