// The binary layout of a customer's state (src/state/codec.ts): exact round
// trips over generated states, the hand cases at the edges, and corrupt or
// truncated buffers refused with a clear error, never a hang or a huge
// allocation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyState, FINGERPRINT_BYTES, type CustomerState } from '../../../src/features/index.ts';
import { decodeState, encodeState, LAYOUT_VERSION, MAX_SERIES_VALUES, StateCodecError } from '../../../src/state/codec.ts';
import { generate } from '../../../src/generate/index.ts';
import { cachedPseudonym, pseudonym } from '../../../src/state/encode.ts';
import { fold } from '../features/fold.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 2, 6, 30);
const BOUND = 9_000_000_000_000_000;

function roundTrip(s: CustomerState): CustomerState {
  const back = decodeState(encodeState(s));
  expect(back).toEqual(s);
  return back;
}

// ---- arbitraries: realistic values most of the time, the extremes often enough

const anyInt = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -10_000_000, max: 10_000_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: -(10 ** 15), max: 10 ** 15 }) },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, -1, 63, 64, -64, -65, BOUND, -BOUND, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 52, -(2 ** 52)) },
);
const count = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(0, Number.MAX_SAFE_INTEGER));
// times near now in whole seconds (the generator's), in milliseconds, or anywhere
const time = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -90 * 86_400, max: 86_400 }).map((s) => Math.floor(NOW / 1000) * 1000 + s * 1000) },
  { weight: 2, arbitrary: fc.integer({ min: NOW - 90 * DAY, max: NOW + DAY }) },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
);
const day = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: Math.floor(NOW / DAY) - 300, max: Math.floor(NOW / DAY) + 2 }) }, { weight: 1, arbitrary: fc.maxSafeInteger() });
const month = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 2000 * 12, max: 2100 * 12 }) }, { weight: 1, arbitrary: fc.maxSafeInteger() });
const pseudo = fc.uint8Array({ minLength: 9, maxLength: 9 }).map((b) => Buffer.from(b).toString('base64url'));
const digest = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('base64url'));
const text = fc.oneof(
  pseudo,
  digest,
  fc.uuid(),
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', 'APP', 'SMS', 'REACHED', 'RETENTION', 'vip-upgrade', 'A', 'AB', 'ABC', 'ABCD', '__proto__', 'constructor'),
);
const intKeyed = <T>(v: fc.Arbitrary<T>, key: fc.Arbitrary<number> = day) =>
  fc.array(fc.tuple(key, v), { maxLength: 12 }).map((es) => Object.fromEntries(es.map(([k, x]) => [String(k), x])));
const eventKey = fc.tuple(fc.constantFrom('0:', '1:'), fc.oneof(fc.integer({ min: 0, max: 99_999 }).map((n) => `E000042-${String(n).padStart(5, '0')}`), fc.uuid(), fc.string())).map(([t, id]) => t + id);

const profile = fc.record({
  updatedAt: time,
  birthMonth: fc.option(month, { nil: null }),
  marketingConsent: fc.boolean(),
  riskTolerance: fc.option(fc.oneof(fc.integer({ min: 1, max: 5 }), anyInt), { nil: null }),
  riskAssessedAt: fc.option(time, { nil: null }),
  preferredChannels: fc.array(fc.oneof(fc.constantFrom('APP', 'WEB', 'WECHAT', 'BRANCH', 'CALL_CENTER', 'SMS', 'EMAIL', 'RM_VISIT'), text), { maxLength: 8 }),
  hasRelationshipManager: fc.boolean(),
});

