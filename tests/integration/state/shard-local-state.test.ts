// The shard-local state store on the real Redis: per-key fencing, the kept
// results a replay gets back, the bounded cache, and a rebuild that does not
// count what an earlier epoch wrote.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Cluster } from 'ioredis';
import { CareTaskIndex } from '../../../src/state/care-task-index.ts';
import type { CareTaskIssued } from '../../../src/pipeline/care-task-updates.ts';
import { createRedis, deleteKeysWithPrefix, type RedisClient } from '../../../src/state/redis.ts';
import { createStore } from '../../../src/app.ts';
import { LocalStateStore } from '../../../src/state/local-state.ts';
import { StateKeys } from '../../../src/state/keys.ts';
import { customerValue, EPOCH_DIGITS, valueEpoch } from '../../../src/state/customer-value.ts';
import { emptyState } from '../../../src/features/index.ts';
import { FencedError, StateLostError, STATUS, type Fence } from '../../../src/state/store.ts';
import type { StoreRecord } from '../../../src/state/encode.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { tx } from '../../support/events.ts';
import { testConfig, uniqueName } from '../../support/stack.ts';
import { BusinessCalendar } from '../../../src/state/calendar.ts';
import { timerOptionsOf } from '../../../src/rules/time-context.ts';
import { defaultRuleSet } from '../../../src/rules/config.ts';

