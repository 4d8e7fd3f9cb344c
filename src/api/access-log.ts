import { pseudonym } from '../state/encode.ts';

/**
 * The access log of the agent API: who read whose data, through which
 * endpoint. The customer is named by the same keyed hash (PSEUDONYM_KEY) that
 * replaces account ids in Redis, so shared logs can be joined per customer
 * without carrying the id itself. Pure: the route logs and counts.
 */

/** The endpoints, as a bounded metric label. */
export const API_ENDPOINTS = ['customer_features', 'customer_tasks', 'task_queue', 'task_outcome', 'overview', 'audit', 'openapi', 'other'] as const;
export type ApiEndpoint = (typeof API_ENDPOINTS)[number];

export interface Access {
  readonly endpoint: ApiEndpoint;
  /** The accepted token's name; null when no valid token was given (401). */
  readonly client: string | null;
  readonly status: number;
  /** Keyed hash of the customer id of the request, when it names one. */
  readonly customer: string | null;
}

const CUSTOMER = /^\/v1\/customers\/([^/]*)\/(features|tasks|audit)$/;
const CUSTOMER_ENDPOINT = { features: 'customer_features', tasks: 'customer_tasks', audit: 'audit' } as const;

export function endpointOf(method: string, path: string): { endpoint: ApiEndpoint; customerId: string | null } {
  const m = CUSTOMER.exec(path);
  if (m) {
    let id: string | null;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      id = m[1]!;
    }
    return { endpoint: CUSTOMER_ENDPOINT[m[2] as keyof typeof CUSTOMER_ENDPOINT], customerId: id };
  }
  if (path === '/v1/openapi.json') return { endpoint: 'openapi', customerId: null };
  if (path === '/v1/tasks') return { endpoint: 'task_queue', customerId: null };
  if (path === '/v1/overview') return { endpoint: 'overview', customerId: null };
  if (method === 'POST' && /^\/v1\/tasks\/[^/]+\/outcome$/.test(path)) return { endpoint: 'task_outcome', customerId: null };
  return { endpoint: 'other', customerId: null };
}

/** What one request is logged and counted as; without a key the customer is left out (an unkeyed hash of an id can be reversed by trying ids). */
export function accessOf(req: { method: string; path: string; status: number; client: string | undefined }, pseudonymKey: string | undefined): Access {
  const { endpoint, customerId } = endpointOf(req.method, req.path);
  const customer = customerId === null || !pseudonymKey ? null : pseudonym(customerId, pseudonymKey);
  return { endpoint, client: req.client ?? null, status: req.status, customer };
}