const stateArb: fc.Arbitrary<CustomerState> = fc.record({
  version: fc.constant(1 as const),
  watermark: fc.option(fc.record({ at: time, day, month }), { nil: null }),
  transactionsWatermark: fc.option(fc.record({ at: time, day }), { nil: null }),
  channelWatermark: fc.option(fc.record({ at: time, day }), { nil: null }),
  firstDay: fc.option(day, { nil: null }),
  offsets: fc.dictionary(fc.oneof(fc.constantFrom('0.0', '1.0', '2.0', '0.17', '2.5'), text), fc.oneof(fc.integer({ min: 0, max: 10 ** 9 }), anyInt), { maxKeys: 6 }),
  eventIds: fc.dictionary(eventKey, fc.record({ at: time, digest: fc.oneof(digest, text) }), { maxKeys: 12 }),
  accounts: fc.dictionary(fc.oneof(pseudo, text), fc.array(fc.record({ at: time, day, balanceMinor: anyInt }), { maxLength: 12 }), { maxKeys: 5 }),
  holdingsNetMinor: anyInt,
  holdingsFlowByDay: intKeyed(anyInt),
  endOfDay: fc.option(
    fc.record({
      firstDay: day,
      // runs of repeats, small moves, jumps to the bounds
      values: fc.array(fc.oneof(fc.constantFrom(0, 1_000_000, BOUND, -BOUND), anyInt), { maxLength: 220 }).map((vs) => vs.map((v, i) => (i % 3 === 0 && i > 0 ? vs[i - 1]! : v))),
    }),
    { nil: null },
  ),
  outflowSlots: intKeyed(fc.record({ sumMinor: anyInt, count, newCounterpartySumMinor: anyInt, newCounterpartyCount: count }), fc.oneof(fc.integer({ min: Math.floor(NOW / 300_000) - 400, max: Math.floor(NOW / 300_000) }), fc.maxSafeInteger())),
  maxOutflowByDay: intKeyed(anyInt),
  counterpartyLastDay: fc.dictionary(fc.oneof(pseudo, text), day, { maxKeys: 10 }),
  mortgageInterestByDay: intKeyed(count),
  recentPurchases: fc.array(fc.record({ at: time, highRisk: fc.boolean() }), { maxLength: 8 }),
  highRiskRunBefore: count,
  lastInvestmentAt: fc.option(time, { nil: null }),
  babyMonths: fc.array(month, { maxLength: 13 }),
  salaryMonths: fc.array(month, { maxLength: 13 }),
  payrollMonth: fc.option(month, { nil: null }),
  profile: fc.option(profile, { nil: null }),
  contacts: fc.array(fc.record({ taskId: text, ruleId: text, kind: text, at: time }), { maxLength: 6 }),
  outcomes: fc.array(fc.record({ at: time, taskId: text, outcome: text }), { maxLength: 10 }),
  olderDigests: fc.array(fc.record({ day, fingerprints: fc.array(fc.oneof(fc.nat({ max: 2 ** (8 * FINGERPRINT_BYTES) - 1 }), fc.constantFrom(0, 2 ** (8 * FINGERPRINT_BYTES) - 1)), { maxLength: 30 }) }), { maxLength: 9 }),
});