describe('shard-local state in Redis', () => {
  let redis: RedisClient;
  const prefixes: string[] = [];
  beforeAll(async () => {
    const config = testConfig();
    redis = createRedis(config.redis.url!, config);
    await redis.connect();
  });
  afterAll(async () => {
    for (const p of prefixes) await deleteKeysWithPrefix(redis, p).catch(() => {});
    await redis.quit();
  });

  const storeOf = (extra: Record<string, string> = {}) => {
    const prefix = uniqueName('it-local');
    prefixes.push(prefix);
    const store = createStore(redis, testConfig({ REDIS_KEY_PREFIX: prefix, ...extra }));
    return { store, keys: new StateKeys(prefix) };
  };
  let offset = 0;
  const record = (c: string, at: string, balance: number): StoreRecord => ({
    ref: { topic: TOPICS.transactions, partition: 0, offset: offset++ },
    kind: 'transaction',
    event: tx(c, at, { amountMinor: 1_000, balanceAfterMinor: balance }),
  });
  const owner = async (store: LocalStateStore): Promise<Fence> => {
    const { epoch } = await store.acquireShard(0);
    return { partition: 0, epoch };
  };
  const epochOf = async (key: string) => valueEpoch((await redis.getBuffer(key))!).epoch;

  it('fences the care-task index by the owner epochs it keeps in its own slot, and notices when it was lost', async () => {
    const { store, keys } = storeOf();
    const index = new CareTaskIndex(redis, keys.prefix);
    const issued = (taskId: string): { issued: CareTaskIssued[]; outcomes: [] } => ({
      issued: [{ taskId, customerId: 'C-ct', kind: 'FRAUD_CHECK', ruleId: 'large-outflow', priority: 'P1', tier: null, channel: 'CALL_CENTER', dueBy: Date.now() + 86_400_000, escalates: null }],
      outcomes: [],
    });
    const first = await owner(store);
    await index.record(issued('T-1'), 0, first);
    expect((await index.get('T-1'))?.ruleId).toBe('large-outflow');

    // A take-over records the new epoch in the index: the old owner is refused there, the new one writes.
    const second = await owner(store);
    expect(Number(await redis.hget(keys.careTasks().owners, '0'))).toBe(second.epoch);
    await expect(index.record(issued('T-2'), 0, first)).rejects.toBeInstanceOf(FencedError);
    expect(await index.get('T-2')).toBeNull();
    await index.record(issued('T-3'), 0, second);
    expect(await index.get('T-3')).not.toBeNull();
    // A slow claim of the old owner does not take the partition back.
    expect(await (redis as unknown as { claimCareTasks(k: string, p: number, e: number): Promise<number> }).claimCareTasks(keys.careTasks().owners, 0, first.epoch)).toBe(second.epoch);

    // The index lost (its owners hash gone with it): nothing is written until the shard is acquired again.
    await redis.del(keys.careTasks().owners);
    await expect(index.record(issued('T-4'), 0, second)).rejects.toBeInstanceOf(StateLostError);
    expect(await index.get('T-4')).toBeNull();
    const third = await owner(store);
    await index.record(issued('T-4'), 0, third);
    expect(await index.get('T-4')).not.toBeNull();
  });

  it('moves a care-task index of the earlier layout (no hash tag) to its keys, once, on one server', async () => {
    const { keys } = storeOf();
    const index = new CareTaskIndex(redis, keys.prefix);
    if (redis instanceof Cluster) {
      // A cluster never held the earlier layout (the service refused one then).
      expect(await index.adoptEarlierLayout()).toBe(0);
      return;
    }
    const earlier = keys.earlierCareTasks();
    const record = JSON.stringify({ c: 'C-old', k: 'FRAUD_CHECK', r: 'large-outflow', p: 'P1', t: null, ch: 'CALL_CENTER', d: Date.now() + 3_600_000 });
    await redis.hset(earlier.records, 'T-old', record);
    await redis.zadd(earlier.open, Date.now() + 3_600_000, 'T-old');
    await redis.zadd(earlier.closed, 1, 'T-closed');
    expect(await index.adoptEarlierLayout()).toBe(3);
    expect(await redis.exists(earlier.records)).toBe(0);
    expect((await index.get('T-old'))?.customerId).toBe('C-old');
    expect(await redis.zscore(keys.careTasks().open, 'T-old')).not.toBeNull();
    expect(await redis.zscore(keys.careTasks().closed, 'T-closed')).toBe('1');
    // Again: nothing left to move, and what is there stays.
    expect(await index.adoptEarlierLayout()).toBe(0);
    expect((await index.get('T-old'))?.customerId).toBe('C-old');
  });

  it('refuses the writes of an owner fenced off by a take-over, per customer key', async () => {
    const { store, keys } = storeOf();
    const c = uniqueName('C-fence');
    const first = await owner(store);
    await store.markShardBuilt(first);
    const a = store.openShard(0);
    await a.apply([record(c, '2026-11-01T09:00:00+08:00', 1_000)], first);
    await a.flush(first);

    const second = await owner(store);
    expect(second.epoch).toBeGreaterThan(first.epoch);
    const b = store.openShard(0);
    await b.apply([record(c, '2026-11-01T10:00:00+08:00', 2_000)], second);
    await b.flush(second);

    // The old owner goes on: its write is refused and the new owner's value stays.
    await a.apply([record(c, '2026-11-01T11:00:00+08:00', 3_000)], first);
    await expect(a.flush(first)).rejects.toBeInstanceOf(FencedError);
    expect(await epochOf(keys.state(c))).toBe(second.epoch);
    expect((await store.inspect(c))?.depositsMinor).toBe(2_000);

    // The customer's own key refuses it too, whatever the shard hash says: the script compares the epoch in the value.
    await redis.hset(keys.shard(0), 'epoch', String(first.epoch));
    await expect(store.writeCustomers([{ customerId: c, value: customerValue(first.epoch, emptyState(), store.codec), results: [], stale: [], log: [], logSize: 50 }], first)).rejects.toBeInstanceOf(FencedError);
    expect(await epochOf(keys.state(c))).toBe(second.epoch);
    expect((await store.inspect(c))?.depositsMinor).toBe(2_000);

    // A fenced-off owner loading a customer the new owner wrote stops at once.
    await expect(store.openShard(0).apply([record(c, '2026-11-01T12:00:00+08:00', 4_000)], first)).rejects.toBeInstanceOf(FencedError);

    // A value written before 2026-12-04 (the epoch in 16 ASCII digits) fences the same way, and a later owner overwrites it in the 6-byte head.
    const old = await redis.getBuffer(keys.state(c));
    const body = old!.subarray(valueEpoch(old!).bodyAt);
    await redis.set(keys.state(c), Buffer.concat([Buffer.from(String(second.epoch).padStart(EPOCH_DIGITS, '0'), 'ascii'), body]));
    await expect(store.writeCustomers([{ customerId: c, value: customerValue(first.epoch, emptyState(), store.codec), results: [], stale: [], log: [], logSize: 50 }], first)).rejects.toBeInstanceOf(FencedError);
    expect((await redis.getBuffer(keys.state(c)))!.subarray(0, EPOCH_DIGITS).toString('ascii')).toBe(String(second.epoch).padStart(EPOCH_DIGITS, '0'));
    const third = await owner(store);
    await store.writeCustomers([{ customerId: c, value: customerValue(third.epoch, emptyState(), store.codec), results: [], stale: [], log: [], logSize: 50 }], third);
    expect(await epochOf(keys.state(c))).toBe(third.epoch);
    expect((await redis.getBuffer(keys.state(c)))![0]).toBeLessThan(0x30);
  });

  it('gives a chunk replayed by a new owner the results it had, until its chunk commits', async () => {
    const { store, keys } = storeOf();
    const c = uniqueName('C-replay');
    const first = await owner(store);
    await store.markShardBuilt(first);
    const chunk = [record(c, '2026-11-02T09:00:00+08:00', 1_000), record(c, '2026-11-02T09:10:00+08:00', 2_000)];
    const a = store.openShard(0);
    const firstRun = await a.apply(chunk, first);
    await a.flush(first);
    expect(firstRun.outcomes.map((o) => o.status)).toEqual([STATUS.APPLIED, STATUS.APPLIED]);
    expect(await redis.hlen(keys.pending(c))).toBe(2);

    // The first owner failed before committing: the next one replays the chunk.
    const second = await owner(store);
    const b = store.openShard(0);
    const replay = await b.apply(chunk, second);
    expect(replay.outcomes).toEqual(firstRun.outcomes);
    expect(replay.customers).toEqual(firstRun.customers);
    await b.flush(second);
    await b.committed(chunk.map((r) => ({ customerId: c, topicIndex: 0, offset: String(r.ref.offset) })));
    expect(await redis.exists(keys.pending(c))).toBe(0);
    // Committed: a later replay (there is none) would be a duplicate offset.
    expect((await store.openShard(0).apply(chunk, second)).outcomes.map((o) => o.status)).toEqual([STATUS.DUPLICATE_OFFSET, STATUS.DUPLICATE_OFFSET]);
  });

  it("publishes a timer step's kept outputs again when the step never committed, and forgets them when it did", async () => {
    const prefix = uniqueName('it-local');
    prefixes.push(prefix);
    const calendar = new BusinessCalendar('Asia/Shanghai');
    const store = createStore(redis, testConfig({ REDIS_KEY_PREFIX: prefix }), () => timerOptionsOf(defaultRuleSet(), calendar));
    const keys = new StateKeys(prefix);
    const c = uniqueName('C-keptc');
    const d = uniqueName('C-keptd');
    const at = Date.parse('2026-11-03T09:00:00+08:00');
    const none = { streamTime: null, step: null };
    const timerFields = async (id: string) => (await redis.hkeys(keys.pending(id))).filter((f) => f.startsWith('t@')).sort();

    const first = await owner(store);
    await store.markShardBuilt(first);
    const a = store.openShard(0);
    await a.apply([record(c, '2026-11-03T09:00:00+08:00', 1_000), record(d, '2026-11-03T09:01:00+08:00', 1_000)], first);
    await a.fireDue(at, { step: 1, committed: none }, first);
    await a.keepTimerOutputs(1, new Map([[c, '[{"of":"c"}]']]), first);
    await a.flush(first);
    expect(await timerFields(c)).toEqual([`t@${a.owner}.1`]);

    // Step 1 never committed. The next owner's first step takes the outputs over, even at an earlier stream time.
    const second = await owner(store);
    const b = store.openShard(0);
    const taken = await b.fireDue(at - 86_400_000, { step: 1, committed: none }, second);
    expect(taken.kept).toEqual(['[{"of":"c"}]']);
    await b.flush(second);
    expect(await timerFields(c)).toEqual([`t@${b.owner}.1`]);
    // Its step 1 commits, but the kept fields are never deleted (a crash right after the commit); step 2 keeps more and never commits.
    await b.keepTimerOutputs(2, new Map([[d, '[{"of":"d"}]']]), second);
    await b.flush(second);

    const third = await owner(store);
    const t = store.openShard(0);
    const step = await t.fireDue(at, { step: 1, committed: { streamTime: at, step: { owner: b.owner, step: 1 } } }, third);
    expect(step.kept).toEqual(['[{"of":"d"}]']);
    await t.flush(third);
    expect(await timerFields(c)).toEqual([]);
    expect(await timerFields(d)).toEqual([`t@${t.owner}.1`]);
    // Once it commits, nothing is kept and the due index holds no customer below every due time.
    await t.committedTimers(1);
    await t.flush(third);
    expect(await timerFields(d)).toEqual([]);
    expect(await redis.zrangebyscore(keys.due(0), '-inf', Number.MIN_SAFE_INTEGER)).toEqual([]);
  });

  it('reads the due index only when something in it may be due, and still fires a customer written due earlier', async () => {
    const prefix = uniqueName('it-local');
    prefixes.push(prefix);
    const store = createStore(redis, testConfig({ REDIS_KEY_PREFIX: prefix }), () => timerOptionsOf(defaultRuleSet(), new BusinessCalendar('Asia/Shanghai')));
    const keys = new StateKeys(prefix);
    const none = { streamTime: null, step: null };
    const rich = (c: string, at: string): StoreRecord => record(c, at, 60_000_000); // 600,000 CNY: a tier change, due at the next local midnight
    const c = uniqueName('C-duec');
    const d = uniqueName('C-dued');
    const fence = await owner(store);
    await store.markShardBuilt(fence);
    const t = store.openShard(0);
    const reads = vi.spyOn(store, 'dueIndex');

    await t.apply([rich(c, '2026-11-05T09:00:00+08:00')], fence);
    await t.flush(fence);
    const cDue = Number(await redis.zscore(keys.due(0), c));
    expect(cDue).toBe(Date.parse('2026-11-06T00:00:00+08:00'));
    // The first step reads; it learns that nothing is due before cDue.
    expect((await t.fireDue(Date.parse('2026-11-05T10:00:00+08:00'), { step: 1, committed: none }, fence)).fired.size).toBe(0);
    await t.flush(fence);
    expect(reads).toHaveBeenCalledTimes(1);
    // Before cDue nothing can be due: no round trip.
    expect((await t.fireDue(Date.parse('2026-11-05T20:00:00+08:00'), { step: 2, committed: none }, fence)).fired.size).toBe(0);
    await t.flush(fence);
    expect(reads).toHaveBeenCalledTimes(1);

    // A customer written due before cDue (an event of an earlier day): the next step reads and fires them.
    await t.apply([rich(d, '2026-11-03T09:00:00+08:00')], fence);
    await t.flush(fence);
    expect(Number(await redis.zscore(keys.due(0), d))).toBe(Date.parse('2026-11-04T00:00:00+08:00'));
    const early = await t.fireDue(Date.parse('2026-11-05T20:00:01+08:00'), { step: 3, committed: none }, fence);
    expect([...early.fired.keys()]).toEqual([d]);
    await t.flush(fence);
    expect(reads).toHaveBeenCalledTimes(2);

    // At cDue the index is read again and c fires; a new ownership reads on its first step whatever the last one knew.
    const late = await t.fireDue(cDue, { step: 4, committed: none }, fence);
    expect([...late.fired.keys()]).toEqual([c]);
    await t.flush(fence);
    expect(reads).toHaveBeenCalledTimes(3);
    const next = store.openShard(0);
    await next.fireDue(cDue, { step: 1, committed: none }, fence);
    expect(reads).toHaveBeenCalledTimes(4);
  });

  it('keeps at most STATE_CACHE_CUSTOMERS customers in memory and loads the others again, unchanged', async () => {
    const { store } = storeOf({ STATE_CACHE_CUSTOMERS: '2' });
    const fence = await owner(store);
    await store.markShardBuilt(fence);
    const t = store.openShard(0);
    const ids = [1, 2, 3, 4].map((i) => uniqueName(`C-cache${i}`));
    await t.apply(ids.map((c) => record(c, '2026-11-03T09:00:00+08:00', 1_000)), fence);
    await t.flush(fence);
    expect((t as unknown as { size: number }).size).toBe(2);
    await t.apply(ids.map((c) => record(c, '2026-11-03T10:00:00+08:00', 5_000)), fence);
    await t.flush(fence);
    for (const c of ids) expect((await store.inspect(c))?.depositsMinor).toBe(5_000);
  });

  it('notices lost shard state on a write, and a rebuild does not count what an earlier epoch wrote', async () => {
    const { store, keys } = storeOf();
    const c = uniqueName('C-lost');
    const first = await owner(store);
    await store.markShardBuilt(first);
    const a = store.openShard(0);
    const r1 = record(c, '2026-11-04T09:00:00+08:00', 1_000);
    await a.apply([r1], first);
    await a.flush(first);
    // Redis loses the shard's hash (a flush would take the customer too; this is the worst case: the customer stayed).
    await redis.del(keys.shard(0));
    await a.apply([record(c, '2026-11-04T10:00:00+08:00', 2_000)], first);
    await expect(a.flush(first)).rejects.toBeInstanceOf(StateLostError);

    const { epoch, built } = await store.acquireShard(0);
    expect(built).toBe(false);
    const rebuild: Fence = { partition: 0, epoch, rebuilding: true };
    const b = store.openShard(0);
    // Replayed from the start: r1 is applied again, not a duplicate of the value an earlier epoch left.
    expect((await b.apply([r1], rebuild)).outcomes.map((o) => o.status)).toEqual([STATUS.APPLIED]);
    await b.flush(rebuild);
    await store.markShardBuilt(rebuild);
    expect((await store.inspect(c))?.depositsMinor).toBe(1_000);
    expect(await epochOf(keys.state(c))).toBe(epoch);
  });
});
