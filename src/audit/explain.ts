import { customerAuditSchema } from '../api/audit-schemas.ts';
import { presentAuditEntry, presentDecision } from '../api/audit-route.ts';
import { featuresSchema, tasksSchema, type FeaturesBody } from '../api/schemas.ts';
import { presentTasks, presentTimers, printableFeatures, type ContactHistory, type CustomerTimers } from '../api/present.ts';
import { DEFAULT_ID_RULES, type IdRules } from '../events/identifier.ts';
import { formatInstant } from '../events/time.ts';
import { DECISION_DEFAULTS } from '../options.ts';
import type { FeatureView } from '../state/feature-view.ts';
import type { DecisionLog } from '../state/store.ts';
import type { CareTask } from '../tasks/care-task-status.ts';
import { taskIdOfEntry } from '../tasks/decision-log.ts';
import { formatAmountMinor } from '../tasks/format.ts';
import type { AgentApiClient } from './api-client.ts';
import type { AuditRange } from './reader.ts';
import type { CustomerTrail } from './trail.ts';

/**
 * What `carestream explain` shows, gathered one of three ways — through the
 * agent API (a token, no Kafka or Redis credentials), from Redis (the
 * decision log, as before the audit trail), or from Redis and the task and
 * suppression topics (a range without the API) — into one shape, the API's,
 * and rendered by one pure function.
 */

export type ShownDecision = ReturnType<typeof presentDecision> & {
  readonly publishedAt: string | null;
  /** Restored into the Redis decision log from the task topics after Redis lost its data. */
  readonly restored: boolean;
};

export interface ExplainView {
  readonly customerId: string;
  readonly features: ReturnType<typeof printableFeatures> | FeaturesBody | null;
  /** Newest first. */
  readonly decisions: readonly ShownDecision[];
  readonly unreadable: number;
  readonly contacts: readonly { readonly taskId: string; readonly ruleId: string; readonly kind: string; readonly at: string }[];
  readonly outcomes: readonly { readonly taskId: string | null; readonly outcome: string; readonly at: string }[];
  /** Where the decisions come from. */
  readonly origin: 'agent API (task and suppression topics)' | 'task and suppression topics' | 'Redis decision log (latest 50)';
  readonly range: { readonly from: string; readonly to: string } | null;
  /** Timers on: what is due when, and the fraud checks watched for an answer (absent when the customer has none). */
  readonly timers?: readonly { readonly what: string; readonly due: string; readonly ref: string | null }[];
  readonly watchedChecks?: readonly { readonly taskId: string; readonly dueBy: string; readonly status: string; readonly closedAt: string | null }[];
}

const TIMER_MEANING: Readonly<Record<string, string>> = {
  TIER: "tier judged again at the day's close",
  CADENCE: 'care cadence: no contact for the tier\'s days',
  BIRTHDAY: 'birthday greeting',
  FRAUD_SLA: 'fraud-check deadline',
};

const CONTACTS = DECISION_DEFAULTS.logSize;

/** Through the agent API: features, contacts and outcomes, and the audit trail of the range (every page). */
export async function explainViaApi(api: AgentApiClient, customerId: string, range: Partial<AuditRange>, timeZone: string): Promise<ExplainView> {
  const c = `v1/customers/${encodeURIComponent(customerId)}`;
  const query = new URLSearchParams();
  if (range.from !== undefined) query.set('from', formatInstant(range.from, timeZone));
  if (range.to !== undefined) query.set('to', formatInstant(range.to, timeZone));
  query.set('limit', '500');
  const [features, tasks] = await Promise.all([api.get(`${c}/features`, featuresSchema), api.get(`${c}/tasks?limit=${CONTACTS}`, tasksSchema)]);
  const decisions: ShownDecision[] = [];
  let unreadable = 0;
  let from = '';
  let to = '';
  for (let offset: number | null = 0; offset !== null; ) {
    query.set('offset', String(offset));
    const page = await api.get(`${c}/audit?${query}`, customerAuditSchema);
    if (!page) break;
    ({ from, to } = page);
    unreadable = page.unreadable;
    for (const e of page.entries) {
      const { source: _source, ...shown } = e;
      decisions.push({ ...shown, restored: false });
    }
    offset = page.nextOffset;
  }
  return {
    customerId,
    features,
    decisions: decisions.reverse(),
    unreadable,
    contacts: tasks?.contacts ?? [],
    outcomes: tasks?.outcomes ?? [],
    ...shownTimers(tasks),
    origin: 'agent API (task and suppression topics)',
    range: { from, to },
  };
}

