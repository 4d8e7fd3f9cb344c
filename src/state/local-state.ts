import type { Redis } from 'ioredis';
import { applyEach, emptyState, featureView, recordContacts, type CustomerState, type FeatureOptions, type FeatureRecord, type KeptProfile } from '../features/index.ts';
import { DEFAULT_TIERS, type TierThresholds } from '../features/tier.ts';
import { TOPIC_INDEX, pseudonym, type StoreRecord } from './encode.ts';
import type { BusinessCalendar } from './calendar.ts';
import { StateKeys } from './keys.ts';
import { defineScripts } from './scripts.ts';
import { customerValue, decodeResult, encodeResult, readCustomerValue, binaryStateCodec, type StateCodec } from './customer-value.ts';
import { STATUS, FencedError, StateLostError, checkedEntry, fenceError, readDecisionLog, resultField, type Applied, type CustomerFacts, type DecisionLog, type DecisionRecord, type Fence, type Outcome, type Status, type StoredContact, type StoredProfile } from './store.ts';
import type { CommittedRecord, ContactHistoryView, DecisionOptions, StateEngine, TaskState } from './task-state.ts';
import type { FeatureView } from './feature-view.ts';

export interface LocalStateOptions {
  readonly keyPrefix: string;
  readonly allowedLatenessMs: number;
  /** DUPLICATE_WINDOW_DAYS in ms: an event published again this far back is a duplicate, not LATE. */
  readonly duplicateWindowMs: number;
  readonly calendar: BusinessCalendar;
  readonly babyMccs: ReadonlySet<string>;
  readonly pseudonymKey: string;
  readonly tiers?: TierThresholds;
  /** Customers a task keeps in memory at most (STATE_CACHE_CUSTOMERS). */
  readonly cacheCustomers: number;
  /** How states are encoded (src/state/customer-value.ts); src/state/codec.ts when absent. */
  readonly codec?: StateCodec;
}

type ScriptedRedis = Redis & {
  acquireTask(taskKey: string): Promise<[number, number]>;
  markTaskBuilt(taskKey: string, epoch: number): Promise<number>;
};

type Exec = Promise<[Error | null, unknown][] | null>;

/** One customer as a task holds them. */
interface Entry {
  state: CustomerState;
  /** Changed since the last write. */
  dirty: boolean;
  /** Results of this ownership's records, written with the state (field -> result). */
  readonly results: Map<string, string>;
  /** Kept results as loaded (a replay gets them back), and fields of them to delete at the next write. */
  replay: Map<string, string> | undefined;
  stale: string[];
  /** Decision-log entries to push at the next write, and how many the log keeps. */
  log: string[];
  logSize: number;
}

/** A customer's write, as one call of write-customer-3.lua. */
export interface CustomerWrite {
  readonly customerId: string;
  readonly value: Buffer;
  readonly results: readonly string[];
  readonly stale: readonly string[];
  readonly log: readonly string[];
  readonly logSize: number;
}

const STATUS_OF: Readonly<Record<string, Status>> = STATUS;

function storedProfile(p: KeptProfile | null): StoredProfile | null {
  return p && {
    updatedAt: p.updatedAt,
    marketingConsent: p.marketingConsent,
    riskTolerance: p.riskTolerance,
    riskAssessedAt: p.riskAssessedAt,
    hasRelationshipManager: p.hasRelationshipManager,
    preferredChannels: p.preferredChannels,
  };
}

function contactsOf(s: CustomerState): StoredContact[] {
  return s.contacts.map((c) => ({ taskId: c.taskId, ruleId: c.ruleId, kind: c.kind, at: c.at }));
}

/**
 * The feature state with the TypeScript engine (src/features/) on task-local
 * state, Redis as the store. A task loads a customer on first touch (one
 * pipelined round of GETs per chunk for those not cached: single-key commands
 * only, so Redis Cluster can serve them), applies the chunk in memory and
 * writes every changed customer back once per chunk, before the chunk's Kafka
 * transaction commits, with write-customer-3.lua: the value carries the epoch
 * of the owner that wrote it and a write of an older epoch is refused, so a
 * fenced-off previous owner cannot overwrite the new owner's state. Every
 * write touches only the customer's keys (one hash tag, one slot); the task's
 * own keys (epoch, built) are one key each.
 */
