import type { OutreachKind } from '../events/types.ts';
import type { BusinessCalendar } from '../features/calendar.ts';
import type { FiredTimer } from '../features/timers.ts';
import { COURTESY_RULES, decide, contactRecordOf, countsAsContact, type ContactRecord } from '../policy/contact-policy.ts';
import type { RuleSet } from '../rules/config.ts';
import { evaluateRules } from '../rules/index.ts';
import { timerContext } from '../rules/time-context.ts';
import type { CustomerFacts, StoredContact } from '../state/store.ts';
import { decisionEntryOf, type DecisionLogEntry, type EntryOptions } from '../tasks/decision-log.ts';
import { buildFraudCheckTask, buildOutreachTask, buildSuppression } from '../tasks/index.ts';
import { profileFacts, type Decisions } from './decide.ts';
import { dueHoursIn } from './restore-contacts.ts';

export interface TimerDecideInput {
  /** Per customer, the timers fireDue() fired, in its order. */
  readonly fired: ReadonlyMap<string, readonly FiredTimer[]>;
  readonly customers: ReadonlyMap<string, CustomerFacts>;
  readonly ruleSet: RuleSet;
  readonly calendar: BusinessCalendar;
  readonly now: number;
}

/**
 * The rules and the contact policy over fired timers: the same rules, policy
 * and task building as events (decideBatch), with each timer's trigger id
 * standing in for an event id, so a timer fired again (a crash, a replay)
 * gives the same task ids. An escalation (fraud-check-escalation) names the
 * original check's transaction. Pure.
 *
 * `contactTimes` per customer: the occurredAt of every issued outreach task
 * but courtesies, for recordIssued (the cadence's last contact).
 */
export function decideTimers(input: TimerDecideInput): Decisions & { readonly contactTimes: ReadonlyMap<string, readonly number[]> } {
  const out: Decisions = { fraudChecks: [], outreach: [], suppressions: [], records: [] };
  const contactTimes = new Map<string, number[]>();
  const { ruleSet, now } = input;
  const entryOptions: EntryOptions = { restored: false, dueHoursOf: dueHoursIn(ruleSet) };
  for (const [customerId, fired] of input.fired) {
    const facts = input.customers.get(customerId);
    const history: ContactRecord[] = (facts?.contacts ?? []).map((c) => ({ ...c, kind: c.kind as OutreachKind }));
    const contacts: StoredContact[] = [];
    const log: DecisionLogEntry[] = [];
    const times: number[] = [];
    for (const f of fired) {
      const profile = profileFacts(facts, f.view.age);
      const candidates = evaluateRules(timerContext(f, customerId, profile), ruleSet);
      if (candidates.length === 0) continue;
      const decision = decide(candidates, history, { profile, tier: f.tierAfter }, ruleSet.policy);
      for (const issued of decision.issued) {
        const c = issued.candidate;
        if (c.target === 'FRAUD_CHECK') {
          const check = f.check;
          if (!check) continue;
          const task = buildFraudCheckTask(
            c,
            { maskedAccountNo: check.maskedAccountNo, amountMinor: check.amountMinor, transactionEventId: check.transactionEventId, occurredAt: check.transactionAt, type: check.transactionType },
            { tier: f.tierAfter, createdAt: now, ruleSetVersion: ruleSet.version, timeZone: input.calendar.timeZone },
          );
          out.fraudChecks.push(task);
          log.push(decisionEntryOf({ topic: 'fraudCheck', record: task }, entryOptions));
          continue;
        }
        const task = buildOutreachTask(issued, { tier: f.tierAfter, createdAt: now, ruleSetVersion: ruleSet.version });
        out.outreach.push(task);
        log.push(decisionEntryOf({ topic: 'outreach', record: task }, entryOptions));
        if (countsAsContact(c.ruleId, c.target)) {
          const rec = contactRecordOf(issued);
          history.push(rec);
          contacts.push({ taskId: rec.taskId, ruleId: rec.ruleId, kind: rec.kind, at: rec.at });
        }
        if (!COURTESY_RULES.has(c.ruleId)) times.push(c.occurredAt);
      }
      for (const s of decision.suppressed) {
        const suppression = buildSuppression(s, { tier: f.tierAfter, createdAt: now, ruleSetVersion: ruleSet.version });
        out.suppressions.push(suppression);
        log.push(decisionEntryOf({ topic: 'suppression', record: suppression }, entryOptions));
      }
    }
    // Escalations are not watched again (at most one per original check); outreach times count for the cadence.
    const issued = times.length > 0 ? { issued: { fraudChecks: [], outreachAt: times } } : {};
    if (contacts.length > 0 || log.length > 0 || times.length > 0) out.records.push({ customerId, contacts, log, ...issued });
    if (times.length > 0) contactTimes.set(customerId, times);
  }
  return { ...out, contactTimes };
}
