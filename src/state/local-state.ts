import { randomBytes } from 'node:crypto';
import { applyEach, applyEachTo, draftOf, emptyState, featureView, fireDue, nextDueAt, recordContacts, recordIssued, schedule, scheduleDraft, seedEvaluated, type CustomerState, type Draft, type FeatureOptions, type FeatureRecord, type KeptProfile } from '../features/index.ts';
import type { FiredTimer, TimerOptions } from '../features/timers.ts';
import { DEFAULT_TIERS, type TierThresholds } from '../features/tier.ts';
import { TOPIC_INDEX, cachedPseudonym, type StoreRecord } from './encode.ts';
import { STATE_DEFAULTS } from '../options.ts';
import type { BusinessCalendar } from './calendar.ts';
import { StateKeys } from './keys.ts';
import { defineScripts } from './scripts.ts';
import { inOneRound, type RedisClient } from './redis.ts';
import { customerValue, decodeResult, encodeResult, readCustomerValue, binaryStateCodec, type StateCodec } from './customer-value.ts';
import { STATUS, FencedError, StateLostError, checkedEntry, fenceError, readDecisionLog, resultField, type Applied, type CustomerFacts, type DecisionLog, type DecisionRecord, type Fence, type Outcome, type Status, type StoredContact, type StoredProfile } from './store.ts';
import type { CommittedRecord, CommittedTimers, ContactHistoryView, CustomerTimers, DecideHooks, DecideItem, DecisionOptions, StateEngine, ShardState, TimerStep, TimerStepRef } from './shard-state.ts';
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
  /** Customers a shard keeps in memory at most (STATE_CACHE_CUSTOMERS). */
  readonly cacheCustomers: number;
  /** How states are encoded (src/state/customer-value.ts); src/state/codec.ts when absent. */
  readonly codec?: StateCodec;
  /**
   * Time as a trigger (issue 13): the timer options of the rule set in force
   * (src/rules/time-context.ts), or undefined when shards fire no timers
   * (TIMERS_ENABLED=false: no timers scheduled, no due index written).
   */
  readonly timers?: () => TimerOptions | undefined;
}

/**
 * Field of a customer's pending hash holding the outputs of timers fired in
 * step `step` of ownership `owner` (not yet committed). Fields of the first
 * timers version were named by stream time only (`t@<streamTime>`).
 */
const timerField = (owner: string, step: number): string => `t@${owner}.${step}`;
const TIMER_FIELD = /^t@(?:(-?\d+)|([0-9a-z]{1,16})\.(\d{1,15}))$/;
/**
 * The due-index score of a customer keeping uncommitted timer outputs: below
 * every due time, so the first step of the next owner loads them all.
 */
const KEPT_SCORE = Number.MIN_SAFE_INTEGER;
/** The due index's member that holds its last writer's epoch (write-due-1.lua), not a customer. */
const EPOCH_MEMBER = '~epoch';

/** The customers of a due-index read of up to limit + 1 members, at most `limit`, and whether that was all of them. */
function dueMembers(raw: readonly string[], limit: number): { ids: string[]; complete: boolean } {
  const ids = raw.filter((id) => id !== EPOCH_MEMBER);
  return { ids: ids.slice(0, limit), complete: ids.length <= limit };
}

type ScriptedRedis = RedisClient & {
  acquireShard(shardKey: string): Promise<[number, number]>;
  claimCareTasks(ownersKey: string, partition: number, epoch: number): Promise<number>;
  markShardBuilt(shardKey: string, epoch: number): Promise<number>;
};

/** The scripts of a chunk's write, as inOneRound queues them. */
interface WriteRound {
  hmget(k: string, ...f: string[]): unknown;
  writeDue(...a: (string | number)[]): unknown;
  writeCustomer(...a: (string | number | Buffer)[]): unknown;
}

/** One customer as a shard holds them. */
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
  /** The due index should be rewritten for this customer at the next write (timers). */
  reindex: boolean;
  /** This ownership's timer steps whose outputs this customer keeps until they commit. */
  readonly kept: Set<number>;
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