export class LocalStateStore implements StateEngine {
  readonly keys: StateKeys;
  private readonly redis: ScriptedRedis;
  private readonly o: LocalStateOptions;
  readonly features: FeatureOptions;
  readonly codec: StateCodec;

  constructor(redis: Redis, options: LocalStateOptions) {
    defineScripts(redis);
    this.redis = redis as ScriptedRedis;
    this.o = options;
    this.keys = new StateKeys(options.keyPrefix);
    this.codec = options.codec ?? binaryStateCodec;
    const key = options.pseudonymKey;
    this.features = { calendar: options.calendar, allowedLatenessMs: options.allowedLatenessMs, duplicateWindowMs: options.duplicateWindowMs, babyMccs: options.babyMccs, pseudonym: (v) => pseudonym(v, key) };
  }

  openTask(partition: number): TaskState {
    return new TaskLocalState(this, partition, this.o.cacheCustomers);
  }

  async acquireTask(partition: number): Promise<{ epoch: number; built: boolean }> {
    const [epoch, built] = await this.redis.acquireTask(this.keys.task(partition));
    return { epoch: Number(epoch), built: Number(built) === 1 };
  }

  async hasTaskState(partition: number): Promise<boolean> {
    return (await this.redis.exists(this.keys.task(partition))) === 1;
  }

  async markTaskBuilt(fence: Fence): Promise<void> {
    try {
      await this.redis.markTaskBuilt(this.keys.task(fence.partition), fence.epoch);
    } catch (err) {
      throw fenceError(err as Error);
    }
  }

  /**
   * One round trip: each customer's value and kept results (two single-key
   * commands per customer, pipelined). Missing customers come back as null.
   */
  async loadCustomers(customerIds: readonly string[]): Promise<({ value: Buffer; pending: Record<string, string> } | null)[]> {
    if (customerIds.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of customerIds) {
      p.getBuffer(this.keys.state(id));
      p.hgetall(this.keys.pending(id));
    }
    const res = (await (p.exec() as Exec)) ?? [];
    return customerIds.map((_, i) => {
      const [e1, value] = res[2 * i]!;
      const [e2, pending] = res[2 * i + 1]!;
      if (e1) throw e1;
      if (e2) throw e2;
      return value ? { value: value as Buffer, pending: (pending ?? {}) as Record<string, string> } : null;
    });
  }

  /**
   * One round trip: the task's ownership hash (lost state and a later owner
   * are noticed on every write, as the Lua scripts did) and every changed
   * customer, one fenced script call each.
   */
  async writeCustomers(writes: readonly CustomerWrite[], fence: Fence): Promise<void> {
    if (writes.length === 0) return;
    const p = this.redis.pipeline() as unknown as { hmget(k: string, ...f: string[]): unknown; writeCustomer(...a: (string | number | Buffer)[]): unknown; exec(): Exec };
    p.hmget(this.keys.task(fence.partition), 'epoch', 'built');
    for (const w of writes) {
      const n = w.results.length / 2;
      p.writeCustomer(this.keys.state(w.customerId), this.keys.pending(w.customerId), this.keys.contacts(w.customerId), fence.epoch, w.value, n, w.stale.length, w.log.length, w.logSize, ...w.results, ...w.stale, ...w.log);
    }
    const res = (await p.exec()) ?? [];
    const [taskErr, task] = res[0] ?? [null, null];
    if (taskErr) throw taskErr;
    const [epoch, built] = (task ?? []) as (string | null)[];
    const taskKey = this.keys.task(fence.partition);
    if (epoch === null || epoch === undefined) throw new StateLostError(`task state missing in Redis: ${taskKey}`);
    if (Number(epoch) !== fence.epoch) throw new FencedError(`task ${taskKey} is owned by epoch ${epoch}, not ${fence.epoch}`);
    if (built !== '1' && !fence.rebuilding) throw new StateLostError(`task state incomplete in Redis: ${taskKey}`);
    for (const [err] of res.slice(1)) if (err) throw fenceError(err);
  }

