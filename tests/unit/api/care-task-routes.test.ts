import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handleCareTaskRequest, type CareTaskApi, type CareTaskReader } from '../../../src/api/care-task-routes.ts';
import type { ApiRequest } from '../../../src/api/router.ts';
import { TokenSet } from '../../../src/api/tokens.ts';
import { loadConfig } from '../../../src/config.ts';
import type { ChannelEvent } from '../../../src/events/types.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import type { CareTask } from '../../../src/tasks/care-task-status.ts';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const WRITER = 'writer-token-1234';
const READER = 'reader-token-5678';
const NOW = Date.parse('2026-11-20T10:00:00+08:00');
const tokens = new TokenSet([
  { name: 'desk', sha256: sha(WRITER), scopes: ['tasks:read', 'outcomes:write'] },
  { name: 'board', sha256: sha(READER), scopes: ['tasks:read'] },
]);

const task = (over: Partial<CareTask> = {}): CareTask => ({
  taskId: 'FC-1', customerId: 'C000366', kind: 'FRAUD_CHECK', ruleId: 'large-outflow', priority: 'P1', tier: null,
  channel: 'CALL_CENTER', dueBy: NOW + 3_600_000, outcome: null, lastAttempt: null, escalatedBy: null, ...over,
});

/** The routes as the service wires them (config.validation from the environment given), over an in-memory index. */
function routes(env: Record<string, string>, tasks: CareTask[], connected = true) {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const published: ChannelEvent[] = [];
  const index: CareTaskReader = {
    list: async () => ({ total: tasks.length, tasks: tasks.map((t) => ({ ...t, status: 'open' as const })) }),
    get: async (id) => tasks.find((t) => t.taskId === id) ?? null,
    all: async function* () { yield* tasks; },
  };
  const api: CareTaskApi = {
    index: () => (connected ? index : undefined),
    publish: async (e) => { published.push(e); },
    now: () => NOW,
    validation: config.validation,
    service: async () => ({ health: { ready: true, failing: [] }, suppressionsByReason: {} }),
  };
  const call = async (method: string, path: string, token?: string, body?: string) => {
    const req: ApiRequest = { method, url: path, authorization: token ? `Bearer ${token}` : undefined, body };
    return handleCareTaskRequest(req, path, new URLSearchParams(), { tokens, timeZone: config.businessTimeZone, logger: createLogger('silent'), idRules: config.validation.ids, careTasks: api });
  };
  return { call, published };
}

const outcome = (r: ReturnType<typeof routes>, taskId: string) => r.call('POST', `/v1/tasks/${taskId}/outcome`, WRITER, JSON.stringify({ outcome: 'REACHED' }));

describe('POST /v1/tasks/{id}/outcome validates the outcome with the configured limits', () => {
  it('accepts a customer id the configuration allows and the defaults would not (ID_MAX_LENGTH=100, an 80-character id)', async () => {
    const long = `C${'x'.repeat(79)}`;
    const r = routes({ ID_MAX_LENGTH: '100' }, [task({ customerId: long })]);
    const res = await outcome(r, 'FC-1');
    expect(res?.status).toBe(202);
    expect(r.published.map((e) => e.customerId)).toEqual([long]);
  });

  it('refuses, and publishes nothing, what the pipeline would dead-letter under the configured rules (ID_MAX_DIGIT_RUN=4)', async () => {
    const r = routes({ ID_MAX_DIGIT_RUN: '4' }, [task()]);
    const res = await outcome(r, 'FC-1');
    expect(res?.status).toBe(400);
    // (The generated eventId may break the rule too: a UUID can hold five digits in a row.)
    expect((res?.body as { error: { message: string } }).error.message).toContain('customerId: not an identifier: more than 4 digits in a row, like an ID or account number (length 7)');
    expect(r.published).toEqual([]);
  });

  it('takes the task id check from the same rules', async () => {
    // The default pattern allows dots; this one does not.
    const r = routes({ ID_PATTERN: '[A-Za-z0-9][A-Za-z0-9-]*' }, [task({ taskId: 'FC-1' }), task({ taskId: 'FC.2' })]);
    expect((await outcome(r, 'FC.2'))?.status).toBe(400);
    expect((await outcome(r, 'FC-1'))?.status).toBe(202);
  });
});

describe('the care-task endpoints check method, token, scope and connection alike', () => {
  const endpoints: [string, string, string][] = [
    ['queue', 'GET', '/v1/tasks'],
    ['overview', 'GET', '/v1/overview'],
    ['outcome', 'POST', '/v1/tasks/FC-1/outcome'],
  ];
  it.each(endpoints)('%s: 405, 401, 403 (outcome only), 503, then served', async (_name, method, path) => {
    const r = routes({}, [task()]);
    const other = method === 'GET' ? 'POST' : 'GET';
    const wrong = await r.call(other, path, WRITER);
    expect([wrong?.status, wrong?.headers.allow]).toEqual([405, method]);
    const anonymous = await r.call(method, path);
    expect(anonymous?.status).toBe(401);
    expect(anonymous?.headers['www-authenticate']).toBe('Bearer realm="carestream"');
    expect((await r.call(method, path, READER))?.status).toBe(method === 'POST' ? 403 : 200);
    const starting = await routes({}, [task()], false).call(method, path, WRITER, '{"outcome":"REACHED"}');
    expect([starting?.status, starting?.headers['retry-after'], starting?.client]).toEqual([503, '5', 'desk']);
    expect((await r.call(method, path, WRITER, '{"outcome":"REACHED"}'))?.status).toBe(method === 'POST' ? 202 : 200);
  });

  it('leaves other paths to the router', async () => {
    expect(await routes({}, []).call('GET', '/v1/customers/C1/features', WRITER)).toBeUndefined();
  });
});
