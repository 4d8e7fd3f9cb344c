import type { CustomerAuditBody } from '../../src/api/audit-schemas.ts';
import type { TasksBody } from '../../src/api/schemas.ts';

/**
 * What the agent API answers for each customer — their tasks answer
 * (GET /v1/customers/{id}/tasks, from Redis) and their audit trail
 * (GET /v1/customers/{id}/audit over a publish-time range, from the topics) —
 * in a form two runs over the same input can be compared in: without what
 * depends on the run (when it decided and published, offsets), in a fixed
 * order, and with "overdue" read as "open" (a task can pass its due time
 * between the two runs' questions).
 */

export interface CustomerAnswer {
  readonly tasksStatus: number;
  readonly tasks: string;
  readonly auditStatus: number;
  readonly audit: string;
  /** Entries of the audit answer. */
  readonly auditEntries: number;
}

const byKey = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

export function normalTasks(body: TasksBody): string {
  const decision = <T extends { taskId: string; at: string; decidedAt: string | null }>(xs: readonly T[]) =>
    xs.map(({ decidedAt: _d, ...rest }) => rest).sort(byKey((x) => `${x.at}|${x.taskId}`));
  return JSON.stringify({
    customerId: body.customerId,
    tasks: decision(body.tasks),
    suppressions: decision(body.suppressions),
    contacts: [...body.contacts].sort(byKey((c) => `${c.at}|${c.taskId}`)),
    outcomes: [...body.outcomes].sort(byKey((o) => `${o.at}|${o.taskId}|${o.outcome}`)),
  });
}

export function normalAudit(entries: CustomerAuditBody['entries'], unreadable: number): string {
  const shown = entries.map(({ decidedAt: _d, publishedAt: _p, source, careStatus, ...rest }) => ({
    ...rest,
    topic: source.topic,
    partition: source.partition,
    careStatus: careStatus && { ...careStatus, status: careStatus.status === 'overdue' ? 'open' : careStatus.status },
  }));
  return JSON.stringify({ unreadable, entries: shown.sort(byKey((e) => `${e.topic}|${e.taskId}|${e.decision}|${e.reason ?? ''}|${e.at}`)) });
}

/** GET with retries while the instance answers 503 (starting, or Kafka not readable yet): a 503 is not an answer. */
async function getJson(url: string, token: string): Promise<{ status: number; body: unknown }> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    if (res.status !== 503 || attempt >= 40) return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Every customer's answer from the instance at `base`, `concurrency` customers at a time. */
export async function customerAnswers(base: string, token: string, customers: readonly string[], range: { from: string; to: string }, concurrency = 4): Promise<Map<string, CustomerAnswer>> {
  const out = new Map<string, CustomerAnswer>();
  let next = 0;
  const worker = async () => {
    while (next < customers.length) {
      const c = customers[next++]!;
      const path = `${base}/v1/customers/${encodeURIComponent(c)}`;
      const tasks = await getJson(`${path}/tasks?limit=50`, token);
      const entries: CustomerAuditBody['entries'] = [];
      let auditStatus = 200;
      let unreadable = 0;
      for (let offset: number | null = 0; offset !== null; ) {
        const q = new URLSearchParams({ from: range.from, to: range.to, limit: '500', offset: String(offset) });
        const r = await getJson(`${path}/audit?${q}`, token);
        auditStatus = r.status;
        if (r.status !== 200) break;
        const body = r.body as CustomerAuditBody;
        entries.push(...body.entries);
        unreadable = body.unreadable;
        offset = body.nextOffset;
      }
      out.set(c, {
        tasksStatus: tasks.status,
        tasks: tasks.status === 200 ? normalTasks(tasks.body as TasksBody) : JSON.stringify(tasks.body),
        auditStatus,
        audit: auditStatus === 200 ? normalAudit(entries, unreadable) : '',
        auditEntries: entries.length,
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}
