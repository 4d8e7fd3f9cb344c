import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { formatInstant, parseInstant } from '../events/time.ts';
import type { ChannelEvent } from '../events/types.ts';
import { OUTREACH_KINDS, PRIORITIES, SUPPRESSION_REASONS } from '../events/types.ts';
import { careSummary } from '../tasks/care-kpis.ts';
import { validateEvent, type InputLimits } from '../events/validate.ts';
import { TOPICS } from '../events/topics.ts';
import type { CareTaskPage, CareTaskQuery } from '../state/care-task-index.ts';
import { CARE_TASK_STATUSES, timeLeftMs, type CareTask, type CareTaskStatus } from '../tasks/care-task-status.ts';
import { DEFAULT_ID_RULES, idProblem, type IdRules } from '../events/identifier.ts';
import { careTaskQueueSchema, outcomeAcceptedSchema, outcomeRequestSchema, overviewSchema, QUEUE_LIMIT } from './care-task-schemas.ts';
import type { ApiErrorCode } from './schemas.ts';
import { authorize, type Scope, type TokenSet } from './tokens.ts';
import type { ApiRequest, ApiResponse } from './router.ts';

/**
 * The contact centre's endpoints: the care-task queue (GET /v1/tasks) and
 * posting a contact outcome (POST /v1/tasks/{taskId}/outcome). An outcome is
 * published as a CONTACT_OUTCOME channel event, keyed by the task's customer,
 * and changes the task's status only when the pipeline applies it, like any
 * event: the API never writes Redis.
 */

/** What the queue reads; CareTaskIndex is one. */
export interface CareTaskReader {
  list(q: CareTaskQuery): Promise<CareTaskPage>;
  get(taskId: string): Promise<CareTask | null>;
  all(): AsyncIterable<CareTask>;
}

/** What the overview shows besides the care tasks: this instance's readiness and suppressions. */
export interface ServiceFacts {
  readonly health: { readonly ready: boolean; readonly failing: readonly string[] };
  readonly suppressionsByReason: Readonly<Record<string, number>>;
}

export interface CareTaskApi {
  /** The status index once the service is connected; undefined before (503). */
  readonly index: () => CareTaskReader | undefined;
  /** Produces a channel event to Kafka (registry-framed Avro, keyed by customer). */
  readonly publish: (event: ChannelEvent) => Promise<void>;
  readonly now: () => number;
  /**
   * The validation settings input events are held to (config.validation: time
   * bounds, id rules, amount limit), so the API never publishes an outcome the
   * pipeline would dead-letter, nor refuses one it would apply.
   */
  readonly validation: InputLimits & { readonly maxFutureSkewMs: number; readonly maxEventAgeMs: number };
  readonly service: () => Promise<ServiceFacts>;
}

interface Options {
  readonly tokens: TokenSet;
  readonly timeZone: string;
  readonly logger: Logger;
  /** What a task id may be: the ids check of every input (src/events/identifier.ts). */
  readonly idRules?: IdRules;
  readonly careTasks?: CareTaskApi;
}

const QUEUE_PATH = '/v1/tasks';
const OVERVIEW_PATH = '/v1/overview';
const OUTCOME_PATH = /^\/v1\/tasks\/([^/]*)\/outcome$/;
const NO_STORE = { 'cache-control': 'no-store' };
const REALM = 'Bearer realm="carestream"';

const fail = (status: number, code: ApiErrorCode, message: string, headers: Record<string, string> = {}, client?: string): ApiResponse => ({
  status,
  headers: { ...NO_STORE, ...headers },
  body: { error: { code, message } },
  ...(client ? { client } : {}),
});

/** 401/403 as a response, or the accepted token's name. */
function guard(tokens: TokenSet, authorization: string | undefined, scope: Scope): { ok: true; client: string } | { ok: false; response: ApiResponse } {
  const auth = authorize(tokens, authorization, scope);
  if (auth.ok) return { ok: true, client: auth.token.name };
  if (auth.status === 401) {
    const challenge = auth.reason === 'invalid' ? `${REALM}, error="invalid_token"` : REALM;
    return { ok: false, response: fail(401, 'UNAUTHORIZED', 'a valid bearer token is required', { 'www-authenticate': challenge }) };
  }
  return { ok: false, response: fail(403, 'FORBIDDEN', `the token lacks the scope ${scope}`, { 'www-authenticate': `${REALM}, error="insufficient_scope", scope="${scope}"` }, auth.token.name) };
}

const statusList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.enum(CARE_TASK_STATUSES)).min(1));

