import type { FraudCheckTask, OutreachTask, Suppression } from '../events/types.ts';
import { countsAsContact } from '../policy/contact-policy.ts';
import type { RuleSet } from '../rules/config.ts';
import type { DecisionRecord, StoredContact } from '../state/store.ts';
import { decisionEntryOf, type DecisionLogEntry, type EntryOptions, type PublishedDecision } from '../tasks/decision-log.ts';

export interface PublishedDecisions {
  readonly fraudChecks: readonly FraudCheckTask[];
  readonly outreach: readonly OutreachTask[];
  readonly suppressions: readonly Suppression[];
}

/** The rule's due hours in `ruleSet` (for records written before they carried their trigger time). */
export function dueHoursIn(ruleSet: RuleSet): (ruleId: string) => number {
  return (ruleId) => (ruleSet.rules as Readonly<Record<string, { dueHours?: number }>>)[ruleId]?.dueHours ?? 0;
}

/**
 * What Redis held about a customer's contacts, recovered from the published
 * task and suppression topics after Redis lost its data: the value contacts
 * that count against caps and cool-downs, and the decision-log entries (the
 * same entries the live decisions wrote, marked `restored`). Pure: the caller
 * reads the topics.
 */
export function decisionRecordsFromTasks(published: PublishedDecisions, ruleSet: RuleSet): DecisionRecord[] {
  const byCustomer = new Map<string, { contacts: StoredContact[]; log: DecisionLogEntry[] }>();
  const of = (customerId: string) => {
    let r = byCustomer.get(customerId);
    if (!r) byCustomer.set(customerId, (r = { contacts: [], log: [] }));
    return r;
  };
  const o: EntryOptions = { restored: true, dueHoursOf: dueHoursIn(ruleSet) };
  const add = (customerId: string, d: PublishedDecision) => {
    const e = decisionEntryOf(d, o);
    const r = of(customerId);
    r.log.push(e);
    return e;
  };

  for (const t of published.fraudChecks) add(t.customerId, { topic: 'fraudCheck', record: t });
  for (const t of published.outreach) {
    const e = add(t.customerId, { topic: 'outreach', record: t });
    if (countsAsContact(t.ruleId, t.kind)) of(t.customerId).contacts.push({ taskId: t.taskId, ruleId: t.ruleId, kind: t.kind, at: e.at });
  }
  for (const s of published.suppressions) {
    if (s.evidence['taskId']) add(s.customerId, { topic: 'suppression', record: s });
  }
  return [...byCustomer].map(([customerId, r]) => ({
    customerId,
    contacts: r.contacts.sort((a, b) => a.at - b.at),
    // The log is pushed newest-first, so entries go in oldest first.
    log: r.log.sort((a, b) => a.at - b.at),
  }));
}
