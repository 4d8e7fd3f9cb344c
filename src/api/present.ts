import { formatInstant } from '../events/time.ts';
import { DEFAULT_ID_RULES, shownId, type IdRules } from '../events/identifier.ts';
import type { CustomerTimers } from '../state/shard-state.ts';
import type { FeatureView } from '../state/feature-view.ts';
import type { StoredContact } from '../state/store.ts';
export type { CustomerTimers } from '../state/shard-state.ts';
import { lastFourDigits, maskIdNumber } from '../tasks/masking.ts';
import { taskIdOfEntry, type DecisionLogEntry } from '../tasks/decision-log.ts';

/**
 * What the agent API (and `carestream inspect`) show of a customer: the store's
 * records with instants as ISO-8601 in the business time zone, and nothing that
 * identifies a person. Pure functions; the schemas in ./schemas.ts check the
 * result before it leaves.
 */

const instant = (ms: number, timeZone: string): string => formatInstant(ms, timeZone);
const maybeInstant = (ms: number | null, timeZone: string): string | null => (ms === null ? null : formatInstant(ms, timeZone));

/**
 * An amount as the API shows it: the stored integer, or — for a value no
 * check could have let in (written before MAX_AMOUNT_MINOR, or beyond 2^53
 * by float arithmetic) — the nearest safe integer, so a stored value never
 * turns a response into a 500.
 */
export function exactMinor(n: number): number {
  if (Number.isSafeInteger(n)) return n;
  if (Number.isNaN(n)) return 0;
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.trunc(n)));
}

const exactTally = (t: { sumMinor: number; count: number }) => ({ sumMinor: exactMinor(t.sumMinor), count: exactMinor(t.count) });

/** A feature view as `carestream inspect` prints it and GET /v1/customers/{id}/features returns it. */
export function printableFeatures(view: FeatureView, timeZone: string) {
  return {
    ...view,
    asOf: maybeInstant(view.asOf, timeZone),
    depositsMinor: exactMinor(view.depositsMinor),
    holdingsMinor: exactMinor(view.holdingsMinor),
    assetsMinor: exactMinor(view.assetsMinor),
    avg30Minor: exactMinor(view.avg30Minor),
    avg30AgoMinor: exactMinor(view.avg30AgoMinor),
    outflow1h: exactTally(view.outflow1h),
    outflow24h: exactTally(view.outflow24h),
    newCounterpartyOutflow1h: exactTally(view.newCounterpartyOutflow1h),
    maxOutflow90dMinor: exactMinor(view.maxOutflow90dMinor),
    lastInvestmentAt: maybeInstant(view.lastInvestmentAt, timeZone),
    profile: view.profile && {
      ...view.profile,
      riskAssessedAt: maybeInstant(view.profile.riskAssessedAt, timeZone),
      updatedAt: instant(view.profile.updatedAt, timeZone),
    },
  };
}

/** An 18-character (or old 15-digit) resident ID number, standing alone. */
const ID_NUMBER = /^(?:\d{17}[\dXx]|\d{15})$/;
/** A run of digits as long as an ID or a full account number. */
const LONG_DIGITS = /\d{15,}/g;

/** An amount in evidence: a key ending in `Minor` holding an integer, which may well have 15 or more digits. */
export const isAmountEvidence = (key: string, value: string): boolean => /Minor$/.test(key) && /^-?\d{1,16}$/.test(value);

/**
 * Evidence as an agent may see it. Rules put no identity data in evidence
 * today; this keeps it so if one ever does: values under an account-like key
 * are cut to their last four digits (as tasks show accounts), anything shaped
 * like an ID number is masked, and any other run of 15 or more digits is cut
 * to its last four like an account — except amounts, which are numbers the
 * rules computed.
 */
export function maskEvidence(evidence: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(evidence)) {
    if (/account/i.test(k)) out[k] = lastFourDigits(v);
    else if (isAmountEvidence(k, v)) out[k] = v;
    else if (ID_NUMBER.test(v.trim())) out[k] = maskIdNumber(v);
    else out[k] = v.replace(LONG_DIGITS, (run) => `${'*'.repeat(run.length - 4)}${run.slice(-4)}`);
  }
  return out;
}

export interface ContactHistory {
  readonly contacts: readonly StoredContact[];
  readonly outcomes: readonly { at: number; taskId: string; outcome: string }[];
}

const newestFirst = <T extends { at: number }>(xs: readonly T[], limit: number): T[] => [...xs].sort((a, b) => b.at - a.at).slice(0, limit);

/** Pending timers (what is due when) and watched fraud checks (open, answered, escalated), in due order as kept. */
export function presentTimers(t: CustomerTimers | null, timeZone: string, ids: IdRules = DEFAULT_ID_RULES) {
  const id = (v: string) => shownId(v, ids);
  return {
    timers: (t?.pending ?? []).map((x) => ({ what: x.what, due: instant(x.dueAt, timeZone), ref: x.ref === undefined ? null : id(x.ref) })),
    watchedChecks: (t?.checks ?? []).map((c) => ({ taskId: id(c.taskId), dueBy: instant(c.dueBy, timeZone), status: c.status, closedAt: c.closedAt === undefined ? null : instant(c.closedAt, timeZone) })),
  };
}

/**
 * The recent tasks and suppressions (from the decision log, newest first), the
 * contacts counting against caps and the contact outcomes, at most `limit` of each.
 */
export function presentTasks(customerId: string, log: readonly DecisionLogEntry[], history: ContactHistory | null, limit: number, timeZone: string, ids: IdRules = DEFAULT_ID_RULES, timers: CustomerTimers | null = null) {
  // Ids read back from Redis go through the same check as ids coming in: a
  // value stored before it (or by someone else) is shown as a stand-in.
  const id = (v: string) => shownId(v, ids);
  const common = (e: DecisionLogEntry) => ({
    at: instant(e.at, timeZone),
    decidedAt: maybeInstant(e.decidedAt, timeZone),
    kind: e.target,
    offerCode: e.offerCode,
    ruleId: e.ruleId,
    ruleVersion: e.ruleVersion,
    ruleSetVersion: e.ruleSetVersion,
    priority: e.priority,
    reasons: e.reasons === null ? null : [...e.reasons],
    evidence: maskEvidence(e.evidence),
    tier: e.tier,
    triggerEventId: e.triggerEventId === null ? null : id(e.triggerEventId),
  });
  const tasks = [];
  const suppressions = [];
  for (const e of log) {
    if (e.decision === 'ISSUED') {
      if (tasks.length < limit) tasks.push({ taskId: id(e.id), ...common(e), channel: e.channel, dueBy: instant(e.dueBy, timeZone) });
    } else if (suppressions.length < limit) {
      suppressions.push({ taskId: id(taskIdOfEntry(e)), ...common(e), reason: e.reason });
    }
  }
  return {
    customerId: id(customerId),
    tasks,
    suppressions,
    contacts: newestFirst(history?.contacts ?? [], limit).map((c) => ({ taskId: id(c.taskId), ruleId: c.ruleId, kind: c.kind, at: instant(c.at, timeZone) })),
    outcomes: newestFirst(history?.outcomes ?? [], limit).map((o) => ({ taskId: o.taskId ? id(o.taskId) : null, outcome: o.outcome, at: instant(o.at, timeZone) })),
    ...presentTimers(timers, timeZone, ids),
  };
}
