import type { FraudCheckTask, OutreachKind, OutreachTask, Suppression } from '../events/types.ts';
import { evaluateRules } from '../rules/index.ts';
import type { RuleSet } from '../rules/config.ts';
import type { ProfileFacts, RuleContext, TriggerEvent } from '../rules/types.ts';
import { COURTESY_RULES, decide, countsAsContact, contactRecordOf, type ContactRecord } from '../policy/contact-policy.ts';
import type { IssuedFraudCheck } from '../features/timers.ts';
import { buildFraudCheckTask, buildOutreachTask, buildSuppression } from '../tasks/index.ts';
import type { BusinessCalendar } from '../state/calendar.ts';
import type { StoreRecord } from '../state/encode.ts';
import type { CustomerFacts, DecisionRecord, Outcome, StoredContact } from '../state/store.ts';
import { tierOf } from '../state/tier.ts';
import { decisionEntryOf, type DecisionLogEntry, type EntryOptions } from '../tasks/decision-log.ts';
import { dueHoursIn } from './restore-contacts.ts';

export interface DecideInput {
  readonly applied: readonly { record: StoreRecord; outcome: Outcome }[];
  readonly customers: ReadonlyMap<string, CustomerFacts>;
  readonly ruleSet: RuleSet;
  readonly calendar: BusinessCalendar;
  readonly now: number;
  /**
   * Timers on (issue 13): a tier edge is judged at a day's close against the
   * tier as last evaluated (a TIER timer), so an event's rules see that tier
   * before and after; and each customer's issued fraud checks and outreach
   * times come back in `issued`, for the state to watch and count.
   */
  readonly timers?: boolean;
}

export interface Decisions {
  readonly fraudChecks: FraudCheckTask[];
  readonly outreach: OutreachTask[];
  readonly suppressions: Suppression[];
  /** Per customer: value contacts to remember and decision-log entries. */
  readonly records: DecisionRecord[];
}

/** The rules' profile facts from what the store returned (null before a profile). */
export function profileFacts(facts: CustomerFacts | undefined, age: number | null): ProfileFacts | null {
  const p = facts?.profile;
  if (!p) return null;
  return {
    marketingConsent: p.marketingConsent,
    age,
    riskTolerance: p.riskTolerance,
    riskAssessedAt: p.riskAssessedAt,
    preferredChannels: p.preferredChannels,
    hasRelationshipManager: p.hasRelationshipManager,
  };
}

/**
 * The rules and the contact policy over a batch's applied events, in order,
 * customer by customer. Pure: everything it needs came back from the feature
 * store with the batch, so replaying a batch gives the same tasks.
 */
export function decideBatch(input: DecideInput): Decisions {
  const out: Decisions = { fraudChecks: [], outreach: [], suppressions: [], records: [] };
  type EventRecord = Exclude<StoreRecord, { kind: 'profile' }>;
  const byCustomer = new Map<string, { record: EventRecord; outcome: Outcome }[]>();
  for (const a of input.applied) {
    const record = a.record;
    if (record.kind === 'profile' || !a.outcome.before || !a.outcome.after) continue;
    const id = record.event.customerId;
    let list = byCustomer.get(id);
    if (!list) byCustomer.set(id, (list = []));
    list.push({ record, outcome: a.outcome });
  }
  const { ruleSet, now } = input;
  // Entries are built from the published records, as a rebuild restores them (src/tasks/decision-log.ts).
  const entryOptions: EntryOptions = { restored: false, dueHoursOf: dueHoursIn(ruleSet) };
  for (const [customerId, items] of byCustomer) {
    const facts = input.customers.get(customerId);
    const history: ContactRecord[] = (facts?.contacts ?? []).map((c) => ({ ...c, kind: c.kind as OutreachKind }));
    const contacts: StoredContact[] = [];
    const log: DecisionLogEntry[] = [];
    const checks: IssuedFraudCheck[] = [];
    const outreachAt: number[] = [];
    for (const { record, outcome } of items) {
      const before = outcome.before!;
      const after = outcome.after!;
      const ts = record.event.occurredAt;
      const trigger = (record.kind === 'transaction' ? { kind: 'transaction', event: record.event } : { kind: 'channel', event: record.event }) as TriggerEvent;
      const profile = profileFacts(facts, after.age);
      const evaluated = input.timers ? (outcome.tier ?? 'ORDINARY') : undefined;
      const tierAfter = evaluated ?? tierOf(after.avg30Minor, after.avg30AgoMinor, ruleSet.tiers);
      const ctx: RuleContext = {
        trigger,
        before,
        after,
        profile,
        tierBefore: evaluated ?? tierOf(before.avg30Minor, before.avg30AgoMinor, ruleSet.tiers),
        tierAfter,
        day: input.calendar.day(ts),
        month: input.calendar.month(ts),
      };
      const candidates = evaluateRules(ctx, ruleSet);
      if (candidates.length === 0) continue;
      const decision = decide(candidates, history, { profile, tier: tierAfter }, ruleSet.policy);
      const tx = record.kind === 'transaction' ? record.event : null;
      const source = tx && { maskedAccountNo: tx.maskedAccountNo, amountMinor: tx.amountMinor, transactionEventId: tx.eventId, occurredAt: tx.occurredAt, type: tx.type === 'WITHDRAWAL' ? ('WITHDRAWAL' as const) : ('TRANSFER_OUT' as const) };
      const built = recordDecision(decision, source, { tier: tierAfter, now, ruleSet, timeZone: input.calendar.timeZone, entryOptions }, { out, log, history, contacts, outreachAt });
      for (const task of built) {
        checks.push({ taskId: task.taskId, dueBy: task.dueBy, transactionEventId: source!.transactionEventId, transactionType: source!.type, transactionAt: source!.occurredAt, amountMinor: source!.amountMinor, maskedAccountNo: source!.maskedAccountNo });
      }
    }
    const issued = input.timers && checks.length + outreachAt.length > 0 ? { issued: { fraudChecks: checks, outreachAt } } : {};
    if (contacts.length > 0 || log.length > 0 || 'issued' in issued) out.records.push({ customerId, contacts, log, ...issued });
  }
  return out;
}