const queueQuery = z.strictObject({
  status: statusList.default(['open', 'overdue']),
  priority: z.enum(PRIORITIES).optional(),
  kind: z.enum(['FRAUD_CHECK', ...OUTREACH_KINDS]).optional(),
  dueBefore: z
    .string()
    .transform((s, ctx) => {
      const t = parseInstant(s);
      if (t === undefined) {
        ctx.addIssue({ code: 'custom', message: 'dueBefore must be an ISO-8601 instant with an offset' });
        return z.NEVER;
      }
      return t;
    })
    .optional(),
  limit: z.coerce.number().int().min(1).max(QUEUE_LIMIT.max).default(QUEUE_LIMIT.default),
  offset: z.coerce.number().int().min(0).default(0),
});

/** A care task as the queue shows it, with its status and time left at `now`. */
export function presentCareTask(t: CareTask & { status: CareTaskStatus }, now: number, timeZone: string) {
  const at = (x: { outcome: string; at: number } | null) => x && { outcome: x.outcome, at: formatInstant(x.at, timeZone) };
  return {
    taskId: t.taskId,
    customerId: t.customerId,
    kind: t.kind,
    ruleId: t.ruleId,
    priority: t.priority,
    tier: t.tier,
    channel: t.channel,
    dueBy: formatInstant(t.dueBy, timeZone),
    status: t.status,
    timeLeftMinutes: Math.trunc(timeLeftMs(t, now) / 60_000),
    outcome: at(t.outcome),
    lastAttempt: at(t.lastAttempt),
    escalatedBy: t.escalatedBy,
  };
}

function validated(schema: z.ZodType, body: unknown, status: number, client: string, logger: Logger): ApiResponse {
  const r = schema.safeParse(body);
  if (r.success) return { status, headers: NO_STORE, body: r.data, client };
  logger.error({ issues: r.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), code: i.code })) }, 'agent API: a care-task response failed its schema and was not sent');
  return fail(500, 'INTERNAL', 'internal error', {}, client);
}

type Entered = { readonly ok: true; readonly client: string; readonly api: CareTaskApi; readonly index: CareTaskReader } | { readonly ok: false; readonly response: ApiResponse };

/** What every care-task endpoint checks first, in this order: the method (405), the token and its scope (401/403), a connected service (503). */
function enter(req: ApiRequest, method: 'GET' | 'POST', scope: Scope, o: Options): Entered {
  if (req.method !== method) return { ok: false, response: fail(405, 'METHOD_NOT_ALLOWED', `only ${method} is supported`, { allow: method }) };
  const g = guard(o.tokens, req.authorization, scope);
  if (!g.ok) return g;
  const api = o.careTasks;
  const index = api?.index();
  if (!api || !index) return { ok: false, response: fail(503, 'UNAVAILABLE', 'the service is starting', { 'retry-after': '5' }, g.client) };
  return { ok: true, client: g.client, api, index };
}

/** Runs an endpoint's work; a failure it did not expect is a 500 (logged without the request's data). */
async function guarded(what: string, client: string, o: Options, work: () => Promise<ApiResponse>): Promise<ApiResponse> {
  try {
    return await work();
  } catch (err) {
    o.logger.error({ err: (err as Error).message }, `agent API: ${what} failed`);
    return fail(500, 'INTERNAL', 'internal error', {}, client);
  }
}

/** Handles /v1/tasks, /v1/tasks/{id}/outcome and /v1/overview; undefined for any other path. */
export async function handleCareTaskRequest(req: ApiRequest, path: string, query: URLSearchParams, o: Options): Promise<ApiResponse | undefined> {
  if (path === OVERVIEW_PATH) return overview(req, o);
  if (path === QUEUE_PATH) return queue(req, query, o);
  const m = OUTCOME_PATH.exec(path);
  return m ? outcome(req, m[1]!, o) : undefined;
}

/** GET /v1/tasks: the care-task queue. */
async function queue(req: ApiRequest, query: URLSearchParams, o: Options): Promise<ApiResponse> {
  const e = enter(req, 'GET', 'tasks:read', o);
  if (!e.ok) return e.response;
  const { client, api, index } = e;
  return guarded('the care-task request', client, o, async () => {
    const q = queueQuery.safeParse(Object.fromEntries(query));
    if (!q.success) {
      const issue = q.error.issues[0]!;
      return fail(400, 'BAD_REQUEST', `${issue.path.join('.') || 'query'}: ${issue.message}`, {}, client);
    }
    const now = api.now();
    const page = await index.list({ statuses: q.data.status, now, dueBefore: q.data.dueBefore, priority: q.data.priority, kind: q.data.kind, offset: q.data.offset, limit: q.data.limit });
    const next = q.data.offset + page.tasks.length;
    return validated(careTaskQueueSchema, {
      asOf: formatInstant(now, o.timeZone),
      total: page.total,
      offset: q.data.offset,
      nextOffset: next < page.total ? next : null,
      tasks: page.tasks.map((t) => presentCareTask(t, now, o.timeZone)),
    }, 200, client, o.logger);
  });
}

