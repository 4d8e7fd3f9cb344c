import type { CustomerTier, InteractionChannel, OutreachKind, Priority, SuppressionReason } from '../events/types.ts';
import type { PolicyConfig } from '../rules/config.ts';
import type { Candidate, ProfileFacts } from '../rules/types.ts';
import { taskIdFor } from '../tasks/task-id.ts';
import { suggestChannel } from './channel.ts';

const DAY_MS = 86_400_000;

/** A task issued earlier for the customer (fraud checks included; suppressions are not contacts). */
export interface ContactRecord {
  readonly taskId: string;
  readonly ruleId: string;
  readonly kind: OutreachKind | 'FRAUD_CHECK';
  /** Event time of the task's trigger. */
  readonly at: number;
}

export interface IssuedCandidate {
  readonly candidate: Candidate;
  readonly taskId: string;
  readonly channel: InteractionChannel;
}

export interface SuppressedCandidate {
  readonly candidate: Candidate;
  /** The id the task would have had (evidence for "why did nobody call"). */
  readonly taskId: string;
  readonly reason: SuppressionReason;
  readonly evidence: Readonly<Record<string, string>>;
}

export interface Decision {
  /** In decision order (priority, then rule id). */
  readonly issued: readonly IssuedCandidate[];
  readonly suppressed: readonly SuppressedCandidate[];
}

export interface PolicyFacts {
  readonly profile: ProfileFacts | null;
  /** The customer's tier at the event (after it). */
  readonly tier: CustomerTier;
}

/** Kinds the contact policy never holds back. */
export const SERVICE_KINDS: ReadonlySet<string> = new Set<OutreachKind>(['RETENTION', 'RISK_REASSESSMENT', 'SUITABILITY_REVIEW', 'SERVICE_RECOVERY']);
/** Kinds subject to consent, cool-down and the contact cap. */
export const VALUE_KINDS: ReadonlySet<string> = new Set<OutreachKind>(['LIFE_STAGE_OFFER', 'GROWTH_PLAN', 'VIP_UPGRADE', 'CARE']);

export const isValueContact = (kind: OutreachKind | 'FRAUD_CHECK'): boolean => VALUE_KINDS.has(kind);

/**
 * Courtesies (the birthday greeting): always issued, and they neither count
 * against caps and cool-downs nor as a cadence contact.
 */
export const COURTESY_RULES: ReadonlySet<string> = new Set(['birthday-greeting']);
/** Rules whose own schedule is their cool-down (the care cadence fires only after N days without contact, POTENTIAL every 14). */
export const NO_COOLDOWN_RULES: ReadonlySet<string> = new Set(['care-cadence']);

/** Whether an issued task counts as a value contact for caps and cool-downs. */
export const countsAsContact = (ruleId: string, kind: OutreachKind | 'FRAUD_CHECK'): boolean => isValueContact(kind) && !COURTESY_RULES.has(ruleId);

