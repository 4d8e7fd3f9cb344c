// Bytes per customer of the feature state, without Kafka or Redis: the
// bench's history (same generator, seed, days and start as `npm run bench`)
// folded through the pure feature engine, every customer's final state encoded
// with src/state/codec.ts and, for comparison, as the msgpack blob the Lua
// path keeps (the layout of src/state/scripts/includes/state.lua, packed the
// way cmsgpack packs it). Every state is also decoded again and compared.
//
//   npm exec -- node bench/state-size.ts [--customers N] [--days D] [--seed S] [--start YYYY-MM-DD]
//                                        [--lateness-ms L] [--duplicate-window-days W] [--republish-days R]
//                                        [--blobs FILE]
//
// --blobs FILE writes every customer's encoded state (a 4-byte length, then the
// bytes) for bench/state-memory.ts, which asks Redis what they cost there.
//
// --republish-days R publishes the last R days of the history again (new
// offsets) after it and counts what became of those records (issue 12 item 6:
// duplicates, not LATE, for the duplicate window).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEVELOPMENT_PSEUDONYM_KEY } from '../src/config.ts';
import { canonicalJson } from '../src/events/digest.ts';
import { parseReplayLine } from '../src/events/json-form.ts';
import { TOPICS, type InputTopic } from '../src/events/topics.ts';
import type { ChannelEvent, CustomerProfile, Transaction } from '../src/events/types.ts';
import { apply, BusinessCalendar, emptyState, type ApplyStatus, type CustomerState, type FeatureOptions, type FeatureRecord } from '../src/features/index.ts';
import { generate } from '../src/generate/index.ts';
import { decodeState, encodeState } from '../src/state/codec.ts';
import { pseudonym } from '../src/state/encode.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '4482' },
    days: { type: 'string', default: '90' },
    seed: { type: 'string', default: '7' },
    start: { type: 'string', default: '2026-09-03' },
    'lateness-ms': { type: 'string', default: '3600000' },
    'duplicate-window-days': { type: 'string', default: '7' },
    'republish-days': { type: 'string', default: '0' },
    blobs: { type: 'string' },
  },
});
const customers = Number(args.customers);
const days = Number(args.days);
const seed = Number(args.seed);
const timeZone = 'Asia/Shanghai';

const options = {
  calendar: new BusinessCalendar(timeZone),
  allowedLatenessMs: Number(args['lateness-ms']),
  duplicateWindowMs: Number(args['duplicate-window-days']) * 86_400_000,
  babyMccs: new Set(['5641', '5945']),
  pseudonym: (v: string) => pseudonym(v, DEVELOPMENT_PSEUDONYM_KEY),
} satisfies FeatureOptions;
const republishMs = Number(args['republish-days']) * 86_400_000;

function* recordsOf(lines: Iterable<string>): Generator<FeatureRecord> {
  const offsets = new Map<string, number>();
  for (const line of lines) {
    if (line.trim() === '') continue;
    const r = parseReplayLine(line);
    if (r.topic !== TOPICS.transactions && r.topic !== TOPICS.channelEvents && r.topic !== TOPICS.customerProfiles) continue;
    const offset = offsets.get(r.topic) ?? 0;
    offsets.set(r.topic, offset + 1);
    const ref = { topic: r.topic as InputTopic, partition: 0, offset };
    if (r.topic === TOPICS.transactions) yield { ref, kind: 'transaction', event: r.value as Transaction };
    else if (r.topic === TOPICS.channelEvents) yield { ref, kind: 'channel', event: r.value as ChannelEvent };
    else yield { ref, kind: 'profile', event: r.value as CustomerProfile };
  }
}

// ---- the Lua path's blob: its table layout, packed as cmsgpack packs Lua values

type Lua = null | boolean | number | string | Lua[] | { [k: string]: Lua };