/** The due-index changes of a write: customers with their next due time, customers without one. */
export interface DueWrite {
  readonly set: readonly (readonly [string, number])[];
  readonly remove: readonly string[];
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
 * The feature state with the TypeScript engine (src/features/) on shard-local
 * state, Redis as the store. A shard loads a customer on first touch (one
 * pipelined round of GETs per chunk for those not cached: single-key commands
 * only, so Redis Cluster can serve them), applies the chunk in memory and
 * writes every changed customer back once per chunk, before the chunk's Kafka
 * transaction commits, with write-customer-3.lua: the value carries the epoch
 * of the owner that wrote it and a write of an older epoch is refused, so a
 * fenced-off previous owner cannot overwrite the new owner's state. Every
 * write touches only the customer's keys (one hash tag, one slot); the shard's
 * own keys (epoch, built) are one key each.
 */
export class LocalStateStore implements StateEngine {
  readonly keys: StateKeys;
  private readonly redis: ScriptedRedis;
  private readonly o: LocalStateOptions;
  readonly features: FeatureOptions;
  readonly codec: StateCodec;

  constructor(redis: RedisClient, options: LocalStateOptions) {
    defineScripts(redis);
    this.redis = redis as ScriptedRedis;
    this.o = options;
    this.keys = new StateKeys(options.keyPrefix);
    this.codec = options.codec ?? binaryStateCodec;
    const key = options.pseudonymKey;
    this.features = { calendar: options.calendar, allowedLatenessMs: options.allowedLatenessMs, duplicateWindowMs: options.duplicateWindowMs, babyMccs: options.babyMccs, pseudonym: cachedPseudonym(key, STATE_DEFAULTS.pseudonymCacheEntries) };
  }

  openShard(partition: number): ShardState {
    return new ShardLocalState(this, partition, this.o.cacheCustomers);
  }

  async acquireShard(partition: number): Promise<{ epoch: number; built: boolean }> {
    const [epoch, built] = await this.redis.acquireShard(this.keys.shard(partition));
    // The care-task index is fenced by the epochs it keeps itself (one slot of its own on a cluster).
    await this.redis.claimCareTasks(this.keys.careTasks().owners, partition, epoch);
    return { epoch: Number(epoch), built: Number(built) === 1 };
  }

  async hasShardState(partition: number): Promise<boolean> {
    return (await this.redis.exists(this.keys.shard(partition))) === 1;
  }