const PRIORITY_RANK: Readonly<Record<Priority, number>> = { P1: 1, P2: 2, P3: 3, P4: 4 };

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Priority order: P1 first, then rule id, then task id (a total order). */
function byPriority(a: { c: Candidate; id: string }, b: { c: Candidate; id: string }): number {
  return PRIORITY_RANK[a.c.priority] - PRIORITY_RANK[b.c.priority] || cmp(a.c.ruleId, b.c.ruleId) || cmp(a.id, b.id);
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The latest record (ties: the smallest task id), for evidence. */
function latest(records: readonly ContactRecord[]): ContactRecord | undefined {
  let best: ContactRecord | undefined;
  for (const r of records) {
    if (!best || r.at > best.at || (r.at === best.at && r.taskId < best.taskId)) best = r;
  }
  return best;
}

/**
 * The contact policy of RULE-SEMANTICS.md for the candidates of one event.
 *
 * Candidates are taken in priority order (P1 first, then rule id). Fraud
 * checks, service/risk kinds and courtesies (COURTESY_RULES) are always
 * issued; a courtesy never counts for later candidates. care-cadence has no
 * COOLDOWN (NO_COOLDOWN_RULES: its cadence is its cool-down). A value contact is, in this
 * order: NO_CONSENT without marketing consent (CARE exempt; no profile means
 * no consent); COOLDOWN if the same rule issued a task in the `cooldownDays`
 * before the candidate's occurredAt; CONTACT_CAP if any value contact was
 * issued within the tier's window before it; else issued — and then it counts
 * for the next candidates of this call. Windows are half-open: a record counts
 * when `occurredAt - at < N days`, so one exactly N days earlier no longer
 * holds a contact back (at most one contact in any N-day span).
 *
 * Replay determinism: a history record counts for a candidate only when it is
 * strictly earlier (`at < occurredAt`) or at the same instant with a smaller
 * task id; and records whose task id is one of this call's candidates' ids
 * never count — they are this very event's tasks, recorded by an earlier run
 * of the same decision (a replay after a crash), and this call re-derives them.
 * Deciding again with the first run's issued tasks in the history therefore
 * gives the same decisions and the same evidence.
 */
export function decide(
  candidates: readonly Candidate[],
  history: readonly ContactRecord[],
  facts: PolicyFacts,
  policy: PolicyConfig,
): Decision {
  const ordered = candidates.map((c) => ({ c, id: taskIdFor(c) })).sort(byPriority);
  const ownIds = new Set(ordered.map((x) => x.id));
  const past = history.filter((r) => !ownIds.has(r.taskId) && !COURTESY_RULES.has(r.ruleId));
  /** Value contacts issued by this call so far. */
  const issuedNow: ContactRecord[] = [];

  const issued: IssuedCandidate[] = [];
  const suppressed: SuppressedCandidate[] = [];
  const suppress = (c: Candidate, taskId: string, reason: SuppressionReason, evidence: Record<string, string>) =>
    suppressed.push(Object.freeze({ candidate: c, taskId, reason, evidence: Object.freeze(evidence) }));

  for (const { c, id } of ordered) {
    const issue = () => issued.push(Object.freeze({ candidate: c, taskId: id, channel: suggestChannel(c.target, facts.tier, facts.profile) }));
    if (!isValueContact(c.target) || COURTESY_RULES.has(c.ruleId)) {
      issue();
      continue;
    }
    const kind = c.target as OutreachKind;

    if (kind !== 'CARE' && !facts.profile?.marketingConsent) {
      suppress(c, id, 'NO_CONSENT', facts.profile ? { marketingConsent: 'false' } : { marketingConsent: 'NONE', profile: 'MISSING' });
      continue;
    }

    const t = c.occurredAt;
    /** Records that may count for this candidate, within `days` before it. */
    const within = (days: number, pick: (r: ContactRecord) => boolean): ContactRecord[] => {
      const from = t - days * DAY_MS;
      const earlier = past.filter((r) => (r.at < t || (r.at === t && r.taskId < id)) && r.at > from && pick(r));
      const now = issuedNow.filter((r) => r.at <= t && r.at > from && pick(r));
      return [...earlier, ...now];
    };

    const sameRule = NO_COOLDOWN_RULES.has(c.ruleId) ? undefined : latest(within(policy.cooldownDays, (r) => r.ruleId === c.ruleId));
    if (sameRule) {
      suppress(c, id, 'COOLDOWN', {
        cooldownDays: String(policy.cooldownDays),
        previousTaskId: sameRule.taskId,
        previousAt: iso(sameRule.at),
      });
      continue;
    }

    const windowDays = policy.capWindowDays[facts.tier];
    const capping = latest(within(windowDays, (r) => isValueContact(r.kind)));
    if (capping) {
      suppress(c, id, 'CONTACT_CAP', {
        tier: facts.tier,
        capWindowDays: String(windowDays),
        previousTaskId: capping.taskId,
        previousRuleId: capping.ruleId,
        previousKind: capping.kind,
        previousAt: iso(capping.at),
      });
      continue;
    }

    issue();
    issuedNow.push({ taskId: id, ruleId: c.ruleId, kind, at: t });
  }
  return Object.freeze({ issued: Object.freeze(issued), suppressed: Object.freeze(suppressed) });
}

/** The contact record of an issued candidate, for the caller's contact history. */
export function contactRecordOf(i: IssuedCandidate): ContactRecord {
  return Object.freeze({ taskId: i.taskId, ruleId: i.candidate.ruleId, kind: i.candidate.target, at: i.candidate.occurredAt });
}
