import { z } from 'zod';
import {
  CUSTOMER_TIERS, INTERACTION_CHANNELS, OUTREACH_KINDS, PRIORITIES, SUPPRESSION_REASONS,
  type FraudCheckTask, type OutreachTask, type Suppression,
} from '../events/types.ts';

/**
 * One entry of a customer's decision log: a task issued or held back, with
 * everything compliance asks about it. Built here, and only here, from the
 * record carestream publishes (a task or a suppression), so the entry the
 * pipeline writes for a live decision and the one a rebuild restores from the
 * topics are the same by construction. The schema is checked where an entry is
 * written (ShardState.recordDecisions, src/state/local-state.ts) and where it
 * is read (LocalStateStore.decisionLog).
 *
 * The nullable fields with defaults exist for what older versions wrote:
 * records published before the topics carried tier, priority, reasons and the
 * trigger time, and log entries restored by a version that dropped them. Such
 * an entry reads with null ("not recorded"), never as an error.
 */
const common = {
  id: z.string(),
  /** When the trigger event occurred (event time). */
  at: z.number().int(),
  /** When carestream decided (the record's createdAt, its clock). */
  decidedAt: z.number().int().nullable().default(null),
  ruleId: z.string(),
  ruleVersion: z.number().int(),
  ruleSetVersion: z.string().nullable(),
  target: z.enum(['FRAUD_CHECK', ...OUTREACH_KINDS]),
  offerCode: z.string().nullable(),
  priority: z.enum(PRIORITIES).nullable().default(null),
  reasons: z.array(z.string()).nullable().default(null),
  evidence: z.record(z.string(), z.string()),
  tier: z.enum(CUSTOMER_TIERS).nullable().default(null),
  triggerEventId: z.string().nullable(),
  /** Written by a rebuild from the topics rather than by the live decision. */
  restored: z.boolean().default(false),
};

export const decisionLogEntry = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('ISSUED'), ...common, channel: z.enum(INTERACTION_CHANNELS).nullable().default(null), dueBy: z.number().int() }),
  z.object({ decision: z.literal('SUPPRESSED'), ...common, reason: z.enum(SUPPRESSION_REASONS) }),
]);

export type DecisionLogEntry = z.output<typeof decisionLogEntry>;

/** Suppressed entries are logged under the id the task would have had, with this suffix. */
export const SUPPRESSED_SUFFIX = ':suppressed';

/** A published decision: the record as it is on its topic. */
export type PublishedDecision =
  | { readonly topic: 'fraudCheck'; readonly record: FraudCheckTask }
  | { readonly topic: 'outreach'; readonly record: OutreachTask }
  | { readonly topic: 'suppression'; readonly record: Suppression };

export interface EntryOptions {
  readonly restored: boolean;
  /**
   * The rule's due hours, for records written before they carried their
   * trigger time (which is then dueBy minus these). Exact while the rule's due
   * hours have not changed since.
   */
  readonly dueHoursOf: (ruleId: string) => number;
}

const HOUR_MS = 3_600_000;

/** The decision-log entry of a published task or suppression. Pure. */
export function decisionEntryOf(d: PublishedDecision, o: EntryOptions): DecisionLogEntry {
  const triggeredAt = (r: FraudCheckTask | OutreachTask) => r.triggeredAt ?? r.dueBy - o.dueHoursOf(r.ruleId) * HOUR_MS;
  if (d.topic === 'fraudCheck') {
    const t = d.record;
    return {
      decision: 'ISSUED', id: t.taskId, at: triggeredAt(t), decidedAt: t.createdAt, ruleId: t.ruleId, ruleVersion: t.ruleVersion,
      ruleSetVersion: t.ruleSetVersion, target: 'FRAUD_CHECK', offerCode: null, priority: t.priority, reasons: [...t.reasons],
      evidence: { ...t.evidence }, tier: t.tier, triggerEventId: t.transactionEventId, restored: o.restored,
      // Fraud checks always go to the call centre (src/policy/channel.ts).
      channel: 'CALL_CENTER', dueBy: t.dueBy,
    };
  }
  if (d.topic === 'outreach') {
    const t = d.record;
    return {
      decision: 'ISSUED', id: t.taskId, at: triggeredAt(t), decidedAt: t.createdAt, ruleId: t.ruleId, ruleVersion: t.ruleVersion,
      ruleSetVersion: t.ruleSetVersion, target: t.kind, offerCode: t.offerCode, priority: t.priority, reasons: [...t.reasons],
      evidence: { ...t.evidence }, tier: t.tier, triggerEventId: t.sourceEventIds.at(-1) ?? null, restored: o.restored,
      channel: t.channel, dueBy: t.dueBy,
    };
  }
  const s = d.record;
  return {
    decision: 'SUPPRESSED', id: `${s.evidence['taskId'] ?? ''}${SUPPRESSED_SUFFIX}`, at: s.triggeredAt ?? s.createdAt, decidedAt: s.createdAt,
    ruleId: s.ruleId, ruleVersion: s.ruleVersion, ruleSetVersion: s.ruleSetVersion, target: s.kind, offerCode: s.offerCode,
    priority: s.priority, reasons: s.reasons === null ? null : [...s.reasons], evidence: { ...s.evidence }, tier: s.tier,
    triggerEventId: s.sourceEventIds.at(-1) ?? null, restored: o.restored, reason: s.reason,
  };
}

/** The task id a log entry is about (a suppression's is the id the task would have had). */
export function taskIdOfEntry(e: DecisionLogEntry): string {
  return e.id.endsWith(SUPPRESSED_SUFFIX) ? e.id.slice(0, -SUPPRESSED_SUFFIX.length) : e.id;
}

/** The entry as the log stores it: JSON starting with its id, so a replayed batch is de-duplicated (write-customer-3.lua). */
export function serializeEntry(e: DecisionLogEntry): string {
  const { id, ...rest } = e;
  return JSON.stringify({ id, ...rest });
}
