import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { expectedFor, generate } from '../../../src/generate/index.ts';
import { parseReplayLine } from '../../../src/events/json-form.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { deleteKeysWithPrefix } from '../../../src/state/redis.ts';
import { CareTaskIndex } from '../../../src/state/care-task-index.ts';
import { StateKeys } from '../../../src/state/keys.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { createApp, type App } from '../../../src/app.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { committedOutputs } from '../../support/outputs.ts';
import { referenceRun } from '../../support/reference-model.ts';
import { createHash } from 'node:crypto';
import { explainCommand } from '../../../src/cli/explain.ts';
import type { DecisionLogEntry } from '../../../src/tasks/decision-log.ts';

const TOKEN = 'lost-state-token';
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

/** What `carestream explain` prints for a customer, and its exit code (a crash fails the test). */
async function explain(config: Parameters<typeof explainCommand>[0], customerId: string): Promise<{ code: number; text: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((c: string | Uint8Array) => { chunks.push(String(c)); return true; }) as typeof process.stdout.write;
  try {
    const code = await explainCommand(config, customerId, { json: false }, { say: () => {} });
    return { code, text: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}

/**
 * Redis loses everything between two loads (every key of the service's prefix
 * deleted while it is down). The service must notice at start, rebuild the features
 * from the input topics up to its committed offsets without publishing again,
 * restore the contact history from the task topics, and go on: in the end the
 * features equal an independent recomputation and the outputs equal the
 * planted labels, each once.
 */
const CUSTOMERS = 300;
const DAYS = 60;

async function waitUntilReady(app: App, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${app.httpPort}/readyz`).catch(() => undefined);
    if (res?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms: ${res ? await res.text() : 'no answer'}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('lost Redis state', () => {
  let h: Harness;
  let redis: Redis;
  let app: App | undefined;
  beforeAll(async () => {
    // The stream starts in June: keep its care tasks in the status index however old they are.
    // The event path alone (timers are on by default): its labels and its reference features are what this compares;
    // a rebuild with timers firing is tests/integration/rules/time-triggers-kill.test.ts's and the chaos suite's.
    h = await startHarness({
      TIMERS_ENABLED: 'false',
      CARE_TASK_RETENTION_MS: String(400 * 86_400_000),
      API_TOKENS: JSON.stringify([{ name: 'lost-state', sha256: sha(TOKEN), scopes: ['features:read', 'tasks:read'] }]),
    }, { deferStart: true });
    redis = new Redis(h.config.redis.url!);
  });
  afterAll(async () => {
    await app?.stop();
    await h?.stop();
    redis?.disconnect();
  });

  it('is rebuilt from the input and task topics; nothing is published twice or lost', { timeout: 900_000 }, async () => {
    const generated = generate({ seed: 23, customers: CUSTOMERS, days: DAYS, start: '2026-06-01' });
    // Customer ids of this run only: the input topics are shared with whatever else runs on the stack.
    const tag = Date.now().toString(36);
    const own = (id: string) => `${id}-${tag}`;
    const all = [...generated.lines].map((l) => l.replace(/"(C\d{6})"/g, (_, id: string) => `"${own(id)}"`));
    // TIMERS_ENABLED=false above: the event path's labels.
    const labels = { expected: expectedFor(generated.labels, 'events').map((e) => ({ ...e, customerId: own(e.customerId) })) };
    const cut = Math.floor(all.length * 0.6);
    await h.produceLines(all.slice(0, cut));
    await h.startService();
    await h.waitForConsumed(cut, 300_000);
    await waitUntilReady(h.app);

    const prefix = h.config.state.keyPrefix;
    const keys = new StateKeys(prefix);
    expect(await redis.exists(keys.shard(0), keys.shard(1), keys.shard(2))).toBeGreaterThan(0);
    const customers = new Set(all.map((l) => parseReplayLine(l).key!));
    const someone = [...customers][0]!;
    expect(await h.app.store!.inspect(someone)).not.toBeNull();
    // The live decision log, to compare with what the rebuild restores.
    const liveLog = new Map<string, DecisionLogEntry>();
    for (const c of customers) {
      const log = await h.app.store!.decisionLog(c);
      expect(log.unreadable).toBe(0);
      for (const e of log.entries) liveLog.set(e.id, e);
    }
    expect(liveLog.size).toBeGreaterThan(0);
    expect([...liveLog.values()].some((e) => e.decision === 'SUPPRESSED')).toBe(true);
    // The service stops, Redis loses everything, more records arrive, and a
    // service starts again on the same group and prefix.
    await h.app.stop();
    const deleted = await deleteKeysWithPrefix(redis, prefix);
    expect(deleted).toBeGreaterThan(CUSTOMERS);
    // What is left is the layout before the shard-local engine (the Lua
    // scripts' msgpack blobs, shard hashes marked built): the service must not
    // take it for its state but rebuild, as it does when migrating from it.
    for (const p of [0, 1, 2]) await redis.hset(`${prefix}:task:${p}`, 'epoch', String(Date.now()), 'built', '1');
    for (const c of customers) await redis.set(`${prefix}:{${c}}`, Buffer.from([0x81, 0xa1, 0x76, 0x01])); // msgpack { v = 1 }
    expect(await redis.exists(keys.shard(0), keys.shard(1), keys.shard(2))).toBe(0);

    await h.produceLines(all.slice(cut));
    app = createApp(h.config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
    await app.start();
    const deadline = Date.now() + 300_000;
    while (app.tally.consumed < all.length - cut) {
      if (Date.now() > deadline) throw new Error(`the restarted service committed ${app.tally.consumed} of ${all.length - cut} records`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitUntilReady(app);
    const store = app.store!;

    // Features: every customer as the independent recomputation over the whole stream.
    const ref = referenceRun(all, { timeZone: 'Asia/Shanghai', allowedLatenessMs: 3_600_000, babyMccs: ['5641', '5945'] });
    const differing: string[] = [];
    for (const [customerId, expected] of ref.features) {
      const actual = await store.inspect(customerId);
      try {
        expect(actual).toEqual(expected);
      } catch (err) {
        if (differing.length < 2) {
          const a = actual as unknown as Record<string, unknown> | null;
          const e = expected as unknown as Record<string, unknown>;
          const keysDiffering = Object.keys(e).filter((k) => JSON.stringify(a?.[k]) !== JSON.stringify(e[k]));
          console.log(customerId, keysDiffering.map((k) => `${k}: got ${JSON.stringify(a?.[k])} want ${JSON.stringify(e[k])}`).join('\n').slice(0, 3000), (err as Error).message.slice(0, 100));
        }
        differing.push(customerId);
      }
    }
    expect(differing).toEqual([]);

    // Outputs: the labels, each once — including the suppressions that need the
    // contact history from before the loss (caps, cool-downs).
    const out = await committedOutputs(h, (k) => k !== null && customers.has(k));
    const keyOf = (topic: string, c: string, rule: string, trigger: string) => `${topic}|${c}|${rule}|${trigger}`;
    const actual = [
      ...out.fraudChecks.map((t) => keyOf(TOPICS.fraudCheckTasks, t.customerId, t.ruleId, t.transactionEventId)),
      ...out.outreach.map((t) => keyOf(TOPICS.outreachTasks, t.customerId, t.ruleId, t.sourceEventIds.at(-1)!)),
      ...out.suppressions.map((s) => keyOf(TOPICS.suppressions, s.customerId, s.ruleId, s.sourceEventIds.at(-1)!)),
    ];
    const expected = labels.expected.map((e) => keyOf(e.topic, e.customerId, e.ruleId, e.triggerEventId));
    expect(expected.length).toBeGreaterThan(10);
    expect(actual.length).toBe(new Set(actual).size); // no duplicates
    expect([...actual].sort()).toEqual([...expected].sort());

    // The decision log came back: each entry from before the loss is restored
    // with everything the live one had (tier, priority, reasons, channel...).
    const restoredLog = new Map<string, DecisionLogEntry>();
    const withDecisions: string[] = [];
    for (const c of customers) {
      const log = await store.decisionLog(c);
      expect(log.unreadable).toBe(0);
      for (const e of log.entries) restoredLog.set(e.id, e);
      if (log.entries.some((e) => e.restored)) withDecisions.push(c);
    }
    const withRestored = [...restoredLog.values()].filter((e) => e.restored);
    expect(withRestored.length).toBeGreaterThan(0);
    const mismatched = [...liveLog.values()]
      .filter((live) => restoredLog.get(live.id)?.restored)
      .filter((live) => JSON.stringify({ ...restoredLog.get(live.id), restored: false }) !== JSON.stringify(live));
    expect(mismatched.slice(0, 3)).toEqual([]);
    for (const e of withRestored) {
      expect(e.tier).not.toBeNull();
      expect(e.priority).not.toBeNull();
      expect(e.reasons).not.toBeNull();
      if (e.decision === 'ISSUED') expect(e.channel).not.toBeNull();
    }

    // The agent API answers 200 for every customer with decisions, and explain prints them without crashing.
    const statuses = new Map<number, number>();
    for (const c of withDecisions) {
      const res = await fetch(`http://127.0.0.1:${app.httpPort}/v1/customers/${encodeURIComponent(c)}/tasks?limit=50`, { headers: { authorization: `Bearer ${TOKEN}` } });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      await res.arrayBuffer();
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: withDecisions.length });
    for (const c of withDecisions.slice(0, 20)) {
      const r = await explain(h.config, c);
      expect(r.code).toBe(0);
      expect(r.text).toContain('restored from the task topics');
      expect(r.text).not.toContain('undefined');
    }

    // The care-task status index came back too: every committed task, from before the loss and after.
    const indexed = new Set<string>();
    for await (const t of new CareTaskIndex(redis, prefix).all()) if (customers.has(t.customerId)) indexed.add(t.taskId);
    expect([...indexed].sort()).toEqual([...out.fraudChecks, ...out.outreach].map((t) => t.taskId).sort());
  });
});
