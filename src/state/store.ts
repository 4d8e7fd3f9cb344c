import type { Redis } from 'ioredis';
import type { FeatureView, ProfileView } from './feature-view.ts';
import { StateKeys } from './keys.ts';
import { defineScripts } from './scripts.ts';
import { decodeView, type EventView } from './view.ts';
import { encodeForStore, type EncodeOptions, type StoreRecord } from './encode.ts';
import { tierOf, type TierThresholds, DEFAULT_TIERS } from './tier.ts';
import { monthLabel } from './calendar.ts';
import { CarestreamError } from '../errors.ts';
import { decisionLogEntry, serializeEntry, type DecisionLogEntry } from '../tasks/decision-log.ts';
import type { CommittedRecord, StateEngine, TaskState } from './task-state.ts';

export const STATUS = Object.freeze({ APPLIED: 1, DUPLICATE_OFFSET: 2, DUPLICATE_EVENT: 3, LATE: 4, STALE_PROFILE: 5, CONFLICT: 6 } as const);
export type Status = (typeof STATUS)[keyof typeof STATUS];

export interface Outcome {
  readonly status: Status;
  /** Features just before and just after the event; present when it was applied (not for profiles). */
  readonly before?: EventView;
  readonly after?: EventView;
  /** For a CONFLICT: the content digests of the event kept under this eventId and of this record. */
  readonly digests?: { readonly kept: string; readonly record: string };
}

export interface StoreOptions extends EncodeOptions {
  readonly keyPrefix: string;
  readonly allowedLatenessMs: number;
  readonly tiers?: TierThresholds;
}

type ScriptedRedis = Redis & {
  applyEvents(key: string, taskKey: string, resultsKey: string, params: string, events: string, epoch: number, rebuilding: string): Promise<unknown[]>;
  view(key: string): Promise<unknown[] | null>;
  recordDecisions(stateKey: string, logKey: string, taskKey: string, args: string, epoch: number, rebuilding: string): Promise<number>;
  acquireTask(taskKey: string): Promise<[number, number]>;
  markTaskBuilt(taskKey: string, epoch: number): Promise<number>;
};

/**
 * Who is writing: the owner of task `partition` with the epoch it acquired.
 * Writes of an owner that lost the task, or to a task whose state Redis lost,
 * are refused (FencedError, StateLostError).
 */
export interface Fence {
  readonly partition: number;
  readonly epoch: number;
  /** Writing while the task's state is rebuilt (allowed before it is complete). */
  readonly rebuilding?: boolean;
}

/** Another instance took the task over: this one must stop writing for it. */
export class FencedError extends CarestreamError {
  constructor(message: string) {
    super('CS_ERR_STATE_FENCED', message);
  }
}

/** Redis lost the task's state (flushed, restarted empty): it must be rebuilt. */
export class StateLostError extends CarestreamError {
  constructor(message: string) {
    super('CS_ERR_STATE_LOST', message);
  }
}

/** Turns the fence script errors into typed errors; others pass through. */
export function fenceError(err: Error): Error {
  const m = /(CS_FENCED|CS_STATE_LOST) (.*)$/.exec(err.message);
  if (!m) return err;
  return m[1] === 'CS_FENCED' ? new FencedError(m[2]!) : new StateLostError(m[2]!);
}

/** A value contact issued to a customer: what caps and cool-downs count. */
export interface StoredContact {
  readonly taskId: string;
  readonly ruleId: string;
  readonly kind: string;
  readonly at: number;
}

/** The customer as the rules and the policy need them, read in the same call that applied the batch. */
export interface CustomerFacts {
  readonly profile: StoredProfile | null;
  readonly contacts: readonly StoredContact[];
}

export interface StoredProfile {
  readonly updatedAt: number;
  readonly marketingConsent: boolean;
  readonly riskTolerance: number | null;
  readonly riskAssessedAt: number | null;
  readonly hasRelationshipManager: boolean;
  readonly preferredChannels: readonly string[];
}

