// The pipeline with timers, without I/O: what a shard is to do once
// it runs on src/features (issue 13, phase 2), for tests. Per customer, in
// file order: timers due before a record fire first (decideTimers), then the
// record is applied and its event rules run; tier edges are judged only at a
// day's close (by TIER timers), so on an event both tiers are the tier as last
// evaluated. Issued tasks are remembered as the live path will: value contacts
// (recordContacts), outreach times and fraud checks (recordIssued).
import { TOPICS } from '../../src/events/topics.ts';
import type { ChannelEvent, CustomerProfile, FraudCheckTask, OutreachTask, Suppression, Transaction } from '../../src/events/types.ts';
import { apply, BusinessCalendar, emptyState, fireDue, recordContacts, recordIssued, schedule, type CustomerState, type FeatureRecord } from '../../src/features/index.ts';
import { decideTimers } from '../../src/pipeline/decide-timers.ts';
import { profileFacts } from '../../src/pipeline/decide.ts';
import { COURTESY_RULES, contactRecordOf, countsAsContact, decide } from '../../src/policy/contact-policy.ts';
import { evaluateRules, type RuleSet } from '../../src/rules/index.ts';
import { timerOptionsOf } from '../../src/rules/time-context.ts';
import type { RuleContext, TriggerEvent } from '../../src/rules/types.ts';
import type { CustomerFacts } from '../../src/state/store.ts';
import { buildFraudCheckTask, buildOutreachTask, buildSuppression } from '../../src/tasks/index.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2027-01-01T00:00:00Z');

export interface PipelineOutputs {
  readonly fraudChecks: FraudCheckTask[];
  readonly outreach: OutreachTask[];
  readonly suppressions: Suppression[];
}

export type InputRecord =
  | { readonly topic: typeof TOPICS.transactions; readonly value: Transaction }
  | { readonly topic: typeof TOPICS.channelEvents; readonly value: ChannelEvent }
  | { readonly topic: typeof TOPICS.customerProfiles; readonly value: CustomerProfile };

function factsOf(s: CustomerState): CustomerFacts {
  const p = s.profile;
  return {
    profile: p && { updatedAt: p.updatedAt, marketingConsent: p.marketingConsent, riskTolerance: p.riskTolerance, riskAssessedAt: p.riskAssessedAt, hasRelationshipManager: p.hasRelationshipManager, preferredChannels: p.preferredChannels },
    contacts: s.contacts,
  };
}

