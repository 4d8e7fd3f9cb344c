import type { Redis } from 'ioredis';
import { inOneRound, primaries, scanPages, type RedisClient } from '../src/state/redis.ts';
import { StateKeys } from '../src/state/keys.ts';
import { distribution, infoFields, infoNumber, parseCommandStats, type CommandStat, type Distribution } from './stats.ts';

export interface RedisSnapshot {
  readonly usedMemory: number;
  readonly usedMemoryRss: number;
  readonly fragmentationRatio: number;
  /** used_cpu_user + used_cpu_sys of the whole server (shared with everyone using it); of a cluster, memory and CPU are its primaries' sums. */
  readonly cpuSeconds: number;
  readonly commandStats: Map<string, CommandStat>;
}

async function nodeSnapshot(redis: Redis): Promise<RedisSnapshot> {
  const [memory, cpu, stats] = await Promise.all([redis.info('memory'), redis.info('cpu'), redis.info('commandstats')]);
  return {
    usedMemory: infoNumber(memory, 'used_memory'),
    usedMemoryRss: infoNumber(memory, 'used_memory_rss'),
    fragmentationRatio: Number(infoFields(memory).get('mem_fragmentation_ratio') ?? NaN),
    cpuSeconds: infoNumber(cpu, 'used_cpu_user') + infoNumber(cpu, 'used_cpu_sys'),
    commandStats: parseCommandStats(stats),
  };
}

export async function snapshot(redis: RedisClient): Promise<RedisSnapshot> {
  const nodes = await Promise.all(primaries(redis).map(nodeSnapshot));
  if (nodes.length === 1) return nodes[0]!;
  const commandStats = new Map<string, CommandStat>();
  for (const n of nodes) {
    for (const [name, s] of n.commandStats) {
      const had = commandStats.get(name);
      commandStats.set(name, had ? { calls: had.calls + s.calls, usec: had.usec + s.usec } : s);
    }
  }
  const usedMemory = nodes.reduce((a, n) => a + n.usedMemory, 0);
  const usedMemoryRss = nodes.reduce((a, n) => a + n.usedMemoryRss, 0);
  return { usedMemory, usedMemoryRss, fragmentationRatio: usedMemoryRss / usedMemory, cpuSeconds: nodes.reduce((a, n) => a + n.cpuSeconds, 0), commandStats };
}

export interface KeySample {
  readonly customers: number;
  /** MEMORY USAGE of the customer's keys together (feature state + contact history), bytes. */
  readonly perCustomer: Distribution | undefined;
  /** MEMORY USAGE of the customer's state key alone. */
  readonly stateKey: Distribution | undefined;
  /** MEMORY USAGE of the customer's decision log alone, over customers that have one. */
  readonly contactsKey: Distribution | undefined;
  /** Payload bytes of the state blob (STRLEN), to tell the data from Redis's per-key overhead. */
  readonly stateBlobBytes: Distribution | undefined;
  readonly withContacts: number;
  /** Mean msgpack bytes of each top-level field of the state blob (over up to 100 sampled customers), largest first. */
  readonly stateFields: { field: string; meanBytes: number }[];
}