export interface Applied {
  /** One per record, in the order given. */
  readonly outcomes: Outcome[];
  readonly customers: ReadonlyMap<string, CustomerFacts>;
}

/** What to record for one customer after the policy decided. */
export interface DecisionRecord {
  readonly customerId: string;
  readonly contacts: readonly StoredContact[];
  /** Decision-log entries, oldest first. */
  readonly log: readonly DecisionLogEntry[];
}

/** A customer's decision log as read: the entries that parse, and how many did not (never expected: each was checked when written). */
export interface DecisionLog {
  readonly entries: DecisionLogEntry[];
  readonly unreadable: number;
}

/**
 * The feature store: customers' rolling features in Redis, updated by Lua
 * scripts (scripts/*.lua) — one script call per customer per batch, all of a
 * batch's calls in one pipeline, so a batch costs one round trip.
 */
export class FeatureStore implements StateEngine {
  readonly kind = 'lua' as const;
  private readonly redis: ScriptedRedis;
  private readonly keys: StateKeys;
  private readonly o: StoreOptions;

  constructor(redis: Redis, options: StoreOptions) {
    defineScripts(redis);
    this.redis = redis as ScriptedRedis;
    this.keys = new StateKeys(options.keyPrefix, 'lua');
    this.o = options;
  }

  /**
   * The Lua engine keeps nothing in the process: every call is a round of
   * scripts that read, change and write the customers in Redis, so there is
   * nothing to flush.
   */
  openTask(partition: number): TaskState {
    return {
      apply: (records, fence) => this.apply(records, fence),
      recordDecisions: (records, options, fence) => this.recordDecisions(records, options, fence),
      contactHistory: (customerId) => this.contactHistory(customerId),
      flush: async () => {},
      committed: (records: readonly CommittedRecord[]) => this.forgetResults(partition, records),
    };
  }

  /**
   * Applies records (in the order given, which must be each partition's order)
   * and returns one outcome per record, in the same order.
   */
  async apply(records: readonly StoreRecord[], fence: Fence): Promise<Applied> {
    const groups = new Map<string, number[]>();
    records.forEach((r, i) => {
      const id = r.event.customerId;
      let g = groups.get(id);
      if (!g) groups.set(id, (g = []));
      g.push(i);
    });
    const pipeline = this.redis.pipeline() as unknown as ScriptedRedis & { exec(): Promise<[Error | null, unknown][]> };
    const params = JSON.stringify({ lat: this.o.allowedLatenessMs });
    const order: string[] = [];
    for (const [customerId, idx] of groups) {
      const encoded = idx.map((i) => encodeForStore(records[i]!, this.o));
      pipeline.applyEvents(this.keys.state(customerId), this.keys.task(fence.partition), this.keys.results(fence.partition), params, JSON.stringify(encoded), fence.epoch, fence.rebuilding ? '1' : '0');
      order.push(customerId);
    }
    const results = (await pipeline.exec()) ?? [];
    const out: Outcome[] = new Array(records.length);
    const customers = new Map<string, CustomerFacts>();
    results.forEach(([err, res], gi) => {
      if (err) throw fenceError(err);
      const customerId = order[gi]!;
      const idx = groups.get(customerId)!;
      const [rows, profile, contacts] = res as [unknown[][], unknown[], unknown[][]];
      rows.forEach((r, j) => {
        const [status, before, after, kept, record] = r as [Status, unknown[], unknown[], string?, string?];
        out[idx[j]!] = status === STATUS.APPLIED && before.length > 0
          ? { status, before: decodeView(before), after: decodeView(after) }
          : status === STATUS.CONFLICT
            ? { status, digests: { kept: String(kept), record: String(record) } }
            : { status };
      });
      customers.set(customerId, { profile: decodeProfile(profile), contacts: decodeContacts(contacts) });
    });
    return { outcomes: out, customers };
  }