describe('encodeState / decodeState', () => {
  it('round-trips every generated state exactly', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        const buf = encodeState(s);
        expect(buf[0]).toBe(LAYOUT_VERSION);
        expect(decodeState(buf)).toEqual(s);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips states whose days follow one zone offset (written without their days)', () => {
    const zoned = fc.tuple(stateArb, fc.integer({ min: -48, max: 56 })).map(([s, q]): CustomerState => {
      const dayOf = (at: number) => Math.floor((at + q * 900_000) / DAY);
      const accounts = Object.fromEntries(Object.entries(s.accounts).map(([k, es]) => [k, es.map((e) => ({ ...e, day: dayOf(e.at) }))]));
      return {
        ...s,
        transactionsWatermark: s.transactionsWatermark && { ...s.transactionsWatermark, day: dayOf(s.transactionsWatermark.at) },
        channelWatermark: s.channelWatermark && { ...s.channelWatermark, day: dayOf(s.channelWatermark.at) },
        accounts,
      };
    });
    let withZone = 0;
    fc.assert(
      fc.property(zoned, (s) => {
        const buf = encodeState(s);
        if ((buf[1]! & 2) !== 0) withZone++;
        expect(decodeState(buf)).toEqual(s);
      }),
      { numRuns: 300 },
    );
    expect(withZone).toBeGreaterThan(100);
  });

  it('round-trips end-of-day series of every shape: packed in bits when the days move by less than 2^48, varints when not', () => {
    const step = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -100, max: 100 }), fc.integer({ min: -(2 ** 20), max: 2 ** 20 }), fc.integer({ min: -(2 ** 47), max: 2 ** 47 }), fc.constantFrom(2 ** 48 - 1, -(2 ** 48 - 1), 2 ** 48));
    const series = fc.tuple(fc.integer({ min: -(10 ** 15), max: 10 ** 15 }), fc.array(fc.tuple(step, fc.integer({ min: 1, max: 40 })), { maxLength: 60 })).map(([first, steps]) => {
      const values = [first];
      for (const [d, times] of steps) for (let i = 0; i < times && values.length < 300; i++) values.push(values[values.length - 1]! + (i === 0 ? d : 0));
      return values;
    });
    let packed = 0;
    fc.assert(
      fc.property(series, (values) => {
        const s = { ...emptyState(), endOfDay: { firstDay: 20_000, values } };
        const buf = encodeState(s);
        expect(decodeState(buf)).toEqual(s);
        if (values.every((v, i) => i === 0 || Math.abs(v - values[i - 1]!) < 2 ** 48) && values.length > 1) packed++;
      }),
      { numRuns: 400 },
    );
    expect(packed).toBeGreaterThan(100);
  });

  it('writes the same bytes for the same state whatever the order of its keys', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        const reversed = Object.fromEntries(Object.entries(s).reverse()) as unknown as CustomerState;
        const again = decodeState(encodeState(s));
        expect(encodeState(reversed)).toEqual(encodeState(s));
        expect(encodeState(again)).toEqual(encodeState(s));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the empty state in a few bytes', () => {
    const buf = encodeState(emptyState());
    expect(buf.length).toBeLessThanOrEqual(6);
    expect(decodeState(buf)).toEqual(emptyState());
  });

  it('holds the largest windows: 212 days of end-of-day values, 288 outflow slots, 92 days of maxima, 13 months', () => {
    const base = emptyState();
    const wDay = Math.floor(NOW / DAY);
    const slots: Record<string, { sumMinor: number; count: number; newCounterpartySumMinor: number; newCounterpartyCount: number }> = {};
    for (let i = 0; i < 288; i++) slots[String(Math.floor(NOW / 300_000) - i)] = { sumMinor: 10 ** 15, count: 1000, newCounterpartySumMinor: 10 ** 15, newCounterpartyCount: 1000 };
    const maxima: Record<string, number> = {};
    const seen: Record<string, number> = {};
    for (let i = 0; i < 92; i++) {
      maxima[String(wDay - i)] = 10 ** 15 - i;
      seen[pseudonym(`acct-${i}`, 'a test key of 16 chars')] = wDay - i;
    }
    const s: CustomerState = {
      ...base,
      watermark: { at: NOW, day: wDay, month: 2026 * 12 + 11 },
      transactionsWatermark: { at: NOW, day: wDay },
      firstDay: wDay - 211,
      endOfDay: { firstDay: wDay - 211, values: Array.from({ length: 212 }, (_, i) => (i * 7919) % 5 === 0 ? BOUND : i * 1_000_003) },
      outflowSlots: slots,
      maxOutflowByDay: maxima,
      counterpartyLastDay: seen,
      babyMonths: Array.from({ length: 13 }, (_, i) => 2025 * 12 + i),
      salaryMonths: Array.from({ length: 13 }, (_, i) => 2025 * 12 + i),
    };
    roundTrip(s);
  });

  it('keeps saturated sums at +-9 x 10^15 and the safe-integer extremes exactly, including differences past 2^53', () => {
    const s: CustomerState = {
      ...emptyState(),
      holdingsNetMinor: BOUND,
      holdingsFlowByDay: { '20000': -BOUND, '20001': BOUND },
      endOfDay: { firstDay: 20000, values: [-BOUND, BOUND, BOUND, -BOUND, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0] },
      accounts: { a: [{ at: Number.MIN_SAFE_INTEGER, day: Number.MAX_SAFE_INTEGER, balanceMinor: Number.MAX_SAFE_INTEGER }, { at: Number.MAX_SAFE_INTEGER, day: Number.MIN_SAFE_INTEGER, balanceMinor: Number.MIN_SAFE_INTEGER }] },
      outflowSlots: { '6000000': { sumMinor: BOUND, count: 3, newCounterpartySumMinor: -BOUND, newCounterpartyCount: 0 } },
    };
    roundTrip(s);
  });

  it('keeps negative balances and a negative net holding', () => {
    roundTrip({
      ...emptyState(),
      watermark: { at: NOW, day: Math.floor(NOW / DAY), month: 24323 },
      accounts: { [pseudonym('acct', 'a test key of 16 chars')]: [{ at: NOW - 3_600_000, day: Math.floor(NOW / DAY), balanceMinor: -125_000 }, { at: NOW, day: Math.floor(NOW / DAY), balanceMinor: -(10 ** 15) }] },
      holdingsNetMinor: -42,
      endOfDay: { firstDay: Math.floor(NOW / DAY) - 2, values: [-1, -1, -(10 ** 15) - 42] },
    });
  });

  it('keeps optional fields absent and present: a profile with nothing known, one with everything, nulls beside values', () => {
    const bare = { updatedAt: NOW, birthMonth: null, marketingConsent: false, riskTolerance: null, riskAssessedAt: null, preferredChannels: [], hasRelationshipManager: false };
    const full = { updatedAt: NOW + 1, birthMonth: 1980 * 12 + 4, marketingConsent: true, riskTolerance: 5, riskAssessedAt: NOW - 1, preferredChannels: ['APP', 'SMS', 'a channel not in the dictionary'], hasRelationshipManager: true };
    for (const profile of [null, bare, full]) {
      for (const lastInvestmentAt of [null, 0, NOW]) {
        for (const payrollMonth of [null, 0, 24323]) roundTrip({ ...emptyState(), profile, lastInvestmentAt, payrollMonth, firstDay: payrollMonth === null ? null : 0 });
      }
    }
  });

  it('refuses to write what it cannot hold exactly, saying what', () => {
    const bad: [string, CustomerState][] = [
      ['holdingsNetMinor', { ...emptyState(), holdingsNetMinor: 1.5 }],
      ['holdingsNetMinor', { ...emptyState(), holdingsNetMinor: 2 ** 60 }],
      ['holdingsNetMinor', { ...emptyState(), holdingsNetMinor: Number.NaN }],
      ['endOfDay', { ...emptyState(), endOfDay: { firstDay: 1, values: [Infinity] } }],
      ['maxOutflowByDay', { ...emptyState(), maxOutflowByDay: { '01': 5 } }],
      ['well-formed', { ...emptyState(), counterpartyLastDay: { '\ud800': 1 } }],
      ['futureField', { ...emptyState(), futureField: [] } as unknown as CustomerState],
      ['version', { ...emptyState(), version: 2 } as unknown as CustomerState],
      ['endOfDay', { ...emptyState(), endOfDay: { firstDay: 1, values: new Array<number>(MAX_SERIES_VALUES + 1).fill(0) } }],
      ['olderDigests', { ...emptyState(), olderDigests: [{ day: 1, fingerprints: [2 ** (8 * FINGERPRINT_BYTES)] }] }],
      ['olderDigests', { ...emptyState(), olderDigests: [{ day: 1, fingerprints: [-1] }] }],
    ];
    for (const [what, s] of bad) {
      expect(() => encodeState(s), what).toThrow(StateCodecError);
      expect(() => encodeState(s), what).toThrow(what);
    }
  });

  it('writes times in whole seconds when it can and in milliseconds when it must', () => {
    const s = (at: number): CustomerState => ({ ...emptyState(), watermark: { at, day: Math.floor(at / DAY), month: 24323 }, recentPurchases: [{ at: at - 86_400_000, highRisk: true }] });
    expect(encodeState(s(NOW))[1]).toBe(1);
    expect(encodeState(s(NOW + 1))[1]).toBe(0);
    roundTrip(s(NOW + 1));
    roundTrip(s(NOW));
  });

  it('falls back to milliseconds for a time after the first (the watermark in whole seconds, a purchase not), the same bytes every time', () => {
    const s: CustomerState = { ...emptyState(), watermark: { at: NOW, day: Math.floor(NOW / DAY), month: 24323 }, recentPurchases: [{ at: NOW - 86_400_001, highRisk: true }] };
    const first = encodeState(s);
    expect(first[1]).toBe(0);
    expect(encodeState(s).equals(first)).toBe(true);
    roundTrip(s);
  });

  it('refuses a watermark that is not a safe integer with the codec error, not the internal fallback signal', () => {
    const s = (at: number): CustomerState => ({ ...emptyState(), watermark: { at, day: 1, month: 24323 } });
    for (const at of [Number.NaN, 2 ** 60 + 0.5, Number.POSITIVE_INFINITY, 1.5]) expect(() => encodeState(s(at)), String(at)).toThrow(StateCodecError);
  });
});