  /** After a commit: the kept results of its records go (one HDEL per customer, one round trip). */
  async forgetResults(byCustomer: ReadonlyMap<string, readonly string[]>): Promise<void> {
    if (byCustomer.size === 0) return;
    const p = this.redis.pipeline();
    for (const [id, fields] of byCustomer) p.hdel(this.keys.pending(id), ...fields);
    for (const [err] of (await (p.exec() as Exec)) ?? []) if (err) throw err;
  }

  /** The customer's state as stored, or null when unknown. */
  async stateOf(customerId: string): Promise<CustomerState | null> {
    const value = await this.redis.getBuffer(this.keys.state(customerId));
    return value ? readCustomerValue(value, this.codec).state : null;
  }

  async inspect(customerId: string): Promise<FeatureView | null> {
    const s = await this.stateOf(customerId);
    if (!s) return null;
    const profileMonth = s.profile ? this.o.calendar.month(s.profile.updatedAt) : undefined;
    return featureView(customerId, s, this.o.tiers ?? DEFAULT_TIERS, profileMonth);
  }

  async decisionLog(customerId: string): Promise<DecisionLog> {
    return readDecisionLog(await this.redis.lrange(this.keys.contacts(customerId), 0, -1));
  }

  async contactHistory(customerId: string): Promise<ContactHistoryView | null> {
    const s = await this.stateOf(customerId);
    return s && historyOf(s);
  }

  async memoryUsage(customerId: string): Promise<number> {
    return ((await this.redis.memory('USAGE', this.keys.state(customerId), 'SAMPLES', '0')) as number | null) ?? 0;
  }
}

function historyOf(s: CustomerState): ContactHistoryView {
  return { contacts: contactsOf(s), outcomes: s.outcomes.map((o) => ({ at: o.at, taskId: o.taskId, outcome: o.outcome })) };
}

/**
 * One task's customers for one ownership. The cache is bounded: after each
 * write the least recently touched customers beyond the limit are dropped
 * (they are all written by then) and loaded again when next touched.
 */
export class TaskLocalState implements TaskState {
  private readonly store: LocalStateStore;
  private readonly partition: number;
  private readonly limit: number;
  /** In touch order, oldest first (a Map keeps insertion order). */
  private readonly cache = new Map<string, Entry>();

  constructor(store: LocalStateStore, partition: number, limit: number) {
    this.store = store;
    this.partition = partition;
    this.limit = limit;
  }

  /** Customers held in memory now. */
  get size(): number {
    return this.cache.size;
  }

  /** The entries of `ids`, loading in one round trip those not cached; each is touched (moved to the newest end). */
  private async entries(ids: readonly string[], fence: Fence): Promise<Map<string, Entry>> {
    const missing = ids.filter((id) => !this.cache.has(id));
    const loaded = await this.store.loadCustomers(missing);
    missing.forEach((id, i) => this.cache.set(id, this.entryOf(loaded[i]!, fence)));
    const out = new Map<string, Entry>();
    for (const id of ids) {
      const e = this.cache.get(id)!;
      this.cache.delete(id);
      this.cache.set(id, e);
      out.set(id, e);
    }
    return out;
  }

  private entryOf(loaded: { value: Buffer; pending: Record<string, string> } | null, fence: Fence): Entry {
    const fresh = (stale: string[] = []): Entry => ({ state: emptyState(), dirty: false, results: new Map(), replay: undefined, stale, log: [], logSize: 0 });
    if (!loaded) return fresh();
    const { epoch, state } = readCustomerValue(loaded.value, this.store.codec);
    if (fence.rebuilding && epoch < fence.epoch) {
      // A rebuild starts from nothing: a value of an earlier epoch was written
      // before Redis lost the task's state (or by an earlier attempt), so it
      // is not counted; its kept results go with the next write.
      return fresh(Object.keys(loaded.pending));
    }
    if (epoch > fence.epoch) throw new FencedError(`customer written by epoch ${epoch}, this owner holds ${fence.epoch} (task ${this.partition})`);
    const pending = Object.entries(loaded.pending);
    return { state, dirty: false, results: new Map(), replay: pending.length > 0 ? new Map(pending) : undefined, stale: [], log: [], logSize: 0 };
  }