  /**
   * Records the policy's decisions for a batch — one script call per customer,
   * one round trip in all. Idempotent by task id.
   */
  async recordDecisions(records: readonly DecisionRecord[], options: { keepContactsMs: number; logSize: number }, fence: Fence): Promise<void> {
    if (records.length === 0) return;
    const pipeline = this.redis.pipeline() as unknown as ScriptedRedis & { exec(): Promise<[Error | null, unknown][] | null> };
    for (const r of records) {
      const args = {
        contacts: r.contacts.map((c) => ({ id: c.taskId, rule: c.ruleId, kind: c.kind, at: c.at })),
        log: r.log.map(checkedEntry),
        keepMs: options.keepContactsMs,
        logSize: options.logSize,
      };
      pipeline.recordDecisions(this.keys.state(r.customerId), this.keys.contacts(r.customerId), this.keys.task(fence.partition), JSON.stringify(args), fence.epoch, fence.rebuilding ? '1' : '0');
    }
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw fenceError(err);
  }

  /**
   * Takes task `partition` over: a new epoch that fences every earlier owner's
   * writes, and whether the task's state in Redis is complete (false after
   * Redis lost its data, or before the task was ever built).
   */
  async acquireTask(partition: number): Promise<{ epoch: number; built: boolean }> {
    const [epoch, built] = await this.redis.acquireTask(this.keys.task(partition));
    return { epoch: Number(epoch), built: Number(built) === 1 };
  }

  /**
   * Forgets the kept results of records whose chunk committed (they will not
   * be replayed). `records` are input topic index (0 transactions, 1 channel
   * events, 2 profiles) and offset.
   */
  async forgetResults(partition: number, records: readonly { topicIndex: number; offset: string }[]): Promise<void> {
    if (records.length === 0) return;
    const fields = records.map((r) => resultField(r.topicIndex, partition, r.offset));
    for (let i = 0; i < fields.length; i += 5_000) await this.redis.hdel(this.keys.results(partition), ...fields.slice(i, i + 5_000));
  }

  /** Whether Redis still holds task `partition`'s ownership hash (gone after a flush or an empty restart). */
  async hasTaskState(partition: number): Promise<boolean> {
    return (await this.redis.exists(this.keys.task(partition))) === 1;
  }

  /** Marks task `partition` complete after its state was rebuilt. */
  async markTaskBuilt(fence: Fence): Promise<void> {
    try {
      await this.redis.markTaskBuilt(this.keys.task(fence.partition), fence.epoch);
    } catch (err) {
      throw fenceError(err as Error);
    }
  }

  /** The customer's decision log, newest first, each entry checked against its schema. */
  async decisionLog(customerId: string): Promise<DecisionLog> {
    return readDecisionLog(await this.redis.lrange(this.keys.contacts(customerId), 0, -1));
  }

  /** The customer's recent value contacts and contact outcomes. */
  async contactHistory(customerId: string): Promise<{ contacts: StoredContact[]; outcomes: { at: number; taskId: string; outcome: string }[] } | null> {
    const r = await this.redis.view(this.keys.state(customerId));
    if (!r) return null;
    const outcomes = ((r[5] as unknown[][]) ?? []).map(([at, taskId, outcome]) => ({ at: at as number, taskId: taskId as string, outcome: outcome as string }));
    return { contacts: decodeContacts(r[4] as unknown[][]), outcomes };
  }

