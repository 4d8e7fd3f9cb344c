import avro from 'avsc';
import type { CustomerState, EventView } from '../features/index.ts';
import type { Outcome, Status } from './store.ts';
import { decodeState, encodeState } from './codec.ts';

/**
 * How a customer's state is turned into bytes and back. The shard-local store
 * (local-state.ts) depends only on this, so the encoding can change without
 * touching it; the codec's values say which version wrote them (first byte).
 */
export interface StateCodec {
  encode(state: CustomerState): Buffer;
  decode(bytes: Buffer): CustomerState;
}

/** The compact versioned binary layout of src/state/codec.ts (docs/FEATURES.md, "How a customer's state is stored"). */
export const binaryStateCodec: StateCodec = { encode: encodeState, decode: decodeState };

/**
 * A customer's value in Redis: the epoch of the shard owner that wrote it,
 * then the encoded state. The epoch comes first so that write-customer-3.lua
 * reads it with GETRANGE without decoding anything (its per-key fence).
 *
 * The head is the epoch in 6 bytes, big-endian (EPOCH_BYTES). Values written
 * before 2026-12-04 begin with 16 ASCII digits instead (EPOCH_DIGITS); both
 * read, told apart by the first byte: an epoch is the Redis clock in ms or
 * just above it (acquire-shard-1.lua), far below 0x30 * 2^40 ms (the year
 * 3642), so a 6-byte head never begins with an ASCII digit ('0' is 0x30), and
 * a 16-digit head always does. The 10 bytes saved are 10 of about 500 per
 * customer, which moves many values below a size class of Redis' allocator.
 */
export const EPOCH_BYTES = 6;
/** The head of values written before 2026-12-04: the epoch in 16 ASCII digits. */
export const EPOCH_DIGITS = 16;
/** The first epoch a 6-byte head cannot hold without beginning with an ASCII digit. */
const EPOCH_LIMIT = 0x30 * 2 ** 40;

export function customerValue(epoch: number, state: CustomerState, codec: StateCodec): Buffer {
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch >= EPOCH_LIMIT) throw new Error(`epoch ${epoch} does not fit the ${EPOCH_BYTES}-byte head`);
  const body = codec.encode(state);
  const value = Buffer.allocUnsafe(EPOCH_BYTES + body.length);
  value.writeUIntBE(epoch, 0, EPOCH_BYTES);
  body.copy(value, EPOCH_BYTES);
  return value;
}

/** The epoch at the start of a customer value, and where the state begins; either head. */
export function valueEpoch(value: Buffer): { epoch: number; bodyAt: number } {
  if (value.length === 0) throw new Error('a customer value without its epoch');
  if (value[0]! >= 0x30) {
    const epoch = value.length < EPOCH_DIGITS ? NaN : Number(value.subarray(0, EPOCH_DIGITS).toString('ascii'));
    if (!Number.isSafeInteger(epoch)) throw new Error('a customer value without its epoch');
    return { epoch, bodyAt: EPOCH_DIGITS };
  }
  if (value.length < EPOCH_BYTES) throw new Error('a customer value without its epoch');
  return { epoch: value.readUIntBE(0, EPOCH_BYTES), bodyAt: EPOCH_BYTES };
}

export function readCustomerValue(value: Buffer, codec: StateCodec): { epoch: number; state: CustomerState } {
  const { epoch, bodyAt } = valueEpoch(value);
  return { epoch, state: codec.decode(value.subarray(bodyAt)) };
}

/**
 * A record's result as kept until its chunk commits: what a replay of the
 * record must get back (status, the views, a conflict's digests, the tier).
 * Written for every applied record and deleted once its chunk commits, so
 * its size is Redis work per event, not Redis memory: Avro (money and times
 * as doubles, exact for every safe integer; counts and months as ints) in
 * base64 behind a `~`, about a fifth of the JSON. A result Avro cannot carry
 * (a count beyond 2^31) is kept as JSON, which is also how earlier versions
 * kept every result: both decode.
 */
const money = { type: 'double' } as const;
const count = { type: 'int' } as const;
const maybe = (t: unknown) => ['null', t];
const tally = (name: string) => ({ type: 'record', name, fields: [{ name: 'sumMinor', type: money }, { name: 'count', type: count }] });
const VIEW = {
  type: 'record',
  name: 'EventView',
  fields: [
    { name: 'assetsMinor', type: money },
    { name: 'depositsMinor', type: money },
    { name: 'holdingsMinor', type: money },
    { name: 'avg30Minor', type: money },
    { name: 'avg30AgoMinor', type: money },
    { name: 'maxEodPrev7Minor', type: maybe(money) },
    { name: 'outflow1h', type: tally('Tally') },
    { name: 'newCounterpartyOutflow1h', type: 'Tally' },
    { name: 'outflow24h', type: 'Tally' },
    { name: 'maxOutflow90dMinor', type: money },
    { name: 'counterpartySeen', type: 'boolean' },
    { name: 'counterparties90d', type: count },
    { name: 'highRiskStreak', type: count },
    { name: 'mortgageInterest30d', type: count },
    { name: 'lastInvestmentAt', type: maybe(money) },
    { name: 'payrollMonth', type: maybe(count) },
    { name: 'babyMonths', type: { type: 'array', items: count } },
    { name: 'salaryMonths', type: { type: 'array', items: count } },
    { name: 'age', type: maybe(count) },
  ],
};
export const RESULT_VIEW_FIELDS: readonly string[] = VIEW.fields.map((f) => f.name);
const RESULT = avro.Type.forSchema(
  {
    type: 'record',
    name: 'KeptResult',
    fields: [
      { name: 'status', type: 'int' },
      { name: 'before', type: maybe(VIEW) },
      { name: 'after', type: maybe('EventView') },
      { name: 'digests', type: maybe({ type: 'record', name: 'Digests', fields: [{ name: 'kept', type: 'string' }, { name: 'record', type: 'string' }] }) },
      { name: 'tier', type: maybe('string') },
    ],
  } as avro.Schema,
  { wrapUnions: 'never' },
);

interface KeptResult {
  status: number;
  before: EventView | null;
  after: EventView | null;
  digests: { kept: string; record: string } | null;
  tier: string | null;
}

const AVRO_MARK = '~';

export function encodeResult(o: Outcome): string {
  const kept: KeptResult = { status: o.status, before: o.before ?? null, after: o.after ?? null, digests: o.digests ?? null, tier: o.tier ?? null };
  // avsc's writer checks every value against its type (and throws); a field
  // the schema lacks would be dropped, which the unit test that compares the
  // schema with a real view's fields prevents.
  try {
    return AVRO_MARK + RESULT.toBuffer(kept).toString('base64');
  } catch {
    return JSON.stringify(o);
  }
}

export function decodeResult(text: string): Outcome {
  if (!text.startsWith(AVRO_MARK)) return JSON.parse(text) as Outcome;
  const k = RESULT.fromBuffer(Buffer.from(text.slice(AVRO_MARK.length), 'base64')) as KeptResult;
  // The shape JSON gives: absent, not null, where the outcome had nothing.
  return {
    status: k.status as Outcome['status'],
    ...(k.before && { before: k.before }),
    ...(k.after && { after: k.after }),
    ...(k.digests && { digests: k.digests }),
    ...(k.tier !== null && { tier: k.tier as NonNullable<Outcome['tier']> }),
  };
}