  async markShardBuilt(fence: Fence): Promise<void> {
    try {
      await this.redis.markShardBuilt(this.keys.shard(fence.partition), fence.epoch);
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
    const res = await inOneRound(this.redis, (p) => {
      for (const id of customerIds) {
        p.getBuffer(this.keys.state(id));
        p.hgetall(this.keys.pending(id));
      }
    });
    return customerIds.map((_, i) => {
      const [e1, value] = res[2 * i]!;
      const [e2, pending] = res[2 * i + 1]!;
      if (e1) throw e1;
      if (e2) throw e2;
      return value ? { value: value as Buffer, pending: (pending ?? {}) as Record<string, string> } : null;
    });
  }

  /**
   * One round trip: the shard's ownership hash (lost state and a later owner
   * are noticed on every write, as the Lua scripts did) and every changed
   * customer, one fenced script call each.
   */
  async writeCustomers(writes: readonly CustomerWrite[], fence: Fence, due?: DueWrite): Promise<void> {
    const dueChanges = due !== undefined && due.set.length + due.remove.length > 0;
    if (writes.length === 0 && !dueChanges) return;
    const res = await inOneRound(this.redis, (chain) => {
      const p = chain as unknown as WriteRound;
      p.hmget(this.keys.shard(fence.partition), 'epoch', 'built');
      if (dueChanges) p.writeDue(this.keys.due(fence.partition), fence.epoch, due.set.length, ...due.set.flatMap(([id, at]) => [at, id]), ...due.remove);
      for (const w of writes) {
        const n = w.results.length / 2;
        p.writeCustomer(this.keys.state(w.customerId), this.keys.pending(w.customerId), this.keys.contacts(w.customerId), fence.epoch, w.value, n, w.stale.length, w.log.length, w.logSize, ...w.results, ...w.stale, ...w.log);
      }
    });
    const [shardErr, shard] = res[0] ?? [null, null];
    if (shardErr) throw shardErr;
    const [epoch, built] = (shard ?? []) as (string | null)[];
    const shardKey = this.keys.shard(fence.partition);
    if (epoch === null || epoch === undefined) throw new StateLostError(`shard state missing in Redis: ${shardKey}`);
    if (Number(epoch) !== fence.epoch) throw new FencedError(`shard ${shardKey} is owned by epoch ${epoch}, not ${fence.epoch}`);
    if (built !== '1' && !fence.rebuilding) throw new StateLostError(`shard state incomplete in Redis: ${shardKey}`);
    for (const [err] of res.slice(1)) if (err) throw fenceError(err);
  }

  /** After a commit: the kept results of its records go (one HDEL per customer, one round trip). */
  async forgetResults(byCustomer: ReadonlyMap<string, readonly string[]>): Promise<void> {
    if (byCustomer.size === 0) return;
    const res = await inOneRound(this.redis, (p) => {
      for (const [id, fields] of byCustomer) p.hdel(this.keys.pending(id), ...fields);
    });
    for (const [err] of res) if (err) throw err;
  }

  /** Customers of the shard's due index due at or before `at`, earliest first (at most `limit`). */
  async dueCustomers(partition: number, at: number, limit: number): Promise<string[]> {
    return dueMembers(await this.redis.zrangebyscore(this.keys.due(partition), '-inf', at, 'LIMIT', 0, limit + 1), limit).ids;
  }

  /**
   * The same, and in the same round trip what the index holds after `at`:
   * `nextAt` is the earliest due time later than `at` (Infinity: none), and
   * `complete` says whether `ids` are all the customers due by `at` (false
   * when more than `limit` are). The `~epoch` member is not a customer.
   */
  async dueIndex(partition: number, at: number, limit: number): Promise<{ ids: string[]; complete: boolean; nextAt: number }> {
    const key = this.keys.due(partition);
    const res = await inOneRound(this.redis, (p) => {
      p.zrangebyscore(key, '-inf', at, 'LIMIT', 0, limit + 1);
      p.zrangebyscore(key, `(${at}`, '+inf', 'WITHSCORES', 'LIMIT', 0, 2);
    });
    for (const [err] of res) if (err) throw err;
    const raw = res[0]![1] as string[];
    const after = res[1]![1] as string[];
    let nextAt = Infinity;
    for (let i = 0; i + 1 < after.length; i += 2) {
      if (after[i] === EPOCH_MEMBER) continue;
      nextAt = Number(after[i + 1]);
      break;
    }
    return { ...dueMembers(raw, limit), nextAt };
  }

  /** The timer options in force, or undefined when timers are off. */
  timerOptions(): TimerOptions | undefined {
    return this.o.timers?.();
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

  async timersOf(customerId: string): Promise<CustomerTimers | null> {
    const s = await this.stateOf(customerId);
    return s && { pending: s.timers ?? [], checks: s.fraudChecks ?? [] };
  }

  async memoryUsage(customerId: string): Promise<number> {
    return ((await this.redis.memory('USAGE', this.keys.state(customerId), 'SAMPLES', '0')) as number | null) ?? 0;
  }
}

/**
 * Contacts, decision-log entries and issued tasks of a decision, into the
 * customer's entry: with timers on, issued tasks are kept and the state is
 * rescheduled (unless `reschedule` is false: the caller schedules later).
 */
function applyDecision(e: Entry, r: DecisionRecord, options: DecisionOptions, timers: TimerOptions | undefined, reschedule = true): void {
  if (timers && r.issued && r.issued.fraudChecks.length + r.issued.outreachAt.length > 0) {
    e.state = recordIssued(e.state, r.issued);
    e.dirty = true;
  }
  if (r.contacts.length > 0) {
    e.state = recordContacts(e.state, r.contacts, options.keepContactsMs);
    e.dirty = true;
  }
  if (r.log.length > 0) {
    for (const entry of r.log) e.log.push(checkedEntry(entry));
    e.logSize = options.logSize;
    e.dirty = true;
  }
  if (timers && reschedule && e.dirty) e.state = schedule(e.state, timers);
}

function factsOf(s: CustomerState): CustomerFacts {
  return { profile: storedProfile(s.profile), contacts: contactsOf(s), ...(s.lastEvaluated && { tier: s.lastEvaluated.tier }) };
}

/** Two kept texts of one step (JSON arrays of outputs) as one. */
function joinKept(a: string, b: string): string {
  return JSON.stringify([...(JSON.parse(a) as unknown[]), ...(JSON.parse(b) as unknown[])]);
}

/**
 * Where the customer stands in the due index: the next timer's due time, or
 * KEPT_SCORE while outputs of fired timers are kept uncommitted (a new owner
 * must load the customer to publish them again); null when neither.
 */
function dueOf(e: Entry): number | null {
  if (e.kept.size > 0) return KEPT_SCORE;
  for (const f of e.replay?.keys() ?? []) if (TIMER_FIELD.test(f)) return KEPT_SCORE;
  return nextDueAt(e.state);
}

/**
 * Whether a kept field's step committed. A field of the owner that committed
 * last is committed up to that owner's last step. A field of another owner
 * is one of a later owner that never committed: every owner, in its first
 * step and so before its first commit, loads all customers keeping outputs
 * (KEPT_SCORE) and publishes or forgets every earlier owner's field, and a
 * commit that followed would have carried the later owner's marker.
 */
export function keptStepCommitted(field: string, committed: CommittedTimers): boolean {
  const m = TIMER_FIELD.exec(field);
  if (!m) return false;
  if (m[1] !== undefined) return committed.streamTime !== null && Number(m[1]) <= committed.streamTime;
  const c = committed.step;
  return c !== null && c.owner === m[2] && Number(m[3]) <= c.step;
}

function historyOf(s: CustomerState): ContactHistoryView {
  return { contacts: contactsOf(s), outcomes: s.outcomes.map((o) => ({ at: o.at, taskId: o.taskId, outcome: o.outcome })) };
}

/**
 * One shard's customers for one ownership. The cache is bounded: after each
 * write the least recently touched customers beyond the limit are dropped
 * (they are all written by then) and loaded again when next touched.
 */
export class ShardLocalState implements ShardState {
  private readonly store: LocalStateStore;
  private readonly partition: number;
  private readonly limit: number;
  /** In touch order, oldest first (a Map keeps insertion order). */
  private readonly cache = new Map<string, Entry>();

  /** This ownership, in the names of its kept timer outputs and in its commits' metadata (src/kafka/origin.ts). */
  readonly owner = randomBytes(6).toString('hex');

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
      this.touched.add(id);
      out.set(id, e);
    }
    return out;
  }