function luaLayout(s: CustomerState): { [k: string]: Lua } {
  const t: { [k: string]: Lua } = { v: 1 };
  const intMap = (m: Readonly<Record<string, number>>) => ({ ...m });
  if (s.watermark) Object.assign(t, { wm: s.watermark.at, wd: s.watermark.day, wmo: s.watermark.month });
  const tw: { [k: string]: Lua } = {};
  if (s.transactionsWatermark) { tw['0'] = s.transactionsWatermark.at; t.twd = s.transactionsWatermark.day; }
  if (s.channelWatermark) { tw['1'] = s.channelWatermark.at; t.cwd = s.channelWatermark.day; }
  t.tw = tw;
  if (s.firstDay !== null) t.fd = s.firstDay;
  t.off = intMap(s.offsets);
  t.ids = Object.fromEntries(Object.entries(s.eventIds).map(([k, v]) => [k, [v.at, v.digest]]));
  t.acc = Object.fromEntries(Object.entries(s.accounts).map(([k, es]) => [k, es.map((e) => [e.at, e.day, e.balanceMinor])]));
  t.hn = s.holdingsNetMinor;
  t.hd = intMap(s.holdingsFlowByDay);
  if (s.endOfDay) { t.eb = s.endOfDay.firstDay; t.eod = [...s.endOfDay.values]; } else t.eod = [];
  t.o5 = Object.fromEntries(Object.entries(s.outflowSlots).map(([k, b]) => [k, [b.sumMinor, b.count, b.newCounterpartySumMinor, b.newCounterpartyCount]]));
  t.mx = intMap(s.maxOutflowByDay);
  t.cp = intMap(s.counterpartyLastDay);
  t.mq = intMap(s.mortgageInterestByDay);
  t.pl = s.recentPurchases.map((p) => [p.at, p.highRisk ? 1 : 0]);
  t.skb = s.highRiskRunBefore;
  if (s.lastInvestmentAt !== null) t.li = s.lastInvestmentAt;
  t.bm = [...s.babyMonths];
  t.sm = [...s.salaryMonths];
  if (s.payrollMonth !== null) t.pc = s.payrollMonth;
  const p = s.profile;
  if (p) t.pr = { up: p.updatedAt, bmo: p.birthMonth ?? -1, mc: p.marketingConsent, rt: p.riskTolerance ?? -1, ra: p.riskAssessedAt ?? -1, pch: [...p.preferredChannels], rm: p.hasRelationshipManager };
  if (s.contacts.length) t.ct = s.contacts.map((c) => [c.taskId, c.ruleId, c.kind, c.at]);
  if (s.outcomes.length) t.co = s.outcomes.map((o) => [o.at, o.taskId, o.outcome]);
  return t;
}

function msgpackSize(v: Lua): number {
  if (v === null || typeof v === 'boolean') return 1;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return 9;
    if (v >= 0) return v < 128 ? 1 : v < 256 ? 2 : v < 65536 ? 3 : v < 2 ** 32 ? 5 : 9;
    return v >= -32 ? 1 : v >= -128 ? 2 : v >= -32768 ? 3 : v >= -(2 ** 31) ? 5 : 9;
  }
  if (typeof v === 'string') {
    const n = Buffer.byteLength(v);
    return n + (n < 32 ? 1 : n < 256 ? 2 : n < 65536 ? 3 : 5);
  }
  const header = (n: number) => (n < 16 ? 1 : n < 65536 ? 3 : 5);
  if (Array.isArray(v)) return header(v.length) + v.reduce<number>((a, x) => a + msgpackSize(x), 0);
  const entries = Object.entries(v);
  // cmsgpack packs an empty table as an empty array: one byte either way
  return header(entries.length) + entries.reduce((a, [k, x]) => a + msgpackSize(k) + msgpackSize(x), 0);
}

// ---- fold, encode, measure

