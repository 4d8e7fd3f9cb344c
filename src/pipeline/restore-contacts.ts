import type { FraudCheckTask, OutreachTask, Suppression } from '../events/types.ts';
import { isValueContact } from '../policy/contact-policy.ts';
import type { RuleSet } from '../rules/config.ts';
import type { DecisionRecord, StoredContact } from '../state/store.ts';

const HOUR_MS = 3_600_000;

export interface PublishedDecisions {
  readonly fraudChecks: readonly FraudCheckTask[];
  readonly outreach: readonly OutreachTask[];
  readonly suppressions: readonly Suppression[];
}

/**
 * When the trigger happened, from a task: tasks carry their due time, which is
 * the trigger's time plus the rule's due hours. Exact while the rule's due
 * hours are those of the rule set in force; after a rule-file change that
 * altered them it is off by the difference (and only caps and cool-downs near
 * their edges could notice).
 */
function triggeredAt(ruleSet: RuleSet, ruleId: string, dueBy: number): number {
  const params = (ruleSet.rules as Readonly<Record<string, { dueHours?: number }>>)[ruleId];
  return dueBy - (params?.dueHours ?? 0) * HOUR_MS;
}

/**
 * What Redis held about a customer's contacts, recovered from the published
 * task and suppression topics after Redis lost its data: the value contacts
 * that count against caps and cool-downs, and decision-log entries for
 * `explain` (marked `restored`). Pure: the caller reads the topics.
 */
export function decisionRecordsFromTasks(published: PublishedDecisions, ruleSet: RuleSet): DecisionRecord[] {
  const byCustomer = new Map<string, { contacts: StoredContact[]; log: { at: number; entry: string }[] }>();
  const of = (customerId: string) => {
    let r = byCustomer.get(customerId);
    if (!r) byCustomer.set(customerId, (r = { contacts: [], log: [] }));
    return r;
  };
  const entry = (id: string, at: number, body: Record<string, unknown>) => ({ at, entry: JSON.stringify({ id, ...body, at, restored: true }) });

  for (const t of published.fraudChecks) {
    const at = triggeredAt(ruleSet, t.ruleId, t.dueBy);
    of(t.customerId).log.push(entry(t.taskId, at, {
      decision: 'ISSUED', ruleId: t.ruleId, ruleVersion: t.ruleVersion, ruleSetVersion: t.ruleSetVersion, target: 'FRAUD_CHECK',
      offerCode: null, priority: t.priority, dueBy: t.dueBy, reasons: t.reasons, evidence: t.evidence, triggerEventId: t.transactionEventId,
    }));
  }
  for (const t of published.outreach) {
    const at = triggeredAt(ruleSet, t.ruleId, t.dueBy);
    const r = of(t.customerId);
    if (isValueContact(t.kind)) r.contacts.push({ taskId: t.taskId, ruleId: t.ruleId, kind: t.kind, at });
    r.log.push(entry(t.taskId, at, {
      decision: 'ISSUED', ruleId: t.ruleId, ruleVersion: t.ruleVersion, ruleSetVersion: t.ruleSetVersion, target: t.kind,
      offerCode: t.offerCode, priority: t.priority, channel: t.channel, dueBy: t.dueBy, reasons: t.reasons, evidence: t.evidence,
      tier: t.tier, triggerEventId: t.sourceEventIds[0] ?? null,
    }));
  }
  for (const s of published.suppressions) {
    const taskId = s.evidence['taskId'];
    if (!taskId) continue;
    of(s.customerId).log.push(entry(`${taskId}:suppressed`, s.createdAt, {
      decision: 'SUPPRESSED', reason: s.reason, ruleId: s.ruleId, ruleVersion: s.ruleVersion, ruleSetVersion: s.ruleSetVersion,
      target: s.kind, offerCode: s.offerCode, evidence: s.evidence, triggerEventId: s.sourceEventIds[0] ?? null,
    }));
  }
  return [...byCustomer].map(([customerId, r]) => ({
    customerId,
    contacts: r.contacts.sort((a, b) => a.at - b.at),
    // The log is pushed newest-first, so entries go in oldest first.
    log: r.log.sort((a, b) => a.at - b.at).map((l) => l.entry),
  }));
}
