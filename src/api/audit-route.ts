import type { Logger } from 'pino';
import { z } from 'zod';
import type { AuditEntry, DecisionFacts } from '../audit/entry.ts';
import type { AuditSource } from '../audit/trail.ts';
import { isCarestreamError } from '../errors.ts';
import { DEFAULT_ID_RULES, idProblem, shownId, type IdRules } from '../events/identifier.ts';
import { formatInstant, parseInstant } from '../events/time.ts';
import { careTaskStatus, type CareTask } from '../tasks/care-task-status.ts';
import { AUDIT_LIMIT, customerAuditSchema } from './audit-schemas.ts';
import { maskEvidence } from './present.ts';
import type { ApiErrorCode } from './schemas.ts';
import { authorize, type TokenSet } from './tokens.ts';
import type { ApiRequest, ApiResponse } from './router.ts';

/**
 * GET /v1/customers/{id}/audit?from=&to=&limit=&offset= (scope tasks:read):
 * the customer's decisions published in [from, to), read from the task and
 * suppression topics (src/audit/), with each task's care status now.
 */

export interface AuditApi {
  /** The trail once the service is connected; undefined before (503). */
  readonly source: () => AuditSource | undefined;
  /** The care-task status index, for each task's status; undefined: statuses are null. */
  readonly careTasks?: () => { get(taskId: string): Promise<CareTask | null> } | undefined;
  readonly now: () => number;
}

interface Options {
  readonly tokens: TokenSet;
  readonly timeZone: string;
  readonly logger: Logger;
  readonly idRules?: IdRules;
  readonly audit?: AuditApi;
}

export const AUDIT_PATH = /^\/v1\/customers\/([^/]*)\/audit$/;
const NO_STORE = { 'cache-control': 'no-store' };
const REALM = 'Bearer realm="carestream"';
const SCOPE = 'tasks:read';

const fail = (status: number, code: ApiErrorCode, message: string, headers: Record<string, string> = {}, client?: string): ApiResponse => ({
  status,
  headers: { ...NO_STORE, ...headers },
  body: { error: { code, message } },
  ...(client ? { client } : {}),
});

const instantParam = (name: string) =>
  z.string().transform((s, ctx) => {
    const t = parseInstant(s);
    if (t === undefined) {
      ctx.addIssue({ code: 'custom', message: `${name} must be an ISO-8601 instant with an offset` });
      return z.NEVER;
    }
    return t;
  });

const auditQuery = z.strictObject({
  from: instantParam('from').optional(),
  to: instantParam('to').optional(),
  limit: z.coerce.number().int().min(1).max(AUDIT_LIMIT.max).default(AUDIT_LIMIT.default),
  offset: z.coerce.number().int().min(0).default(0),
});

/** A decision as the API and `explain` show it: instants in the business time zone, evidence masked, ids checked. Pure. */
export function presentDecision(e: DecisionFacts, care: CareTask | null, now: number, timeZone: string, ids: IdRules = DEFAULT_ID_RULES) {
  const at = (ms: number) => formatInstant(ms, timeZone);
  const id = (v: string) => shownId(v, ids);
  const issued = e.decision === 'ISSUED';
  return {
    decision: e.decision,
    taskId: id(e.taskId),
    at: at(e.at),
    decidedAt: e.decidedAt === null ? null : at(e.decidedAt),
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
    channel: issued ? e.channel : null,
    dueBy: issued ? at(e.dueBy) : null,
    reason: issued ? null : e.reason,
    careStatus: issued && care ? { status: careTaskStatus(care, now), outcome: care.outcome?.outcome ?? null, outcomeAt: care.outcome ? at(care.outcome.at) : null } : null,
  };
}

/** An audit entry as GET /v1/customers/{id}/audit shows it. Pure. */
export function presentAuditEntry(e: AuditEntry, care: CareTask | null, now: number, timeZone: string, ids: IdRules = DEFAULT_ID_RULES) {
  return { ...presentDecision(e, care, now, timeZone, ids), publishedAt: formatInstant(e.publishedAt, timeZone), source: { ...e.source } };
}

