import type { Logger } from 'pino';
import { z } from 'zod';
import type { Route } from '../observability/http.ts';
import type { FeatureView } from '../state/feature-view.ts';
import type { DecisionLog } from '../state/store.ts';
import { handleCareTaskRequest, type CareTaskApi } from './care-task-routes.ts';
import { handleAuditRequest, type AuditApi } from './audit-route.ts';
import { accessOf, type Access } from './access-log.ts';
import { openApiDocument } from './openapi.ts';
import { presentTasks, printableFeatures, type ContactHistory, type CustomerTimers } from './present.ts';
import { DEFAULT_ID_RULES, idProblem, type IdRules } from '../events/identifier.ts';
import { featuresSchema, LIMIT, limitSchema, tasksSchema, type ApiErrorCode } from './schemas.ts';
import { authorize, type Scope, type TokenSet } from './tokens.ts';

/**
 * The read-only agent API under /v1: a customer's features and their recent
 * tasks and suppressions, for contact-centre tools. handleApiRequest is the
 * whole API over plain values (unit-tested without a socket); agentApiRoute
 * plugs it into the service's HTTP listener.
 */

/** What the API reads; LocalStateStore is one. */
export interface CustomerReader {
  inspect(customerId: string): Promise<FeatureView | null>;
  decisionLog(customerId: string): Promise<DecisionLog>;
  contactHistory(customerId: string): Promise<ContactHistory | null>;
  /** Pending timers and watched fraud checks; null when the customer is unknown. */
  timersOf(customerId: string): Promise<CustomerTimers | null>;
}

export interface AgentApiOptions {
  readonly tokens: TokenSet;
  /** The feature store once the service is connected; undefined before (503). */
  readonly reader: () => CustomerReader | undefined;
  readonly timeZone: string;
  readonly logger: Logger;
  /** Secret of the keyed hash that names customers in the access log (PSEUDONYM_KEY). */
  readonly pseudonymKey?: string;
  /** Told about every request but the OpenAPI document's (the access metric). */
  readonly onAccess?: (a: Access) => void;
  /** The care-task queue and outcomes (./care-task-routes.ts); absent: those endpoints answer 503. */
  readonly careTasks?: CareTaskApi;
  /** What a customer id may be (the service passes config.validation.ids). */
  readonly idRules?: IdRules;
  /** The audit trail (./audit-route.ts); absent: GET /v1/customers/{id}/audit answers 503. */
  readonly audit?: AuditApi;
}

export interface ApiRequest {
  readonly method: string;
  /** Path and query, as in IncomingMessage.url. */
  readonly url: string;
  readonly authorization: string | undefined;
  /** The request body (POST), at most HTTP_MAX_BODY_BYTES (the listener refuses more). */
  readonly body?: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** The name of the token that was accepted, for the access log. */
  readonly client?: string;
}

export const OPENAPI_PATH = '/v1/openapi.json';
const ENDPOINT_SCOPES = { features: 'features:read', tasks: 'tasks:read' } as const satisfies Record<string, Scope>;
const CUSTOMER_PATH = /^\/v1\/customers\/([^/]*)\/(features|tasks)$/;
const NO_STORE = { 'cache-control': 'no-store' };
const REALM = 'Bearer realm="carestream"';

const fail = (status: number, code: ApiErrorCode, message: string, headers: Record<string, string> = {}): ApiResponse => ({
  status,
  headers: { ...NO_STORE, ...headers },
  body: { error: { code, message } },
});

/** Only the shape of what failed (paths and codes), never the values: they may be personal. */
const issueShape = (issues: readonly z.core.$ZodIssue[]) => issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), code: i.code }));

