// The labels file: what a correct carestream must emit for the generated
// events, and which planted customers must NOT get a task from a rule.
import type { TOPICS } from '../events/topics.ts';
import type { FraudCheckTask, OutreachKind, Priority, SuppressionReason } from '../events/types.ts';
import type { RuleId } from './rules.ts';

export type ExpectedTopic =
  | typeof TOPICS.fraudCheckTasks
  | typeof TOPICS.outreachTasks
  | typeof TOPICS.suppressions;

/**
 * Which pipeline an output or near miss is stated for: `events` only while
 * the live path evaluates rules on events alone (tier edges at the event);
 * `timers` only once timers fire (tier edges at a day's close, the
 * time-driven rules); absent: both.
 */
export type LabelMode = 'events' | 'timers';

export interface ExpectedOutput {
  readonly mode?: LabelMode;
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
  /**
   * The event that completed the trigger (transactionEventId / last of
   * sourceEventIds); for a `timers` output, the timer's trigger id
   * (`timer:<what>:...`, docs/RULES.md "Time-driven rules").
   */
  readonly triggerEventId: string;
  /** Tasks only: occurredAt of the trigger + the rule's due period, ISO with offset. */
  readonly dueBy?: string;
}

export interface NearMiss {
  readonly mode?: LabelMode;
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

/** The outputs stated for one pipeline: those of its mode and those of both. */
export function expectedFor(labels: Pick<Labels, 'expected'>, mode: LabelMode): ExpectedOutput[] {
  return labels.expected.filter((e) => e.mode === undefined || e.mode === mode);
}

/** The near misses stated for one pipeline. */
export function nearMissesFor(labels: Pick<Labels, 'nearMisses'>, mode: LabelMode): NearMiss[] {
  return labels.nearMisses.filter((n) => n.mode === undefined || n.mode === mode);
}

/**
 * The trigger a fraud check's label names (triggerEventId): its transaction,
 * or for an escalation the FRAUD_SLA timer of the check it escalates (the
 * escalation carries the same transaction as the original).
 */
export function fraudCheckTrigger(t: Pick<FraudCheckTask, 'ruleId' | 'transactionEventId' | 'evidence'>): string {
  return t.ruleId === 'fraud-check-escalation' ? `timer:FRAUD_SLA:${t.evidence['originalTaskId']}` : t.transactionEventId;
}
