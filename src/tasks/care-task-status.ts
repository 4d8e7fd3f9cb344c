import type { ContactOutcome, OutreachKind, Priority } from '../events/types.ts';

/**
 * A care task is a task carestream issued to people (a fraud check or an
 * outreach task) as the contact centre follows it up. ("Task" names only
 * these; the Kafka partition group is a shard, src/stream/shard.ts.)
 */

export const CARE_TASK_STATUSES = ['open', 'overdue', 'answered', 'escalated'] as const;
export type CareTaskStatus = (typeof CARE_TASK_STATUSES)[number];

export type CareTaskKind = 'FRAUD_CHECK' | OutreachKind;

/**
 * Outcomes that answer a task (the fraud-check escalation rule's list). A
 * NO_ANSWER is an attempt: the task stays open and its due time still runs.
 */
export const ANSWERING_OUTCOMES: readonly ContactOutcome[] = ['REACHED', 'CONFIRMED_GENUINE', 'CONFIRMED_FRAUD', 'DECLINED'];
export const isAnswering = (o: string): boolean => (ANSWERING_OUTCOMES as readonly string[]).includes(o);

/** What the status index keeps of a care task: no amount, account or anything about the person. */
export interface CareTask {
  readonly taskId: string;
  readonly customerId: string;
  readonly kind: CareTaskKind;
  readonly ruleId: string;
  readonly priority: Priority;
  readonly tier: string | null;
  readonly channel: string;
  readonly dueBy: number;
  /** The answering outcome, first one wins. */
  readonly outcome: { readonly outcome: ContactOutcome; readonly at: number } | null;
  /** The latest outcome that did not answer (NO_ANSWER). */
  readonly lastAttempt: { readonly outcome: ContactOutcome; readonly at: number } | null;
  /** The task that escalated this one (fraud-check-escalation), if any. */
  readonly escalatedBy: string | null;
}

/**
 * A care task's status at `now`. An answer wins over everything (an escalated
 * check answered late is answered); then an escalation; a task is overdue
 * only once `now` is past its dueBy — at dueBy exactly it is still open.
 */
export function careTaskStatus(t: Pick<CareTask, 'dueBy' | 'outcome' | 'escalatedBy'>, now: number): CareTaskStatus {
  if (t.outcome) return 'answered';
  if (t.escalatedBy) return 'escalated';
  return now > t.dueBy ? 'overdue' : 'open';
}

/** Time left to dueBy at `now` (negative once overdue). */
export const timeLeftMs = (t: Pick<CareTask, 'dueBy'>, now: number): number => t.dueBy - now;