  async apply(records: readonly StoreRecord[], fence: Fence): Promise<Applied> {
    const groups = new Map<string, number[]>();
    records.forEach((r, i) => {
      const id = r.event.customerId;
      let g = groups.get(id);
      if (!g) groups.set(id, (g = []));
      g.push(i);
    });
    const entries = await this.entries([...groups.keys()], fence);
    const outcomes: Outcome[] = new Array(records.length);
    const customers = new Map<string, CustomerFacts>();
    const o = this.store.features;
    for (const [id, idx] of groups) {
      const e = entries.get(id)!;
      let j = 0;
      const next = applyEach(e.state, idx.map((i) => records[i]! as FeatureRecord), o, (record, r) => {
        const field = resultField(TOPIC_INDEX[record.ref.topic], record.ref.partition, record.ref.offset);
        let outcome: Outcome;
        if (r.status === 'DUPLICATE_OFFSET') {
          // Applied before this chunk (a replay): the result it had then, if its chunk never committed.
          const kept = e.replay?.get(field);
          outcome = kept === undefined ? { status: STATUS.DUPLICATE_OFFSET } : decodeResult(kept);
        } else {
          outcome = {
            status: STATUS_OF[r.status]!,
            ...(r.before && r.after && { before: r.before, after: r.after }),
            ...(r.digests && { digests: r.digests }),
          };
          e.dirty = true;
          // A rebuild replays committed records only: nothing of it is replayed again.
          if (!fence.rebuilding) e.results.set(field, encodeResult(outcome));
        }
        outcomes[idx[j++]!] = outcome;
      });
      if (e.dirty) e.state = next;
      customers.set(id, { profile: storedProfile(e.state.profile), contacts: contactsOf(e.state) });
    }
    return { outcomes, customers };
  }

  async recordDecisions(records: readonly DecisionRecord[], options: DecisionOptions, fence: Fence): Promise<void> {
    if (records.length === 0) return;
    const entries = await this.entries(records.map((r) => r.customerId), fence);
    for (const r of records) {
      const e = entries.get(r.customerId)!;
      if (r.contacts.length > 0) {
        e.state = recordContacts(e.state, r.contacts, options.keepContactsMs);
        e.dirty = true;
      }
      if (r.log.length > 0) {
        for (const entry of r.log) e.log.push(checkedEntry(entry));
        e.logSize = options.logSize;
        e.dirty = true;
      }
    }
  }

  async contactHistory(customerId: string): Promise<ContactHistoryView | null> {
    const cached = this.cache.get(customerId);
    if (cached) return historyOf(cached.state);
    return this.store.contactHistory(customerId);
  }

  async flush(fence: Fence): Promise<void> {
    const writes: CustomerWrite[] = [];
    const written: Entry[] = [];
    for (const [customerId, e] of this.cache) {
      if (!e.dirty) continue;
      const results: string[] = [];
      for (const [f, v] of e.results) results.push(f, v);
      writes.push({ customerId, value: customerValue(fence.epoch, e.state, this.store.codec), results, stale: e.stale, log: e.log, logSize: e.logSize });
      written.push(e);
    }
    await this.store.writeCustomers(writes, fence);
    for (const e of written) {
      e.dirty = false;
      e.results.clear();
      e.stale = [];
      e.log = [];
    }
    this.evict();
  }

  /** Drops the least recently touched clean customers beyond the limit. */
  private evict(): void {
    if (this.cache.size <= this.limit) return;
    for (const [id, e] of this.cache) {
      if (this.cache.size <= this.limit) break;
      if (!e.dirty) this.cache.delete(id);
    }
  }

  async committed(records: readonly CommittedRecord[]): Promise<void> {
    const byCustomer = new Map<string, string[]>();
    for (const r of records) {
      if (r.customerId === undefined) continue;
      let fields = byCustomer.get(r.customerId);
      if (!fields) byCustomer.set(r.customerId, (fields = []));
      fields.push(resultField(r.topicIndex, this.partition, r.offset));
    }
    await this.store.forgetResults(byCustomer);
  }
}