export interface DirectSources {
  readonly features: FeatureView | null;
  readonly history: ContactHistory | null;
  /** The Redis decision log (no range asked for), or the trail of the range from the topics. */
  readonly decisions: { readonly log: DecisionLog } | { readonly trail: CustomerTrail; readonly range: AuditRange };
  /** Care-task records by task id (from the care-task index). */
  readonly care: ReadonlyMap<string, CareTask>;
  readonly now: number;
  /** The customer's pending timers and watched fraud checks, when the state holds any. */
  readonly timers?: CustomerTimers;
}

/** Timers and watched checks for the view, left out when there are none (as the CLI's own read does). */
function shownTimers(t: Pick<ExplainView, 'timers' | 'watchedChecks'> | null): Pick<ExplainView, 'timers' | 'watchedChecks'> {
  return t && ((t.timers?.length ?? 0) > 0 || (t.watchedChecks?.length ?? 0) > 0) ? { timers: t.timers ?? [], watchedChecks: t.watchedChecks ?? [] } : {};
}

/** From what the CLI read itself (Redis, and the topics for a range). Pure. */
export function explainDirect(customerId: string, s: DirectSources, timeZone: string, ids: IdRules = DEFAULT_ID_RULES): ExplainView {
  const shown = presentTasks(customerId, [], s.history, CONTACTS, timeZone, ids);
  const base = { customerId, features: s.features && printableFeatures(s.features, timeZone), contacts: shown.contacts, outcomes: shown.outcomes, ...shownTimers(s.timers ? presentTimers(s.timers, timeZone, ids) : null) };
  if ('log' in s.decisions) {
    const decisions = s.decisions.log.entries.map((e) => {
      const taskId = taskIdOfEntry(e);
      return { ...presentDecision({ ...e, taskId }, s.care.get(taskId) ?? null, s.now, timeZone, ids), publishedAt: null, restored: e.restored };
    });
    return { ...base, decisions, unreadable: s.decisions.log.unreadable, origin: 'Redis decision log (latest 50)', range: null };
  }
  const decisions = s.decisions.trail.entries.map((e) => {
    const { source: _source, ...rest } = presentAuditEntry(e, s.care.get(e.taskId) ?? null, s.now, timeZone, ids);
    return { ...rest, restored: false };
  });
  return {
    ...base,
    decisions: decisions.reverse(),
    unreadable: s.decisions.trail.unreadable,
    origin: 'task and suppression topics',
    range: { from: formatInstant(s.decisions.range.from, timeZone), to: formatInstant(s.decisions.range.to, timeZone) },
  };
}