  /** The customer's features as of their watermark, or null when unknown. */
  async inspect(customerId: string): Promise<FeatureView | null> {
    const r = await this.redis.view(this.keys.state(customerId));
    if (!r) return null;
    const [wm, , rawView, rawProfile] = r as [number, number, unknown[], unknown[]];
    const profile = decodeProfile(rawProfile);
    if (wm < 0) {
      // Only a profile so far: the age is as of the profile's own date.
      const bmo = rawProfile[1] as number;
      const age = profile && bmo >= 0 ? Math.floor((this.o.calendar.month(profile.updatedAt) - bmo) / 12) : null;
      return emptyView(customerId, profile, age);
    }
    const v = decodeView(rawView);
    return {
      customerId,
      asOf: wm,
      depositsMinor: v.depositsMinor,
      holdingsMinor: v.holdingsMinor,
      assetsMinor: v.assetsMinor,
      avg30Minor: v.avg30Minor,
      avg30AgoMinor: v.avg30AgoMinor,
      tier: tierOf(v.avg30Minor, v.avg30AgoMinor, this.o.tiers ?? DEFAULT_TIERS),
      outflow1h: v.outflow1h,
      outflow24h: v.outflow24h,
      newCounterpartyOutflow1h: v.newCounterpartyOutflow1h,
      maxOutflow90dMinor: v.maxOutflow90dMinor,
      counterparties90d: v.counterparties90d,
      highRiskStreak: v.highRiskStreak,
      mortgageInterest30d: v.mortgageInterest30d,
      babyMonths: v.babyMonths.map(monthLabel),
      salaryMonths: v.salaryMonths.map(monthLabel),
      lastInvestmentAt: v.lastInvestmentAt,
      profile: profile && { ...profile, age: v.age },
    };
  }

  /** Memory a customer's keys take in Redis, in bytes (MEMORY USAGE). */
  async memoryUsage(customerId: string): Promise<number> {
    return ((await this.redis.memory('USAGE', this.keys.state(customerId), 'SAMPLES', '0')) as number | null) ?? 0;
  }
}

/** The decision log's stored entries (newest first), each checked against its schema. */
export function readDecisionLog(raw: readonly string[]): DecisionLog {
  const entries: DecisionLogEntry[] = [];
  let unreadable = 0;
  for (const text of raw) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      unreadable++;
      continue;
    }
    const e = decisionLogEntry.safeParse(json);
    if (e.success) entries.push(e.data);
    else unreadable++;
  }
  return { entries, unreadable };
}

/** A decision-log entry as stored, after checking it against its schema: a bad one is a bug and fails the chunk. */
export function checkedEntry(e: DecisionLogEntry): string {
  const r = decisionLogEntry.safeParse(e);
  if (!r.success) {
    const where = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.code}`).join('; ');
    throw new CarestreamError('CS_ERR_STATE_DECISION_ENTRY', `decision-log entry ${e.id} does not match its schema (${where})`);
  }
  return serializeEntry(r.data);
}

/** The field of a record's kept result: "<topic index>.<partition>@<offset>", as apply-events writes it. */
export function resultField(topicIndex: number, partition: number, offset: string | number): string {
  return `${topicIndex}.${partition}@${offset}`;
}

function decodeContacts(c: unknown[][] | undefined): StoredContact[] {
  return (c ?? []).map(([taskId, ruleId, kind, at]) => ({ taskId: taskId as string, ruleId: ruleId as string, kind: kind as string, at: at as number }));
}

function decodeProfile(p: unknown[]): Omit<ProfileView, 'age'> | null {
  if (!p || p.length === 0) return null;
  const [up, , mc, rt, ra, rm, ...channels] = p as number[];
  return {
    updatedAt: up!,
    marketingConsent: mc === 1,
    riskTolerance: rt === undefined || rt < 0 ? null : rt,
    riskAssessedAt: ra === undefined || ra < 0 ? null : ra,
    hasRelationshipManager: rm === 1,
    preferredChannels: channels as unknown as string[],
  };
}

function emptyView(customerId: string, profile: Omit<ProfileView, 'age'> | null, age: number | null): FeatureView {
  const zero = { sumMinor: 0, count: 0 };
  return {
    customerId, asOf: null, depositsMinor: 0, holdingsMinor: 0, assetsMinor: 0, avg30Minor: 0, avg30AgoMinor: 0,
    tier: 'ORDINARY', outflow1h: zero, outflow24h: zero, newCounterpartyOutflow1h: zero, maxOutflow90dMinor: 0,
    counterparties90d: 0, highRiskStreak: 0, mortgageInterest30d: 0, babyMonths: [], salaryMonths: [], lastInvestmentAt: null,
    profile: profile && { ...profile, age },
  };
}
