// The labels file: what a correct carestream must emit for the generated
// events, and which planted customers must NOT get a task from a rule.
import type { TOPICS } from '../events/topics.ts';
import type { OutreachKind, Priority, SuppressionReason } from '../events/types.ts';
import type { RuleId } from './rules.ts';

export type ExpectedTopic =
  | typeof TOPICS.fraudCheckTasks
  | typeof TOPICS.outreachTasks
  | typeof TOPICS.suppressions;

export interface ExpectedOutput {
  readonly customerId: string;
  readonly scenario: string;
  readonly ruleId: RuleId;
  readonly outcome: 'task' | 'suppressed';
  readonly topic: ExpectedTopic;
  /** Outreach kind; absent for fraud checks. */
  readonly kind?: OutreachKind;
  /** Outreach offer code (null when the kind has none); absent for fraud checks. */
  readonly offerCode?: string | null;
  /** Tasks only. */
  readonly priority?: Priority;
  /**
   * Exact reason set, for the rules whose reason codes RULE-SEMANTICS.md fixes
   * (large-outflow, outflow-velocity, risky-streak, suitability). Absent when
   * the semantics leave the codes open. Order follows docs/EVENTS.md; compare as a set.
   */
  readonly reasons?: readonly string[];
  /** Suppressions only. */
  readonly suppressionReason?: SuppressionReason;
  /** The event that completed the trigger (transactionEventId / last of sourceEventIds). */
  readonly triggerEventId: string;
  /** Tasks only: occurredAt of the trigger + the rule's due period, ISO with offset. */
  readonly dueBy?: string;
}

export interface NearMiss {
  readonly customerId: string;
  readonly scenario: string;
  readonly ruleId: RuleId;
}

export interface PlantedCustomer {
  readonly customerId: string;
  readonly scenario: string;
}

export interface Labels {
  readonly seed: number;
  readonly customers: number;
  readonly days: number;
  readonly start: string;
  readonly timeZone: string;
  /** Every task and suppression a correct pipeline emits, for all customers. */
  readonly expected: readonly ExpectedOutput[];
  readonly nearMisses: readonly NearMiss[];
  /** Which customers carry a planted scenario; everyone else is background. */
  readonly planted: readonly PlantedCustomer[];
}
