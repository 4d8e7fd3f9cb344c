import { formatInstant } from '../events/time.ts';
import { DEFAULT_ID_RULES, shownId, type IdRules } from '../events/identifier.ts';
import type { FeatureView } from '../state/feature-view.ts';
import type { StoredContact } from '../state/store.ts';
import { lastFourDigits, maskIdNumber } from '../tasks/masking.ts';
import { SUPPRESSED_SUFFIX, type DecisionLogEntry } from './decision-log.ts';

/**
 * What the agent API (and `carestream inspect`) show of a customer: the store's
 * records with instants as ISO-8601 in the business time zone, and nothing that
 * identifies a person. Pure functions; the schemas in ./schemas.ts check the
 * result before it leaves.
 */

const instant = (ms: number, timeZone: string): string => formatInstant(ms, timeZone);
const maybeInstant = (ms: number | null, timeZone: string): string | null => (ms === null ? null : formatInstant(ms, timeZone));

/** A feature view as `carestream inspect` prints it and GET /v1/customers/{id}/features returns it. */
export function printableFeatures(view: FeatureView, timeZone: string) {
  return {
    ...view,
    asOf: maybeInstant(view.asOf, timeZone),
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

/**
 * Evidence as an agent may see it. Rules put no identity data in evidence
 * today; this keeps it so if one ever does: values under an account-like key
 * are cut to their last four digits (as tasks show accounts), and anything
 * shaped like an ID number is masked.
 */
export function maskEvidence(evidence: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(evidence)) {
    out[k] = /account/i.test(k) ? lastFourDigits(v) : ID_NUMBER.test(v.trim()) ? maskIdNumber(v) : v;
  }
  return out;
}

export interface ContactHistory {
  readonly contacts: readonly StoredContact[];
  readonly outcomes: readonly { at: number; taskId: string; outcome: string }[];
}

const newestFirst = <T extends { at: number }>(xs: readonly T[], limit: number): T[] => [...xs].sort((a, b) => b.at - a.at).slice(0, limit);

/**
 * The recent tasks and suppressions (from the decision log, newest first), the
 * contacts counting against caps and the contact outcomes, at most `limit` of each.
 */
export function presentTasks(customerId: string, log: readonly DecisionLogEntry[], history: ContactHistory | null, limit: number, timeZone: string, ids: IdRules = DEFAULT_ID_RULES) {
  // Ids read back from Redis go through the same check as ids coming in: a
  // value stored before it (or by someone else) is shown as a stand-in.
  const id = (v: string) => shownId(v, ids);
  const common = (e: DecisionLogEntry) => ({
    at: instant(e.at, timeZone),
    kind: e.target,
    offerCode: e.offerCode,
    ruleId: e.ruleId,
    ruleVersion: e.ruleVersion,
    ruleSetVersion: e.ruleSetVersion,
    priority: e.priority,
    reasons: [...e.reasons],
    evidence: maskEvidence(e.evidence),
    tier: e.tier,
    triggerEventId: id(e.triggerEventId),
  });
  const tasks = [];
  const suppressions = [];
  for (const e of log) {
    if (e.decision === 'ISSUED') {
      if (tasks.length < limit) tasks.push({ taskId: id(e.id), ...common(e), channel: e.channel, dueBy: instant(e.dueBy, timeZone) });
    } else if (suppressions.length < limit) {
      const taskId = e.id.endsWith(SUPPRESSED_SUFFIX) ? e.id.slice(0, -SUPPRESSED_SUFFIX.length) : e.id;
      suppressions.push({ taskId: id(taskId), ...common(e), reason: e.reason });
    }
  }
  return {
    customerId: id(customerId),
    tasks,
    suppressions,
    contacts: newestFirst(history?.contacts ?? [], limit).map((c) => ({ taskId: id(c.taskId), ruleId: c.ruleId, kind: c.kind, at: instant(c.at, timeZone) })),
    outcomes: newestFirst(history?.outcomes ?? [], limit).map((o) => ({ taskId: o.taskId ? id(o.taskId) : null, outcome: o.outcome, at: instant(o.at, timeZone) })),
  };
}
