import type { ChannelEvent, ContactOutcome, CustomerTier, FraudCheckTask, OutreachTask } from '../events/types.ts';
import { CONTACT_OUTCOMES } from '../events/types.ts';
import type { CareTaskKind } from '../tasks/care-task-status.ts';
import { isAnswering } from '../tasks/care-task-status.ts';
import type { StoreRecord } from '../state/encode.ts';
import type { Outcome } from '../state/store.ts';
import { tierOf, type TierThresholds } from '../state/tier.ts';

/**
 * What a batch changes in the care-task status index: tasks issued (with the
 * task they escalate, if any) and contact outcomes naming a task. Pure; the
 * pipeline writes the result with the same fence as the batch's decisions,
 * and a rebuild derives the same updates from the task topics.
 */

export interface CareTaskIssued {
  readonly taskId: string;
  readonly customerId: string;
  readonly kind: CareTaskKind;
  readonly ruleId: string;
  readonly priority: string;
  readonly tier: CustomerTier | null;
  readonly channel: string;
  readonly dueBy: number;
  /** The task this one escalates (a fraud check whose SLA was missed). */
  readonly escalates: string | null;
}

export interface CareTaskOutcome {
  readonly taskId: string;
  readonly customerId: string;
  readonly outcome: ContactOutcome;
  readonly at: number;
  /** Whether the outcome answers the task (NO_ANSWER does not). */
  readonly answers: boolean;
}

export interface CareTaskUpdates {
  readonly issued: CareTaskIssued[];
  readonly outcomes: CareTaskOutcome[];
}

/** The channel fraud checks go out on (docs/RULES.md: the call centre). */
const FRAUD_CHECK_CHANNEL = 'CALL_CENTER';

export function issuedFromFraudCheck(t: FraudCheckTask, tier: CustomerTier | null): CareTaskIssued {
  const original = t.reasons.includes('SLA_MISSED') ? (t.evidence['originalTaskId'] ?? null) : null;
  return { taskId: t.taskId, customerId: t.customerId, kind: 'FRAUD_CHECK', ruleId: t.ruleId, priority: t.priority, tier, channel: FRAUD_CHECK_CHANNEL, dueBy: t.dueBy, escalates: original };
}

export function issuedFromOutreach(t: OutreachTask): CareTaskIssued {
  return { taskId: t.taskId, customerId: t.customerId, kind: t.kind, ruleId: t.ruleId, priority: t.priority, tier: t.tier, channel: t.channel, dueBy: t.dueBy, escalates: null };
}

/** A CONTACT_OUTCOME naming a task, as an update; anything else (or an outcome without a task id) is null. */
export function outcomeOf(e: ChannelEvent): CareTaskOutcome | null {
  if (e.action !== 'CONTACT_OUTCOME') return null;
  const taskId = e.attributes['taskId'];
  const outcome = e.attributes['outcome'];
  if (!taskId || !outcome || !(CONTACT_OUTCOMES as readonly string[]).includes(outcome)) return null;
  return { taskId, customerId: e.customerId, outcome: outcome as ContactOutcome, at: e.occurredAt, answers: isAnswering(outcome) };
}

export interface CareTaskInputs {
  readonly fraudChecks: readonly FraudCheckTask[];
  readonly outreach: readonly OutreachTask[];
  /** Channel events applied in the batch, in order. */
  readonly channelEvents: readonly ChannelEvent[];
  /** The customer's tier when the fraud check's transaction was applied (fraud-check records do not carry it). */
  readonly tierOfTransaction: (transactionEventId: string) => CustomerTier | null;
}

export function careTaskUpdates(i: CareTaskInputs): CareTaskUpdates {
  const outcomes: CareTaskOutcome[] = [];
  for (const e of i.channelEvents) {
    const o = outcomeOf(e);
    if (o) outcomes.push(o);
  }
  return {
    issued: [...i.fraudChecks.map((t) => issuedFromFraudCheck(t, i.tierOfTransaction(t.transactionEventId))), ...i.outreach.map(issuedFromOutreach)],
    outcomes,
  };
}

/** The updates of one processed batch: its decisions and its applied channel events. */
export function careTaskUpdatesOfBatch(
  decisions: { readonly fraudChecks: readonly FraudCheckTask[]; readonly outreach: readonly OutreachTask[] },
  applied: readonly { readonly record: StoreRecord; readonly outcome: Outcome }[],
  tiers: TierThresholds,
): CareTaskUpdates {
  const channelEvents: ChannelEvent[] = [];
  const txTiers = new Map<string, CustomerTier>();
  for (const a of applied) {
    if (a.record.kind === 'channel') channelEvents.push(a.record.event);
    else if (a.record.kind === 'transaction' && decisions.fraudChecks.length > 0 && a.outcome.after) {
      txTiers.set(a.record.event.eventId, tierOf(a.outcome.after.avg30Minor, a.outcome.after.avg30AgoMinor, tiers));
    }
  }
  return careTaskUpdates({ fraudChecks: decisions.fraudChecks, outreach: decisions.outreach, channelEvents, tierOfTransaction: (id) => txTiers.get(id) ?? null });
}

/**
 * The updates that rebuild the index after Redis lost its data: the tasks
 * published on the task topics (restored fraud checks have no tier), then the
 * outcomes the rebuilt customer states remember.
 */
export function careTaskUpdatesOfRestore(
  published: { readonly fraudChecks: readonly FraudCheckTask[]; readonly outreach: readonly OutreachTask[] },
  outcomes: readonly { readonly customerId: string; readonly taskId: string; readonly outcome: string; readonly at: number }[],
): CareTaskUpdates {
  return {
    issued: [...published.fraudChecks.map((t) => issuedFromFraudCheck(t, null)), ...published.outreach.map(issuedFromOutreach)],
    outcomes: outcomes
      .filter((o) => o.taskId !== '' && (CONTACT_OUTCOMES as readonly string[]).includes(o.outcome))
      .sort((a, b) => a.at - b.at)
      .map((o) => ({ taskId: o.taskId, customerId: o.customerId, outcome: o.outcome as ContactOutcome, at: o.at, answers: isAnswering(o.outcome) })),
  };
}