const t0 = Date.now();
const states = new Map<string, CustomerState>();
const statuses: Partial<Record<ApplyStatus, number>> = {};
let records = 0;
let lastAt = -Infinity;
const lines = generate({ seed, customers, days, start: args.start, timeZone }).lines;
for (const r of recordsOf(lines)) {
  records++;
  const id = r.event.customerId;
  const res = apply(states.get(id) ?? emptyState(), r, options);
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  states.set(id, res.state);
  const at = 'occurredAt' in r.event ? r.event.occurredAt : r.event.updatedAt;
  if (at > lastAt) lastAt = at;
}
const foldMs = Date.now() - t0;
const republished: Partial<Record<ApplyStatus, number>> = {};
if (republishMs > 0) {
  // the same records again at offsets after the first pass's
  for (const r of recordsOf(lines)) {
    if (!('occurredAt' in r.event) || r.event.occurredAt < lastAt - republishMs) continue;
    const again = { ...r, ref: { ...r.ref, offset: r.ref.offset + records } } as FeatureRecord;
    const id = r.event.customerId;
    const res = apply(states.get(id)!, again, options);
    republished[res.status] = (republished[res.status] ?? 0) + 1;
    states.set(id, res.state);
  }
}

const blobs: Buffer[] = [];
const codec: number[] = [];
const lua: number[] = [];
const fieldBytes = new Map<string, number>();
let encodeNs = 0n;
let decodeNs = 0n;
for (const s of states.values()) {
  const a = process.hrtime.bigint();
  const buf = encodeState(s);
  const b = process.hrtime.bigint();
  const back = decodeState(buf);
  const c = process.hrtime.bigint();
  encodeNs += b - a;
  decodeNs += c - b;
  // canonical JSON: exact for these integers and strings, blind to key order and prototypes (decoded records have none)
  if (canonicalJson(back) !== canonicalJson(s)) throw new Error(`customer ${s.watermark?.at}: decoded state differs`);
  codec.push(buf.length);
  if (args.blobs) blobs.push(buf);
  lua.push(msgpackSize(luaLayout(s)));
  const empty = emptyState() as unknown as Record<string, unknown>;
  for (const k of Object.keys(s)) {
    if (k === 'version' || k === 'watermark') continue;
    const without = { ...s, [k]: empty[k] } as CustomerState;
    fieldBytes.set(k, (fieldBytes.get(k) ?? 0) + buf.length - encodeState(without).length);
  }
}

if (args.blobs) {
  const parts: Buffer[] = [];
  for (const b of blobs) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  }
  writeFileSync(args.blobs, Buffer.concat(parts));
}

function dist(xs: number[]): string {
  const v = [...xs].sort((a, b) => a - b);
  const q = (p: number) => v[Math.min(v.length - 1, Math.floor(p * v.length))]!;
  const mean = v.reduce((a, x) => a + x, 0) / v.length;
  return `mean ${mean.toFixed(1)}  p50 ${q(0.5)}  p95 ${q(0.95)}  p99 ${q(0.99)}  max ${v[v.length - 1]}`;
}

const n = states.size;
console.log(`history: seed ${seed}, ${customers} customers x ${days} days from ${args.start} (${timeZone}), ${records.toLocaleString('en')} records, folded in ${(foldMs / 1000).toFixed(1)} s`);
console.log(`statuses: ${JSON.stringify(statuses)}`);
console.log(`lateness ${options.allowedLatenessMs} ms, duplicate window ${args['duplicate-window-days']} days`);
if (republishMs > 0) console.log(`the last ${args['republish-days']} days published again: ${JSON.stringify(republished)}`);
console.log(`customers with a state: ${n}; every one decoded back equal`);
console.log(`codec (src/state/codec.ts) bytes:   ${dist(codec)}`);
console.log(`msgpack (Lua layout) bytes:         ${dist(lua)}`);
console.log(`encode ${(Number(encodeNs) / n / 1000).toFixed(1)} us, decode ${(Number(decodeNs) / n / 1000).toFixed(1)} us per customer`);
console.log('codec bytes per field (mean over customers, the state with and without it):');
for (const [k, v] of [...fieldBytes].sort((a, b) => b[1] - a[1])) console.log(`  ${k.padEnd(22)} ${(v / n).toFixed(1)}`);