describe('decodeState on bad input', () => {
  const samples = fc.sample(stateArb, { numRuns: 8, seed: 5 }).map(encodeState);

  it('refuses every truncation of a valid buffer with a StateCodecError', () => {
    for (const buf of samples) {
      for (let n = 0; n < buf.length; n++) expect(() => decodeState(buf.subarray(0, n))).toThrow(StateCodecError);
    }
  });

  it('gives a decoded state or a StateCodecError for any corruption', () => {
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (buf, flips) => {
        const b = Buffer.from(buf);
        for (const [i, v] of flips) b[i % b.length] = v;
        // a hang would be caught by the test's timeout; a huge allocation by the bounds test below
        try {
          decodeState(b);
        } catch (err) {
          expect(err).toBeInstanceOf(StateCodecError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses random bytes with a StateCodecError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const b = Buffer.from(bytes);
        if (b.length > 0) b[0] = LAYOUT_VERSION;
        try {
          decodeState(b);
        } catch (err) {
          expect(err).toBeInstanceOf(StateCodecError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('bounds every declared count and length by the bytes left, so nothing big is allocated', () => {
    // version, flags, bitmap = accounts only, T0 = 0, D0, M0, then 2^50 accounts declared
    const hugeCount = Buffer.from([1, 0, 1 << 6, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(() => decodeState(hugeCount)).toThrow(/accounts: \d+ declared, only 0 bytes left/);
    // endOfDay (bit 9) declaring more values than any state has
    const bitmap9 = [0x80, 0x04];
    const hugeSeries = Buffer.from([1, 0, ...bitmap9, 0, 0, 0, 0, 0xff, 0xff, 0x03]);
    expect(() => decodeState(hugeSeries)).toThrow(/endOfDay: 65535 values declared/);
    // a run passing the declared count: 3 values, a first value, mode 0 (varints), then a run of 100
    const longRun = Buffer.from([1, 0, ...bitmap9, 0, 0, 0, 0, 3, 2, 0, 0, 99]);
    expect(() => decodeState(longRun)).toThrow(/a run of 100 passes the 3 values declared/);
    // one account, its key not uniform (0), a string declaring 1000 bytes with 2 left
    const longString = Buffer.from([1, 0, 1 << 6, 0, 0, 0, 1, 0, 0xa0, 0x1f, 0x41, 0x42]);
    expect(() => decodeState(longString)).toThrow(/1000 bytes declared, 2 left/);
    // a varint that never ends
    expect(() => decodeState(Buffer.from([1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(/varint longer than 9 bytes/);
  });

  it('names what it was given when it is not this layout', () => {
    expect(() => decodeState(Buffer.alloc(0))).toThrow(/truncated reading the layout version at byte 0 of 0/);
    // a msgpack map: what the Lua path stores
    expect(() => decodeState(Buffer.from([0x8f, 0xa1, 0x76, 0x01]))).toThrow(/layout version 143 unknown .*msgpack/);
    expect(() => decodeState(Buffer.from([LAYOUT_VERSION + 1]))).toThrow(/layout version 2 unknown/);
    // a field bit this reader does not know (a newer layout's field)
    expect(() => decodeState(Buffer.from([1, 0, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0]))).toThrow(/written by a newer layout/);
    const ok = encodeState(emptyState());
    expect(() => decodeState(Buffer.concat([ok, Buffer.from([0])]))).toThrow(/1 bytes after the last field/);
  });
});

describe('layout 1 is pinned', () => {
  it('decodes bytes written by layout 1 and writes the same bytes again (a stored value stays readable)', () => {
    const NOW = Date.UTC(2026, 11, 2, 6, 30);
    const state: CustomerState = {
      version: 1, watermark: { at: NOW, day: 20789, month: 24323 }, transactionsWatermark: { at: NOW - 60_000, day: 20789 }, channelWatermark: { at: NOW, day: 20789 }, firstDay: 20700,
      offsets: { '0.0': 18990, '1.0': 16510, '2.0': 5 }, eventIds: { '0:E000006-00216': { at: NOW - 60_000, digest: 'qSQTSgB5IuY' }, '1:E000006-00217': { at: NOW, digest: 'Se9J9UPkRdc' } },
      olderDigests: [{ day: 20786, fingerprints: [0xa92413, 0x000001] }, { day: 20788, fingerprints: [0xffffff] }],
      accounts: { '4xK-5l2YaqDk': [{ at: NOW - 86_400_000, day: 20788, balanceMinor: 3543705 }, { at: NOW - 60_000, day: 20789, balanceMinor: -12 }] },
      holdingsNetMinor: 9_000_000_000_000_000, holdingsFlowByDay: { '20789': 340000 }, endOfDay: { firstDay: 20700, values: [5, 5, 5, 7, -9_000_000_000_000_000, 7] },
      outflowSlots: { [String(Math.floor((NOW - 60_000) / 300_000))]: { sumMinor: 100, count: 1, newCounterpartySumMinor: 100, newCounterpartyCount: 1 } },
      maxOutflowByDay: { '20701': 135044, '20789': 100 }, counterpartyLastDay: { 'qWFW3Qr9K_rq': 20789 }, mortgageInterestByDay: { '20788': 2 },
      recentPurchases: [{ at: NOW - 5 * 86_400_000, highRisk: true }], highRiskRunBefore: 2, lastInvestmentAt: NOW - 5 * 86_400_000, babyMonths: [24320], salaryMonths: [24321, 24322], payrollMonth: 24322,
      profile: { updatedAt: NOW - 100 * 86_400_000, birthMonth: 23622, marketingConsent: true, riskTolerance: 2, riskAssessedAt: null, preferredChannels: ['CALL_CENTER', 'X'], hasRelationshipManager: false },
      contacts: [{ taskId: 'T-ABCDEFGHIJKLMNOPQRST', ruleId: 'welcome', kind: 'CARE', at: NOW - 1000 }], outcomes: [{ at: NOW, taskId: 'T-ABCDEFGHIJKLMNOPQRST', outcome: 'REACHED' }],
    };
    const stored =
      '010331ffffff43d0ebfdb00d00007700b1010301000001000200dca802fc81020a02010034453030303030362d303032' +
      '31367904370977a924134a007922e60049ef49f543e445d7010ae312bee65d986aa0e402ffc50ab2cab00388c50ac9ca' +
      'b0038080d4aff9dcfc1f0100a804b101060a000001048d80d4aff9dcfc1f8e80d4aff9dcfc1f01011402140202af01c0' +
      'f08301b00114010aa96156dd0afd2bfaea0001010401fdbb6904ffdd34010502030201ffd79e080df90a040212045801' +
      '58542d4142434445464748494a4b4c4d4e4f5051525354724e01010058542d4142434445464748494a4b4c4d4e4f5051' +
      '5253542203025ba9241300000142ffffff';
    expect(decodeState(Buffer.from(stored, 'hex'))).toEqual(state);
    expect(encodeState(state).toString('hex')).toBe(stored);
  });
});

describe('the states of a generated bank', () => {
  it('round-trip, and take well under half the bytes the JSON does (about 470 B a customer)', () => {
    const { lines } = generate({ seed: 3, customers: 60, days: 90, start: '2026-03-01' });
    const { states } = fold(lines, { timeZone: 'Asia/Shanghai', allowedLatenessMs: 3_600_000, babyMccs: ['5641', '5945'] });
    let bytes = 0;
    let json = 0;
    for (const s of states.values()) {
      roundTrip(s);
      bytes += encodeState(s).length;
      json += JSON.stringify(s).length;
    }
    expect(states.size).toBe(60);
    expect(bytes / states.size).toBeLessThan(700);
    expect(bytes).toBeLessThan(json / 4);
  });
});

describe('the fields of time as a trigger (src/features/timers.ts)', () => {
  it('round-trip exactly: timers, last evaluated, watched checks, last contact and the birth day; absent stays absent', () => {
    const base = emptyState();
    const s: CustomerState = {
      ...base,
      watermark: { at: NOW, day: Math.floor(NOW / DAY), month: 2026 * 12 + 11 },
      profile: { updatedAt: NOW - DAY, birthMonth: 1961 * 12 + 2, birthDay: 20, marketingConsent: true, riskTolerance: 3, riskAssessedAt: null, preferredChannels: ['WECHAT'], hasRelationshipManager: true },
      timers: [
        { dueAt: NOW + 3_600_000, what: 'TIER' },
        { dueAt: NOW + 86_400_001, what: 'FRAUD_SLA', ref: 'T-ABCDEFGHIJKLMNOPQRST' },
        { dueAt: NOW + 30 * DAY - 1, what: 'CADENCE' },
        { dueAt: NOW + 40 * DAY, what: 'BIRTHDAY' },
      ],
      lastEvaluated: { tier: 'VIP', day: Math.floor(NOW / DAY) - 1, since: NOW - 5 * DAY - 1, cadenceAt: NOW - 2 * DAY, birthdayDay: Math.floor(NOW / DAY) - 300 },
      fraudChecks: [
        { taskId: 'T-ABCDEFGHIJKLMNOPQRST', dueBy: NOW + DAY, status: 'OPEN', transactionEventId: '0b7c3c52-9a51-4a3e-8f0e-2d2d2d2d2d2d', transactionType: 'TRANSFER_OUT', transactionAt: NOW, amountMinor: 8_000_000, maskedAccountNo: '8812' },
        { taskId: 'T-BBCDEFGHIJKLMNOPQRST', dueBy: NOW - DAY, status: 'ESCALATED', transactionEventId: 'E-2', transactionType: 'WITHDRAWAL', transactionAt: NOW - 2 * DAY, amountMinor: 1, maskedAccountNo: '0001', closedAt: NOW - DAY + 1 },
      ],
      lastContactAt: NOW - 20 * DAY + 7,
    };
    roundTrip(s);
    roundTrip({ ...s, timers: [], fraudChecks: [], lastEvaluated: { tier: 'ORDINARY', day: 1, since: 0 } });
    const { timers: _t, lastEvaluated: _l, fraudChecks: _f, lastContactAt: _c, ...without } = s;
    const back = roundTrip({ ...without, profile: { ...s.profile!, birthDay: null } });
    expect(Object.keys(back)).not.toContain('timers');
    const { birthDay: _b, ...oldProfile } = s.profile!;
    expect(Object.keys(roundTrip({ ...without, profile: oldProfile }).profile!)).not.toContain('birthDay');
    // the milliseconds of the timers do not cost the rest of the state its whole seconds
    expect(encodeState(s).length).toBeLessThan(encodeState({ ...s, watermark: { ...s.watermark!, at: NOW + 1 } }).length + 1);
  });
});

describe('cachedPseudonym', () => {
  it('gives what pseudonym() gives, and stays within its bound', () => {
    const f = cachedPseudonym('a test key of 16 chars', 3);
    for (let round = 0; round < 2; round++) for (let i = 0; i < 10; i++) expect(f(`acct-${i}`)).toBe(pseudonym(`acct-${i}`, 'a test key of 16 chars'));
    const g = cachedPseudonym('another key of 16 chars', 1000);
    expect(g('acct-1')).not.toBe(f('acct-1'));
  });
});