  private entryOf(loaded: { value: Buffer; pending: Record<string, string> } | null, fence: Fence): Entry {
    const fresh = (stale: string[] = []): Entry => ({ state: emptyState(), dirty: false, results: new Map(), replay: undefined, stale, log: [], logSize: 0, reindex: stale.length > 0, kept: new Set() });
    if (!loaded) return fresh();
    const { epoch, state } = readCustomerValue(loaded.value, this.store.codec);
    if (fence.rebuilding && epoch < fence.epoch) {
      // A rebuild starts from nothing: a value of an earlier epoch was written
      // before Redis lost the shard's state (or by an earlier attempt), so it
      // is not counted; its kept results go with the next write.
      return fresh(Object.keys(loaded.pending));
    }
    if (epoch > fence.epoch) throw new FencedError(`customer written by epoch ${epoch}, this owner holds ${fence.epoch} (shard ${this.partition})`);
    const pending = Object.entries(loaded.pending);
    return { state, dirty: false, results: new Map(), replay: pending.length > 0 ? new Map(pending) : undefined, stale: [], log: [], logSize: 0, reindex: false, kept: new Set() };
  }

  async apply(records: readonly StoreRecord[], fence: Fence, hooks?: DecideHooks): Promise<Applied & { decided?: unknown[]; decidedTimers?: unknown[] }> {
    const decided: unknown[] = [];
    const decidedTimers: unknown[] = [];
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
    const timers = this.store.timerOptions();
    for (const [id, idx] of groups) {
      const e = entries.get(id)!;
      let j = 0;
      const each = (record: FeatureRecord, r: Parameters<Parameters<typeof applyEach>[3]>[1], after: CustomerState) => {
        const field = resultField(TOPIC_INDEX[record.ref.topic], record.ref.partition, record.ref.offset);
        let outcome: Outcome;
        if (r.status === 'DUPLICATE_OFFSET') {
          // Applied before this chunk (a replay): the result it had then, if its chunk never committed.
          const kept = e.replay?.get(field);
          outcome = kept === undefined ? { status: STATUS.DUPLICATE_OFFSET } : decodeResult(kept);
        } else {
          const tier = timers && after.lastEvaluated?.tier;
          outcome = {
            status: STATUS_OF[r.status]!,
            ...(r.before && r.after && { before: r.before, after: r.after }),
            ...(r.digests && { digests: r.digests }),
            ...(tier && { tier }),
          };
          e.dirty = true;
          // A rebuild replays committed records only: nothing of it is replayed again.
          if (!fence.rebuilding) e.results.set(field, encodeResult(outcome));
        }
        outcomes[idx[j++]!] = outcome;
      };
      const group = idx.map((i) => records[i]! as FeatureRecord);
      if (timers) {
        // Record by record: a timer due before an event fires just before it,
        // and what the rules issue is in the state before the next item.
        // One copy of the state serves the group while nothing else replaces
        // it, and the timers are recomputed only when read: before the
        // customer's next event and at the group's end (scheduling per record
        // and a copy per record cost timers a quarter of the throughput).
        let draft: Draft | null = null;
        let unscheduled = false;
        // In place while the entry's state is still this group's draft (a decision may have replaced it).
        const reschedule = () => {
          if (e.state === draft) scheduleDraft(draft, timers);
          else e.state = schedule(e.state, timers);
        };
        for (const record of group) {
          if (record.kind !== 'profile') {
            if (unscheduled) {
              reschedule();
              unscheduled = false;
            }
            const at = nextDueAt(e.state);
            if (at !== null && at <= record.event.occurredAt - 1) {
              const f = fireDue(e.state, id, record.event.occurredAt - 1, timers);
              if (f.state !== e.state) {
                e.state = f.state;
                e.dirty = true;
              }
              if (f.fired.length > 0) {
                // Kept with the chunk's timer step (the caller's keepTimerOutputs): the state written before the
                // chunk commits has these timers consumed, so a replay of the chunk would not fire them again.
                if (hooks) decidedTimers.push(this.decideNow(e, id, { kind: 'timers', fired: f.fired }, hooks, timers));
                else this.addFired(id, f.fired);
              }
            }
          }
          const wasDirty = e.dirty;
          e.dirty = false;
          const k = j;
          if (draft === null || draft !== e.state) draft = draftOf(e.state);
          applyEachTo(draft, [record], o, each);
          if (e.dirty) {
            // The rules read the tier as last evaluated right away; the timers wait (unscheduled).
            seedEvaluated(draft, timers);
            e.state = draft;
            unscheduled = true;
          }
          e.dirty ||= wasDirty;
          const outcome = outcomes[idx[k]!]!;
          // Applied: unscheduled already, so what the decision records waits for the same schedule().
          if (hooks && outcome.status === STATUS.APPLIED) decided.push(this.decideNow(e, id, { kind: 'event', record: records[idx[k]!]!, outcome }, hooks, timers, false));
        }
        if (unscheduled) reschedule();
      } else {
        const next = applyEach(e.state, group, o, each);
        if (e.dirty) e.state = next;
      }
      customers.set(id, factsOf(e.state));
    }
    return { outcomes, customers, ...(hooks && { decided, decidedTimers }) };
  }

