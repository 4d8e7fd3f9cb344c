import { Cluster } from 'ioredis';
import { z } from 'zod';
import { CONTACT_OUTCOMES, CUSTOMER_TIERS, INTERACTION_CHANNELS, OUTREACH_KINDS, PRIORITIES } from '../events/types.ts';
import type { CareTaskUpdates } from '../pipeline/care-task-updates.ts';
import { careTaskStatus, type CareTask, type CareTaskStatus } from '../tasks/care-task-status.ts';
import { StateKeys } from './keys.ts';
import { defineScripts } from './scripts.ts';
import type { RedisClient } from './redis.ts';
import type { Fence } from './store.ts';
import { fenceError } from './store.ts';

/**
 * The care-task status index in Redis: one small record per task issued
 * (kind, rule, priority, tier, channel, due time, outcome, escalation — no
 * amount, account or identity data), and the task ids by due time in an
 * open and a closed sorted set, so the contact centre's queue is a range read.
 * Written only by the pipeline (record-care-tasks-4.lua, fenced by the epochs
 * of the shards' owners it keeps in its own slot), restored from the task
 * topics after Redis lost its data, and pruned once a task's due time is
 * older than CARE_TASK_RETENTION_MS.
 */

const pair = z.tuple([z.enum(CONTACT_OUTCOMES), z.number()]);
const stored = z.object({
  c: z.string(),
  k: z.enum(['FRAUD_CHECK', ...OUTREACH_KINDS]).optional(),
  r: z.string().optional(),
  p: z.enum(PRIORITIES).optional(),
  t: z.enum(CUSTOMER_TIERS).nullable().optional(),
  ch: z.enum(INTERACTION_CHANNELS).optional(),
  d: z.number().optional(),
  o: pair.optional(),
  la: pair.optional(),
  e: z.string().optional(),
});

type ScriptedRedis = RedisClient & {
  recordCareTasks(records: string, open: string, closed: string, owners: string, args: string, epoch: number, partition: number): Promise<number>;
};

export interface CareTaskQuery {
  readonly statuses: readonly CareTaskStatus[];
  readonly now: number;
  /** Only tasks due strictly before this instant. */
  readonly dueBefore?: number;
  readonly priority?: string;
  readonly kind?: string;
  readonly customerId?: string;
  readonly offset: number;
  readonly limit: number;
}

export interface CareTaskPage {
  readonly tasks: readonly (CareTask & { readonly status: CareTaskStatus })[];
  /** How many tasks match in all. */
  readonly total: number;
}

/** A stored record as a care task; null for one still waiting for its task (an outcome that came first). */
export function careTaskOf(taskId: string, raw: string): CareTask | null {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const r = stored.safeParse(json);
  if (!r.success) return null;
  const s = r.data;
  if (s.k === undefined || s.d === undefined || s.r === undefined || s.p === undefined || s.ch === undefined) return null;
  return {
    taskId,
    customerId: s.c,
    kind: s.k,
    ruleId: s.r,
    priority: s.p,
    tier: s.t ?? null,
    channel: s.ch,
    dueBy: s.d,
    outcome: s.o ? { outcome: s.o[0], at: s.o[1] } : null,
    lastAttempt: s.la ? { outcome: s.la[0], at: s.la[1] } : null,
    escalatedBy: s.e ?? null,
  };
}

const CHUNK = 500;

export class CareTaskIndex {
  private readonly redis: ScriptedRedis;
  private readonly keys: ReturnType<StateKeys['careTasks']>;
  private readonly stateKeys: StateKeys;

  constructor(redis: RedisClient, keyPrefix: string) {
    defineScripts(redis);
    this.redis = redis as ScriptedRedis;
    this.stateKeys = new StateKeys(keyPrefix);
    this.keys = this.stateKeys.careTasks();
  }