/** One customer's records (profile and events, in file order) through the pipeline with timers; stream time ends at `horizon`. */
export function runWithTimers(customerId: string, records: readonly InputRecord[], horizon: number, o: { ruleSet: RuleSet; timeZone: string; allowedLatenessMs: number }): PipelineOutputs {
  const calendar = new BusinessCalendar(o.timeZone);
  const fo = { calendar, allowedLatenessMs: o.allowedLatenessMs, duplicateWindowMs: 7 * DAY, babyMccs: new Set(['5641', '5945']), pseudonym: (v: string) => `p:${v}` };
  const to = timerOptionsOf(o.ruleSet, calendar);
  const out: PipelineOutputs = { fraudChecks: [], outreach: [], suppressions: [] };
  let s = emptyState();
  const offsets = { t: 0, c: 0, p: 0 };

  const remember = (contacts: { taskId: string; ruleId: string; kind: string; at: number }[], outreachAt: number[], checks: FraudCheckTask[], tx?: Transaction) => {
    s = recordContacts(s, contacts, 60 * DAY);
    s = recordIssued(s, {
      outreachAt,
      fraudChecks: checks.map((c) => ({ taskId: c.taskId, dueBy: c.dueBy, transactionEventId: c.transactionEventId, transactionType: tx?.type === 'WITHDRAWAL' ? 'WITHDRAWAL' : 'TRANSFER_OUT', transactionAt: c.triggeredAt ?? c.dueBy, amountMinor: c.amountMinor, maskedAccountNo: c.maskedAccountNo })),
    });
    s = schedule(s, to);
  };

  const fire = (until: number) => {
    const r = fireDue(s, customerId, until, to);
    s = r.state;
    if (r.fired.length === 0) return;
    const d = decideTimers({ fired: new Map([[customerId, r.fired]]), customers: new Map([[customerId, factsOf(s)]]), ruleSet: o.ruleSet, calendar, now: NOW });
    out.fraudChecks.push(...d.fraudChecks);
    out.outreach.push(...d.outreach);
    out.suppressions.push(...d.suppressions);
    // escalations are not watched again: at most one per original check
    remember(d.records.flatMap((x) => x.contacts), [...(d.contactTimes.get(customerId) ?? [])], []);
  };

  for (const rec of records) {
    let record: FeatureRecord;
    if (rec.topic === TOPICS.transactions) record = { ref: { topic: rec.topic, partition: 0, offset: offsets.t++ }, kind: 'transaction', event: rec.value };
    else if (rec.topic === TOPICS.channelEvents) record = { ref: { topic: rec.topic, partition: 0, offset: offsets.c++ }, kind: 'channel', event: rec.value };
    else record = { ref: { topic: rec.topic, partition: 0, offset: offsets.p++ }, kind: 'profile', event: rec.value };
    if (record.kind !== 'profile') fire(record.event.occurredAt - 1);
    const a = apply(s, record, fo);
    s = schedule(a.state, to);
    if (record.kind === 'profile' || a.status !== 'APPLIED' || !a.before || !a.after) continue;

    const tier = s.lastEvaluated?.tier ?? 'ORDINARY';
    const facts = factsOf(s);
    const profile = profileFacts(facts, a.after.age);
    const trigger = (record.kind === 'transaction' ? { kind: 'transaction', event: record.event } : { kind: 'channel', event: record.event }) as TriggerEvent;
    const ts = record.event.occurredAt;
    const ctx: RuleContext = { trigger, before: a.before, after: a.after, profile, tierBefore: tier, tierAfter: tier, day: calendar.day(ts), month: calendar.month(ts) };
    const candidates = evaluateRules(ctx, o.ruleSet);
    if (candidates.length === 0) continue;
    const decision = decide(candidates, s.contacts.map((c) => ({ ...c, kind: c.kind as never })), { profile, tier }, o.ruleSet.policy);
    const contacts: { taskId: string; ruleId: string; kind: string; at: number }[] = [];
    const outreachAt: number[] = [];
    const checks: FraudCheckTask[] = [];
    for (const issued of decision.issued) {
      const c = issued.candidate;
      if (c.target === 'FRAUD_CHECK') {
        if (record.kind !== 'transaction') continue;
        const tx = record.event;
        const task = buildFraudCheckTask(c, { maskedAccountNo: tx.maskedAccountNo, amountMinor: tx.amountMinor, transactionEventId: tx.eventId, occurredAt: tx.occurredAt, type: tx.type === 'WITHDRAWAL' ? 'WITHDRAWAL' : 'TRANSFER_OUT' }, { tier, createdAt: NOW, ruleSetVersion: o.ruleSet.version, timeZone: o.timeZone });
        out.fraudChecks.push(task);
        checks.push(task);
        continue;
      }
      out.outreach.push(buildOutreachTask(issued, { tier, createdAt: NOW, ruleSetVersion: o.ruleSet.version }));
      if (countsAsContact(c.ruleId, c.target)) contacts.push(contactRecordOf(issued));
      if (!COURTESY_RULES.has(c.ruleId)) outreachAt.push(c.occurredAt);
    }
    for (const x of decision.suppressed) out.suppressions.push(buildSuppression(x, { tier, createdAt: NOW, ruleSetVersion: o.ruleSet.version }));
    remember(contacts, outreachAt, checks, record.kind === 'transaction' ? record.event : undefined);
  }
  fire(horizon);
  return out;
}