/** POST /v1/tasks/{taskId}/outcome: publishes a CONTACT_OUTCOME channel event. */
async function outcome(req: ApiRequest, encodedTaskId: string, o: Options): Promise<ApiResponse> {
  const e = enter(req, 'POST', 'outcomes:write', o);
  if (!e.ok) return e.response;
  const { client, api, index } = e;
  return guarded('the care-task request', client, o, async () => {
    let raw: string;
    try {
      raw = decodeURIComponent(encodedTaskId);
    } catch {
      return fail(400, 'BAD_REQUEST', 'the task id is not valid percent-encoding', {}, client);
    }
    const idIssue = idProblem(raw, o.idRules ?? DEFAULT_ID_RULES);
    if (idIssue) return fail(400, 'BAD_REQUEST', `taskId: ${idIssue}`, {}, client);
    let json: unknown;
    try {
      json = JSON.parse(req.body ?? '');
    } catch {
      return fail(400, 'BAD_REQUEST', 'the body must be JSON: {"outcome": "REACHED", "channel"?: "CALL_CENTER"}', {}, client);
    }
    const body = outcomeRequestSchema.safeParse(json);
    if (!body.success) {
      const issue = body.error.issues[0]!;
      return fail(400, 'BAD_REQUEST', `${issue.path.join('.') || 'body'}: ${issue.message}`, {}, client);
    }
    const task = await index.get(raw);
    if (!task) return fail(404, 'NOT_FOUND', 'no such care task', {}, client);
    const now = api.now();
    const event: ChannelEvent = {
      eventId: `OUT-${randomUUID()}`,
      customerId: task.customerId,
      occurredAt: now,
      channel: body.data.channel ?? (task.channel as ChannelEvent['channel']),
      action: 'CONTACT_OUTCOME',
      topic: null,
      attributes: { taskId: task.taskId, outcome: body.data.outcome },
    };
    // The pipeline's own check with the configured limits: what it would dead-letter is refused here.
    const v = validateEvent(TOPICS.channelEvents, event, { nowMs: now, maxFutureSkewMs: api.validation.maxFutureSkewMs, maxAgeMs: api.validation.maxEventAgeMs }, api.validation);
    if (!v.ok) return fail(400, 'BAD_REQUEST', v.message, {}, client);
    try {
      await api.publish(event);
    } catch (err) {
      o.logger.error({ err: (err as Error).message }, 'agent API: publishing a contact outcome failed');
      return fail(503, 'UNAVAILABLE', 'the outcome could not be published; try again', { 'retry-after': '5' }, client);
    }
    o.logger.info({ client, taskId: task.taskId, outcome: body.data.outcome, eventId: event.eventId }, 'agent API: contact outcome published');
    return validated(outcomeAcceptedSchema, { eventId: event.eventId, taskId: task.taskId, outcome: body.data.outcome, at: formatInstant(now, o.timeZone) }, 202, client, o.logger);
  });
}

/** GET /v1/overview: health, the queue's size by priority, suppressions by reason and the care KPIs. */
async function overview(req: ApiRequest, o: Options): Promise<ApiResponse> {
  const e = enter(req, 'GET', 'tasks:read', o);
  if (!e.ok) return e.response;
  const { client, api, index } = e;
  return guarded('the overview', client, o, async () => {
    const now = api.now();
    const tasks: CareTask[] = [];
    for await (const t of index.all()) tasks.push(t);
    const summary = careSummary(tasks, now);
    const zero = () => Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<string, number>;
    const waiting = { open: zero(), overdue: zero() };
    for (const q of summary.queue) waiting[q.status][q.priority] = (waiting[q.status][q.priority] ?? 0) + q.count;
    const service = await api.service();
    const suppressionsByReason = Object.fromEntries(SUPPRESSION_REASONS.map((r) => [r, service.suppressionsByReason[r] ?? 0]));
    return validated(overviewSchema, {
      asOf: formatInstant(now, o.timeZone),
      health: { ready: service.health.ready, failing: [...service.health.failing] },
      queue: waiting,
      suppressionsByReason,
      kpis: summary.kpis,
    }, 200, client, o.logger);
  });
}