export async function handleApiRequest(req: ApiRequest, o: AgentApiOptions): Promise<ApiResponse> {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));

  if (path === OPENAPI_PATH) {
    if (req.method !== 'GET') return fail(405, 'METHOD_NOT_ALLOWED', 'only GET is supported', { allow: 'GET' });
    return { status: 200, headers: {}, body: openApiDocument() };
  }
  const careTask = await handleCareTaskRequest(req, path, query, o);
  if (careTask) return careTask;
  const audit = await handleAuditRequest(req, path, query, o);
  if (audit) return audit;
  const m = CUSTOMER_PATH.exec(path);
  if (!m) return fail(404, 'NOT_FOUND', 'no such endpoint; see /v1/openapi.json');
  if (req.method !== 'GET') return fail(405, 'METHOD_NOT_ALLOWED', 'only GET is supported', { allow: 'GET' });

  const endpoint = m[2] as keyof typeof ENDPOINT_SCOPES;
  const scope = ENDPOINT_SCOPES[endpoint];
  const auth = authorize(o.tokens, req.authorization, scope);
  if (!auth.ok && auth.status === 401) {
    const challenge = auth.reason === 'invalid' ? `${REALM}, error="invalid_token"` : REALM;
    return fail(401, 'UNAUTHORIZED', 'a valid bearer token is required', { 'www-authenticate': challenge });
  }
  if (!auth.ok) {
    return { ...fail(403, 'FORBIDDEN', `the token lacks the scope ${scope}`, { 'www-authenticate': `${REALM}, error="insufficient_scope", scope="${scope}"` }), client: auth.token.name };
  }
  const client = auth.token.name;

  let raw: string;
  try {
    raw = decodeURIComponent(m[1]!);
  } catch {
    return { ...fail(400, 'BAD_REQUEST', 'the customer id is not valid percent-encoding'), client };
  }
  // The same check as every input's ids; the message says why without repeating the id.
  const problem = idProblem(raw, o.idRules ?? DEFAULT_ID_RULES);
  if (problem) return { ...fail(400, 'BAD_REQUEST', `customerId: ${problem}`), client };
  let limit: number = LIMIT.default;
  if (endpoint === 'tasks' && query.has('limit')) {
    const l = limitSchema.safeParse(query.get('limit'));
    if (!l.success) return { ...fail(400, 'BAD_REQUEST', `limit must be a whole number from 1 to ${LIMIT.max}`), client };
    limit = l.data;
  }
  const reader = o.reader();
  if (!reader) return { ...fail(503, 'UNAVAILABLE', 'the service is starting', { 'retry-after': '5' }), client };

  const customerId = raw;
  try {
    if (endpoint === 'features') {
      const view = await reader.inspect(customerId);
      if (!view) return { ...fail(404, 'NOT_FOUND', 'nothing is known about this customer'), client };
      return { ...validated(featuresSchema, printableFeatures(view, o.timeZone), endpoint, o.logger), client };
    }
    const [log, history, timers] = await Promise.all([reader.decisionLog(customerId), reader.contactHistory(customerId), reader.timersOf(customerId)]);
    if (!history && log.entries.length === 0 && log.unreadable === 0) return { ...fail(404, 'NOT_FOUND', 'nothing is known about this customer'), client };
    // Every entry was checked when written; one that does not read is a bug to look into, not a reason to refuse the rest.
    if (log.unreadable > 0) o.logger.error({ endpoint, unreadable: log.unreadable }, 'agent API: decision-log entries that do not match their schema were left out');
    return { ...validated(tasksSchema, presentTasks(customerId, log.entries, history, limit, o.timeZone, o.idRules, timers), endpoint, o.logger), client };
  } catch (err) {
    o.logger.error({ endpoint, err: (err as Error).message }, 'agent API: reading the customer failed');
    return { ...fail(500, 'INTERNAL', 'internal error'), client };
  }
}

/** 200 with the body as the schema parsed it, or 500 (logged without the body) when it does not match. */
function validated(schema: z.ZodType, body: unknown, endpoint: string, logger: Logger): ApiResponse {
  const r = schema.safeParse(body);
  if (r.success) return { status: 200, headers: NO_STORE, body: r.data };
  logger.error({ endpoint, issues: issueShape(r.error.issues) }, 'agent API: a response failed its schema and was not sent');
  return fail(500, 'INTERNAL', 'internal error');
}

/** The API as a route of the service's HTTP listener (mounted at /v1/*). */
export function agentApiRoute(o: AgentApiOptions): Route {
  return async (req, res, raw) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const body = req.method === 'POST' ? raw.toString('utf8') : undefined;
    const r = await handleApiRequest({ method: req.method ?? 'GET', url: req.url ?? '/', authorization: req.headers.authorization, ...(body === undefined ? {} : { body }) }, o);
    // The access log: the token's holder (never the token), the endpoint and a keyed hash of the customer (never the id).
    const access = accessOf({ method: req.method ?? 'GET', path, status: r.status, client: r.client }, o.pseudonymKey);
    if (access.endpoint !== 'openapi') {
      o.logger.info({ access: { client: access.client, endpoint: access.endpoint, status: access.status, customer: access.customer } }, 'agent API access');
      o.onAccess?.(access);
    }
    res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8', ...r.headers }).end(JSON.stringify(r.body));
  };
}