/** Handles /v1/customers/{id}/audit; undefined for any other path. */
export async function handleAuditRequest(req: ApiRequest, path: string, query: URLSearchParams, o: Options): Promise<ApiResponse | undefined> {
  const m = AUDIT_PATH.exec(path);
  if (!m) return undefined;
  if (req.method !== 'GET') return fail(405, 'METHOD_NOT_ALLOWED', 'only GET is supported', { allow: 'GET' });
  const auth = authorize(o.tokens, req.authorization, SCOPE);
  if (!auth.ok && auth.status === 401) {
    const challenge = auth.reason === 'invalid' ? `${REALM}, error="invalid_token"` : REALM;
    return fail(401, 'UNAUTHORIZED', 'a valid bearer token is required', { 'www-authenticate': challenge });
  }
  if (!auth.ok) return fail(403, 'FORBIDDEN', `the token lacks the scope ${SCOPE}`, { 'www-authenticate': `${REALM}, error="insufficient_scope", scope="${SCOPE}"` }, auth.token.name);
  const client = auth.token.name;

  let customerId: string;
  try {
    customerId = decodeURIComponent(m[1]!);
  } catch {
    return fail(400, 'BAD_REQUEST', 'the customer id is not valid percent-encoding', {}, client);
  }
  const problem = idProblem(customerId, o.idRules ?? DEFAULT_ID_RULES);
  if (problem) return fail(400, 'BAD_REQUEST', `customerId: ${problem}`, {}, client);
  const q = auditQuery.safeParse(Object.fromEntries(query));
  if (!q.success) {
    const issue = q.error.issues[0]!;
    return fail(400, 'BAD_REQUEST', `${issue.path.join('.') || 'query'}: ${issue.message}`, {}, client);
  }
  const api = o.audit;
  const source = api?.source();
  if (!api || !source) return fail(503, 'UNAVAILABLE', 'the service is starting', { 'retry-after': '5' }, client);
  const now = api.now();
  // Without a start, from the start of the topics' retention; without an end, up to now.
  const from = q.data.from ?? 0;
  const to = q.data.to ?? now;
  if (from >= to) return fail(400, 'BAD_REQUEST', 'from must be before to', {}, client);

  try {
    const trail = await source.customer(customerId, { from, to });
    if (trail.unreadable > 0) o.logger.error({ endpoint: 'audit', unreadable: trail.unreadable }, 'agent API: audit records that do not decode were left out');
    const page = trail.entries.slice(q.data.offset, q.data.offset + q.data.limit);
    const index = api.careTasks?.();
    const care = await Promise.all(page.map((e) => (e.decision === 'ISSUED' && index ? index.get(e.taskId) : Promise.resolve(null))));
    const next = q.data.offset + page.length;
    const body = {
      customerId: shownId(customerId, o.idRules),
      from: formatInstant(from, o.timeZone),
      to: formatInstant(to, o.timeZone),
      total: trail.entries.length,
      offset: q.data.offset,
      nextOffset: next < trail.entries.length ? next : null,
      unreadable: trail.unreadable,
      entries: page.map((e, i) => presentAuditEntry(e, care[i] ?? null, now, o.timeZone, o.idRules)),
    };
    const r = customerAuditSchema.safeParse(body);
    if (r.success) return { status: 200, headers: NO_STORE, body: r.data, client };
    o.logger.error({ endpoint: 'audit', issues: r.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), code: i.code })) }, 'agent API: an audit response failed its schema and was not sent');
    return fail(500, 'INTERNAL', 'internal error', {}, client);
  } catch (err) {
    // Kafka that does not answer, or a range held back by an open transaction: try again, not a bug.
    o.logger.warn({ endpoint: 'audit', code: isCarestreamError(err) ? err.code : undefined, err: (err as Error).message }, 'agent API: the audit trail could not be read');
    return fail(503, 'UNAVAILABLE', 'the audit trail could not be read from Kafka now; try again', { 'retry-after': '5' }, client);
  }
}