  /**
   * Moves an index of the earlier layout (no hash tag) to its keys of today,
   * once, on a single Redis (a cluster never held it: the service refused
   * one then). Records and sorted sets are the same; the owners hash is new
   * and filled as shards are acquired. Returns how many keys moved.
   */
  async adoptEarlierLayout(): Promise<number> {
    if (this.redis instanceof Cluster) return 0;
    const earlier = this.stateKeys.earlierCareTasks();
    let moved = 0;
    for (const part of ['records', 'open', 'closed'] as const) {
      try {
        moved += await this.redis.renamenx(earlier[part], this.keys[part]);
      } catch (err) {
        // Nothing there (already moved, by this instance or another one starting beside it).
        if (!/no such key/i.test((err as Error).message)) throw err;
      }
    }
    return moved;
  }

  /** Writes a batch's updates (fenced); records whose due time is before `pruneBefore` are dropped. */
  async record(updates: CareTaskUpdates, pruneBefore: number, fence: Fence): Promise<void> {
    if (updates.issued.length === 0 && updates.outcomes.length === 0) return;
    const args = JSON.stringify({
      issued: updates.issued.map((u) => ({ id: u.taskId, c: u.customerId, k: u.kind, r: u.ruleId, p: u.priority, t: u.tier, ch: u.channel, d: u.dueBy, esc: u.escalates })),
      outcomes: updates.outcomes.map((u) => ({ id: u.taskId, c: u.customerId, o: u.outcome, at: u.at, answers: u.answers })),
      pruneBefore,
    });
    try {
      await this.redis.recordCareTasks(this.keys.records, this.keys.open, this.keys.closed, this.keys.owners, args, fence.epoch, fence.partition);
    } catch (err) {
      throw fenceError(err as Error);
    }
  }

  async get(taskId: string): Promise<CareTask | null> {
    const raw = await this.redis.hget(this.keys.records, taskId);
    return raw === null ? null : careTaskOf(taskId, raw);
  }

  /**
   * The tasks matching the query, by due time (then task id), one page of
   * them and the total. Reads the sorted-set ranges the statuses need and
   * filters the records in memory.
   */
  async list(q: CareTaskQuery): Promise<CareTaskPage> {
    const max = q.dueBefore === undefined ? '+inf' : `(${q.dueBefore}`;
    const ranges: { key: string; min: string; max: string }[] = [];
    const wantOpen = q.statuses.includes('open');
    const wantOverdue = q.statuses.includes('overdue');
    // An open-set task is overdue once now is past its dueBy: scores below now are overdue, the rest open.
    if (wantOpen && wantOverdue) ranges.push({ key: this.keys.open, min: '-inf', max });
    else if (wantOverdue) ranges.push({ key: this.keys.open, min: '-inf', max: `(${q.dueBefore === undefined ? q.now : Math.min(q.now, q.dueBefore)}` });
    else if (wantOpen) ranges.push({ key: this.keys.open, min: String(q.now), max });
    if (q.statuses.includes('answered') || q.statuses.includes('escalated')) ranges.push({ key: this.keys.closed, min: '-inf', max });

    const matched: (CareTask & { status: CareTaskStatus })[] = [];
    for (const r of ranges) {
      const ids = await this.redis.zrangebyscore(r.key, r.min, r.max);
      for (let i = 0; i < ids.length; i += CHUNK) {
        const slice = ids.slice(i, i + CHUNK);
        const raws = await this.redis.hmget(this.keys.records, ...slice);
        raws.forEach((raw, j) => {
          const t = raw === null ? null : careTaskOf(slice[j]!, raw);
          if (!t) return;
          const status = careTaskStatus(t, q.now);
          if (!q.statuses.includes(status)) return;
          if (q.priority !== undefined && t.priority !== q.priority) return;
          if (q.kind !== undefined && t.kind !== q.kind) return;
          if (q.customerId !== undefined && t.customerId !== q.customerId) return;
          matched.push({ ...t, status });
        });
      }
    }
    matched.sort((a, b) => a.dueBy - b.dueBy || (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0));
    return { tasks: matched.slice(q.offset, q.offset + q.limit), total: matched.length };
  }

  /** Every task in the index (for the care KPIs), in chunks. */
  async *all(): AsyncGenerator<CareTask> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.records, cursor, 'COUNT', CHUNK);
      cursor = next;
      for (let i = 0; i < flat.length; i += 2) {
        const t = careTaskOf(flat[i]!, flat[i + 1]!);
        if (t) yield t;
      }
    } while (cursor !== '0');
  }
}