/** The transaction a fraud check is about, as buildFraudCheckTask takes it. */
export type FraudCheckSource = Parameters<typeof buildFraudCheckTask>[1];

/** Where one customer's decisions go: the chunk's outputs and the customer's record of them. */
export interface DecisionSinks {
  readonly out: Decisions;
  readonly log: DecisionLogEntry[];
  /** The contact history the policy reads; an issued contact joins it for the customer's next decision. */
  readonly history: ContactRecord[];
  readonly contacts: StoredContact[];
  /** Trigger times of issued outreach that is not a courtesy (what the cadence counts). */
  readonly outreachAt: number[];
}

/**
 * Turns the contact policy's decision into tasks, suppressions, decision-log
 * entries and contacts, the same for an event and for a timer. A fraud check
 * needs its transaction (`source`); without one it is not issued. Returns the
 * fraud checks built, for the caller to watch or not.
 */
export function recordDecision(
  decision: ReturnType<typeof decide>,
  source: FraudCheckSource | null,
  o: { readonly tier: Parameters<typeof buildOutreachTask>[1]['tier']; readonly now: Parameters<typeof buildOutreachTask>[1]['createdAt']; readonly ruleSet: RuleSet; readonly timeZone: string; readonly entryOptions: EntryOptions },
  sinks: DecisionSinks,
): FraudCheckTask[] {
  const { out, log, history, contacts, outreachAt } = sinks;
  const built: FraudCheckTask[] = [];
  const meta = { tier: o.tier, createdAt: o.now, ruleSetVersion: o.ruleSet.version };
  for (const issued of decision.issued) {
    const c = issued.candidate;
    if (c.target === 'FRAUD_CHECK') {
      if (!source) continue;
      const task = buildFraudCheckTask(c, source, { ...meta, timeZone: o.timeZone });
      out.fraudChecks.push(task);
      log.push(decisionEntryOf({ topic: 'fraudCheck', record: task }, o.entryOptions));
      built.push(task);
      continue;
    }
    const task = buildOutreachTask(issued, meta);
    out.outreach.push(task);
    log.push(decisionEntryOf({ topic: 'outreach', record: task }, o.entryOptions));
    if (countsAsContact(c.ruleId, c.target)) {
      const rec = contactRecordOf(issued);
      history.push(rec);
      contacts.push({ taskId: rec.taskId, ruleId: rec.ruleId, kind: rec.kind, at: rec.at });
    }
    if (!COURTESY_RULES.has(c.ruleId)) outreachAt.push(c.occurredAt);
  }
  for (const s of decision.suppressed) {
    const suppression = buildSuppression(s, meta);
    out.suppressions.push(suppression);
    log.push(decisionEntryOf({ topic: 'suppression', record: suppression }, o.entryOptions));
  }
  return built;
}