  async recordDecisions(records: readonly DecisionRecord[], options: DecisionOptions, fence: Fence): Promise<void> {
    if (records.length === 0) return;
    const entries = await this.entries(records.map((r) => r.customerId), fence);
    const timers = this.store.timerOptions();
    for (const r of records) applyDecision(entries.get(r.customerId)!, r, options, timers);
  }

  /** The rules over one item of a customer now, and what they issued recorded in the customer's state. */
  private decideNow(e: Entry, customerId: string, item: DecideItem, hooks: DecideHooks, timers: TimerOptions, reschedule = true): unknown {
    const r = hooks.decide(customerId, item, factsOf(e.state));
    if (r.record) applyDecision(e, r.record, hooks.options, timers, reschedule);
    return r.decided;
  }

  async contactHistory(customerId: string): Promise<ContactHistoryView | null> {
    const cached = this.cache.get(customerId);
    if (cached) return historyOf(cached.state);
    return this.store.contactHistory(customerId);
  }

  async flush(fence: Fence): Promise<void> {
    const writes: CustomerWrite[] = [];
    const written: Entry[] = [];
    const indexed = this.store.timerOptions() !== undefined;
    const due = { set: [] as [string, number][], remove: [] as string[] };
    for (const customerId of this.touched) {
      const e = this.cache.get(customerId);
      if (!e) continue;
      if (indexed && (e.dirty || e.reindex)) {
        const at = dueOf(e);
        if (at === null) due.remove.push(customerId);
        else {
          due.set.push([customerId, at]);
          if (at < this.dueWrittenMin) this.dueWrittenMin = at;
        }
        e.reindex = false;
      }
      if (!e.dirty) continue;
      const results: string[] = [];
      for (const [f, v] of e.results) results.push(f, v);
      writes.push({ customerId, value: customerValue(fence.epoch, e.state, this.store.codec), results, stale: e.stale, log: e.log, logSize: e.logSize });
      written.push(e);
    }
    await this.store.writeCustomers(writes, fence, due);
    this.touched.clear();
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
      if (!e.dirty && !e.reindex && e.kept.size === 0) this.cache.delete(id);
    }
  }

