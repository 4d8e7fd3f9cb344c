import type { OutreachKind } from '../events/types.ts';
import type { BusinessCalendar } from '../features/calendar.ts';
import type { FiredTimer } from '../features/timers.ts';
import { decide, type ContactRecord } from '../policy/contact-policy.ts';
import type { RuleSet } from '../rules/config.ts';
import { evaluateRules } from '../rules/index.ts';
import { timerContext } from '../rules/time-context.ts';
import type { CustomerFacts, StoredContact } from '../state/store.ts';
import type { DecisionLogEntry, EntryOptions } from '../tasks/decision-log.ts';
import { profileFacts, recordDecision, type Decisions } from './decide.ts';
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
      const check = f.check && { maskedAccountNo: f.check.maskedAccountNo, amountMinor: f.check.amountMinor, transactionEventId: f.check.transactionEventId, occurredAt: f.check.transactionAt, type: f.check.transactionType };
      // Escalations are issued but not watched again: the fraud checks built are not kept.
      recordDecision(decision, check ?? null, { tier: f.tierAfter, now, ruleSet, timeZone: input.calendar.timeZone, entryOptions }, { out, log, history, contacts, outreachAt: times });
    }
    // Escalations are not watched again (at most one per original check); outreach times count for the cadence.
    const issued = times.length > 0 ? { issued: { fraudChecks: [], outreachAt: times } } : {};
    if (contacts.length > 0 || log.length > 0 || times.length > 0) out.records.push({ customerId, contacts, log, ...issued });
    if (times.length > 0) contactTimes.set(customerId, times);
  }
  return { ...out, contactTimes };
}