// Read-only: sizes each top-level field of a customer's msgpack state blob
// (src/state/scripts/includes/state.lua), so the report can say what the bytes are.
const FIELD_SIZES = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {} end
local ok, s = pcall(cmsgpack.unpack, raw)
if not ok or type(s) ~= 'table' then return {} end
local out = {}
for k, v in pairs(s) do
  out[#out + 1] = tostring(k)
  out[#out + 1] = #cmsgpack.pack(v)
end
return out`;

async function stateFields(redis: RedisClient, keys: readonly string[]): Promise<{ field: string; meanBytes: number }[]> {
  const totals = new Map<string, number>();
  let blobs = 0;
  for (const key of keys) {
    const flat = (await redis.eval(FIELD_SIZES, 1, key)) as (string | number)[];
    if (flat.length === 0) continue;
    blobs++;
    for (let i = 0; i < flat.length; i += 2) totals.set(String(flat[i]), (totals.get(String(flat[i])) ?? 0) + Number(flat[i + 1]));
  }
  return [...totals].map(([field, bytes]) => ({ field, meanBytes: Math.round(bytes / Math.max(1, blobs)) })).sort((a, b) => b.meanBytes - a.meanBytes);
}

/** A deterministic sample of k of the numbers 1..n (a seeded shuffle's first k). */
export function sampleNumbers(n: number, k: number, seed: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i + 1);
  let s = seed >>> 0 || 1;
  const next = () => {
    // xorshift32: enough to pick keys, and the same sample for the same seed.
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, Math.min(k, n));
}

/** MEMORY USAGE (all samples) of the sampled customers' keys. */
export async function sampleKeys(redis: RedisClient, prefix: string, customerIds: readonly string[]): Promise<KeySample> {
  const keys = new StateKeys(prefix);
  const replies = await inOneRound(redis, (pipeline) => {
    for (const id of customerIds) {
      pipeline.call('MEMORY', 'USAGE', keys.state(id), 'SAMPLES', '0');
      pipeline.call('MEMORY', 'USAGE', keys.contacts(id), 'SAMPLES', '0');
      pipeline.type(keys.state(id));
      pipeline.strlen(keys.state(id));
    }
  });
  const perCustomer: number[] = [];
  const state: number[] = [];
  const contacts: number[] = [];
  const blob: number[] = [];
  for (let i = 0; i < customerIds.length; i++) {
    const [s, c, type, len] = replies.slice(i * 4, i * 4 + 4).map(([err, v]) => (err ? null : v));
    if (typeof s !== 'number') continue; // no state: the customer had nothing applied
    state.push(s);
    if (typeof c === 'number') contacts.push(c);
    perCustomer.push(s + (typeof c === 'number' ? c : 0));
    if (type === 'string' && typeof len === 'number') blob.push(len);
  }
  return {
    customers: perCustomer.length,
    perCustomer: distribution(perCustomer),
    stateKey: distribution(state),
    contactsKey: distribution(contacts),
    stateBlobBytes: distribution(blob),
    withContacts: contacts.length,
    stateFields: await stateFields(redis, customerIds.slice(0, 100).map((id) => keys.state(id))),
  };
}

/** What the bench's Redis keys are, by the layout of src/state/keys.ts. */
export interface KeyCounts {
  readonly total: number;
  /** `<p>:s2:{id}`: the customer's epoch and encoded state (contact history included). */
  readonly state: number;
  /** `<p>:s2:{id}:c`: the customer's decision log. */
  readonly decisionLogs: number;
  /** `<p>:s2:{id}:r`: results kept until their chunk commits (gone once it has). */
  readonly keptResults: number;
  /** `<p>:s2:task:<n>`: shard ownership hashes (the field keeps the name `tasks` of bench/results/*.json). */
  readonly tasks: number;
  /** `<p>:{caretasks}*`: the care-task status index (records, open, closed, owners). */
  readonly careTasks: number;
  readonly other: number;
}

export type KeyKind = Exclude<keyof KeyCounts, 'total'>;

/**
 * The kind of a key under `keys.prefix`, from StateKeys itself (so a layout
 * change cannot leave the bench counting every key as "other" again).
 */
export function keyKind(key: string, keys: StateKeys): KeyKind {
  const customer = keys.state('\u0000');
  const [head, tail] = customer.split('\u0000') as [string, string];
  if (key.startsWith(head)) {
    const close = key.indexOf(tail, head.length);
    if (close > head.length) {
      const id = key.slice(head.length, close);
      if (key === keys.state(id)) return 'state';
      if (key === keys.contacts(id)) return 'decisionLogs';
      if (key === keys.pending(id)) return 'keptResults';
    }
  }
  const shard = keys.shard(0).slice(0, -1);
  if (key.startsWith(shard) && /^(0|[1-9][0-9]*)$/.test(key.slice(shard.length))) return 'tasks';
  if (Object.values(keys.careTasks()).includes(key)) return 'careTasks';
  return 'other';
}

/** Keys under the prefix (SCAN), by kind (keyKind). */
export async function countKeys(redis: RedisClient, prefix: string): Promise<KeyCounts> {
  const keys = new StateKeys(prefix);
  const n = { total: 0, state: 0, decisionLogs: 0, keptResults: 0, tasks: 0, careTasks: 0, other: 0 };
  for await (const page of scanPages(redis, keys.everything())) {
    for (const k of page.keys) {
      n.total++;
      n[keyKind(k, keys)]++;
    }
  }
  return n;
}

export interface SlowEntry {
  readonly at: number;
  readonly micros: number;
  /** The command and, for scripts, the SHA: never the arguments (they carry event data). */
  readonly command: string;
}

/** SLOWLOG entries since a wall-clock second, of every primary (the log is the server's, shared; it is read, never reset). */
export async function slowlogSince(redis: RedisClient, sinceSeconds: number): Promise<{ threshold: number; entries: SlowEntry[] }> {
  const nodes = primaries(redis);
  const [, threshold] = (await nodes[0]!.config('GET', 'slowlog-log-slower-than')) as [string, string];
  const raw = (await Promise.all(nodes.map((n) => n.call('SLOWLOG', 'GET', '128') as Promise<[number, number, number, string[]][]>))).flat();
  const entries = raw
    .filter((e) => e[1] >= sinceSeconds)
    .map(([, at, micros, args]) => {
      const name = String(args[0] ?? '').toUpperCase();
      return { at, micros, command: name === 'EVALSHA' ? `EVALSHA ${String(args[1] ?? '').slice(0, 12)}` : name };
    })
    .sort((a, b) => b.micros - a.micros);
  return { threshold: Number(threshold), entries };
}