  /**
   * The customers handed out (entries()) or marked for reindexing since the
   * last write-back: every dirty entry is one of them, so the write-back and
   * the timer step look at these instead of the whole cache (up to
   * STATE_CACHE_CUSTOMERS, per chunk).
   */
  private readonly touched = new Set<string>();

  /** Timers fired just before a record of the chunk (apply), decided with the chunk's timer step. */
  private readonly firedEarly = new Map<string, FiredTimer[]>();

  private addFired(customerId: string, fired: readonly FiredTimer[]): void {
    const list = this.firedEarly.get(customerId);
    if (list) list.push(...fired);
    else this.firedEarly.set(customerId, [...fired]);
  }

  /**
   * What this ownership knows of its due index in Redis, so that a timer step
   * reads it only when something in it may be due: every entry not handed to
   * a step is due no earlier than min(dueFloor, dueWrittenMin). dueFloor is
   * the earliest due time after the last complete read (-Infinity before the
   * first); dueWrittenMin the earliest due time this ownership wrote since
   * (the customers that read handed out are written again at the flush that
   * follows, with their new due times). Nobody else writes the index while
   * this ownership holds it (write-due-1.lua fences by epoch), and an
   * ownership that fails is replaced, state and all (ShardManager.acquire).
   * On a live stream most chunks then fire nothing without a round trip.
   */
  private dueFloor = -Infinity;
  private dueWrittenMin = Infinity;

  private async dueNow(streamTime: number): Promise<string[]> {
    if (streamTime < this.dueFloor && streamTime < this.dueWrittenMin) return [];
    const r = await this.store.dueIndex(this.partition, streamTime, STATE_DEFAULTS.dueCustomersPerStep);
    this.dueFloor = r.complete ? r.nextAt : -Infinity;
    this.dueWrittenMin = Infinity;
    return r.ids;
  }

  /** Customers that kept timer outputs in this ownership, by step. */
  private readonly keptSteps = new Map<number, Set<string>>();
  /** Whether a step loaded every customer keeping outputs of an earlier owner (the first step does). */
  private keptLoaded = false;