/** The view as lines for people (the caller escapes them for the terminal). Pure. */
export function explainLines(v: ExplainView): string[] {
  const money = (minor: number) => `${formatAmountMinor(minor)} CNY`;
  const t = (s: string | null) => s ?? '—';
  const known = (s: string | null) => s ?? 'not recorded';
  const lines: string[] = [];
  const f = v.features;
  if (f) {
    lines.push(`customer ${v.customerId} — tier ${f.tier}, features as of ${t(f.asOf)}`);
    lines.push(`  assets ${money(f.assetsMinor)} (deposits ${money(f.depositsMinor)}, holdings ${money(f.holdingsMinor)})`);
    lines.push(`  30-day average ${money(f.avg30Minor)}; 180 days earlier ${money(f.avg30AgoMinor)}`);
    lines.push(`  outflows last hour ${f.outflow1h.count} / ${money(f.outflow1h.sumMinor)}, last 24 h ${f.outflow24h.count} / ${money(f.outflow24h.sumMinor)}; largest in 90 days ${money(f.maxOutflow90dMinor)}`);
    lines.push(`  high-risk streak ${f.highRiskStreak}; mortgage interest (30 days) ${f.mortgageInterest30d}; counterparties (90 days) ${f.counterparties90d}`);
    const p = f.profile;
    lines.push(p
      ? `  profile: consent ${p.marketingConsent ? 'yes' : 'NO'}, age ${p.age ?? 'unknown'}, risk tolerance ${p.riskTolerance ?? 'none'} (assessed ${t(p.riskAssessedAt)}), preferred channels ${p.preferredChannels.join(', ') || 'none'}`
      : '  profile: not received — no marketing consent is assumed');
  } else {
    lines.push(`customer ${v.customerId} — no features are kept for this customer now`);
  }
  lines.push('');
  const where = v.range ? `published from ${v.range.from} to ${v.range.to}, from the ${v.origin}` : `from the ${v.origin}`;
  lines.push(v.decisions.length === 0 ? `no tasks or suppressions ${where}` : `decisions ${where}, newest first (${v.decisions.length}):`);
  if (v.unreadable > 0) lines.push(`  (${v.unreadable} records do not match their schema and are not shown)`);
  for (const e of v.decisions) {
    const what = `${e.kind}${e.offerCode ? ` ${e.offerCode}` : ''} by ${e.ruleId} v${e.ruleVersion} (rule set ${e.ruleSetVersion})`;
    const care = e.careStatus
      ? `; status ${e.careStatus.status}${e.careStatus.outcome ? ` (${e.careStatus.outcome} at ${e.careStatus.outcomeAt})` : ''}`
      : '; status not in the care-task index';
    const head = e.decision === 'ISSUED'
      ? `ISSUED      ${what}, ${known(e.priority)}, via ${known(e.channel)}, due ${t(e.dueBy)}${care}`
      : `SUPPRESSED  ${what}: ${e.reason}`;
    lines.push(`  ${e.at}  ${head}`);
    lines.push(`      task ${e.taskId || '—'}; trigger ${known(e.triggerEventId)}; reasons ${e.reasons === null ? 'not recorded' : e.reasons.join(', ') || '—'}; tier ${known(e.tier)}${e.restored ? '; restored from the task topics' : ''}`);
    lines.push(`      evidence ${Object.entries(e.evidence).map(([k, val]) => `${k}=${val}`).join(', ')}`);
    if (e.publishedAt) lines.push(`      decided ${t(e.decidedAt)}, published ${e.publishedAt}`);
  }
  if (v.contacts.length > 0) {
    lines.push('', 'value contacts counting against caps and cool-downs:');
    for (const c of v.contacts) lines.push(`  ${c.at}  ${c.kind} by ${c.ruleId} (${c.taskId})`);
  }
  if (v.outcomes.length > 0) {
    lines.push('', 'contact outcomes:');
    for (const o of v.outcomes) lines.push(`  ${o.at}  ${o.outcome} for ${o.taskId ?? '(no task id)'}`);
  }
  if (v.timers && v.timers.length > 0) {
    lines.push('', 'pending timers:');
    for (const x of v.timers) lines.push(`  ${x.due}  ${x.what} (${TIMER_MEANING[x.what] ?? x.what})${x.ref ? ` for ${x.ref}` : ''}`);
  }
  if (v.watchedChecks && v.watchedChecks.length > 0) {
    lines.push('', 'fraud checks watched for an answer:');
    for (const c of v.watchedChecks) lines.push(`  ${c.taskId} due ${c.dueBy}: ${c.status}${c.closedAt ? ` at ${c.closedAt}` : ''}`);
  }
  return lines;
}