  async fireDue(streamTime: number, step: TimerStepRef | null, fence: Fence, hooks?: DecideHooks): Promise<TimerStep> {
    const timers = this.store.timerOptions();
    const fired = new Map<string, readonly FiredTimer[]>();
    const customers = new Map<string, CustomerFacts>();
    const kept: string[] = [];
    const decided: unknown[] = [];
    if (!timers) return { fired, customers, kept, decided };
    const ids = await this.dueNow(streamTime);
    // Before this ownership's first commit, every earlier owner's kept outputs are published or forgotten (keptStepCommitted).
    if (step && !this.keptLoaded) ids.push(...(await this.store.dueCustomers(this.partition, KEPT_SCORE, Number.MAX_SAFE_INTEGER)));
    const early = new Map(this.firedEarly);
    this.firedEarly.clear();
    // The index in Redis is written at the flush: customers this chunk changed are looked at here.
    const changed: string[] = [];
    for (const id of this.touched) {
      const e = this.cache.get(id);
      if (!e?.dirty) continue;
      const at = nextDueAt(e.state);
      if (at !== null && at <= streamTime) changed.push(id);
    }
    const entries = await this.entries([...new Set([...early.keys(), ...ids, ...changed])], fence);
    for (const [id, e] of entries) {
      // Outputs an earlier owner kept: published again (and kept under this step) when their step never
      // committed, forgotten when it did. A rebuild (no step) finds none: Redis lost them with the state.
      if (e.replay) {
        for (const [field, text] of e.replay) {
          if (!TIMER_FIELD.test(field)) continue;
          e.replay.delete(field);
          e.dirty = true;
          if (step && !keptStepCommitted(field, step.committed)) {
            kept.push(text);
            const mine = timerField(this.owner, step.step);
            const before = e.results.get(mine);
            e.results.set(mine, before === undefined ? text : joinKept(before, text));
            this.noteKept(step.step, id, e);
            if (field === mine) continue;
          }
          e.stale.push(field);
        }
      }
      const r = fireDue(e.state, id, streamTime, timers);
      if (r.state !== e.state) {
        e.state = r.state;
        e.dirty = true;
      }
      // Nothing due after all (a stale index entry, a rule switched off): the index is put right at the next write.
      e.reindex = true;
      const all = [...(early.get(id) ?? []), ...r.fired];
      if (all.length > 0) {
        fired.set(id, all);
        if (hooks) decided.push(this.decideNow(e, id, { kind: 'timers', fired: all }, hooks, timers));
        customers.set(id, factsOf(e.state));
      }
    }
    if (step) this.keptLoaded = true;
    return { fired, customers, kept, decided };
  }

  async keepTimerOutputs(step: number, byCustomer: ReadonlyMap<string, string>, fence: Fence): Promise<void> {
    if (byCustomer.size === 0) return;
    const entries = await this.entries([...byCustomer.keys()], fence);
    for (const [id, text] of byCustomer) {
      const e = entries.get(id)!;
      const field = timerField(this.owner, step);
      const before = e.results.get(field);
      // Outputs kept again from an earlier owner come first (fireDue put them there).
      e.results.set(field, before === undefined ? text : joinKept(before, text));
      e.dirty = true;
      this.noteKept(step, id, e);
    }
  }

  private noteKept(step: number, customerId: string, e: Entry): void {
    e.kept.add(step);
    let ids = this.keptSteps.get(step);
    if (!ids) this.keptSteps.set(step, (ids = new Set()));
    ids.add(customerId);
  }

  async committedTimers(step: number): Promise<void> {
    const byCustomer = new Map<string, string[]>();
    for (const [at, ids] of this.keptSteps) {
      if (at > step) continue;
      this.keptSteps.delete(at);
      for (const id of ids) {
        let fields = byCustomer.get(id);
        if (!fields) byCustomer.set(id, (fields = []));
        fields.push(timerField(this.owner, at));
        // The index's low entry for the kept outputs goes at the next write.
        const e = this.cache.get(id);
        if (e) {
          e.kept.delete(at);
          e.reindex = true;
          this.touched.add(id);
        }
      }
    }
    await this.store.forgetResults(byCustomer);
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
