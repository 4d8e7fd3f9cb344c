import { describe, expect, it } from 'vitest';
import { customerValue, EPOCH_BYTES, EPOCH_DIGITS, binaryStateCodec, readCustomerValue, valueEpoch, decodeResult, encodeResult, RESULT_VIEW_FIELDS } from '../../../src/state/customer-value.ts';
import { apply, BusinessCalendar, emptyState } from '../../../src/features/index.ts';
import { STATUS } from '../../../src/state/store.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { tx } from '../../support/events.ts';

const options = { calendar: new BusinessCalendar('Asia/Shanghai'), allowedLatenessMs: 3_600_000, duplicateWindowMs: 7 * 86_400_000, babyMccs: new Set(['5641']), pseudonym: (v: string) => `p-${v.length}` };

describe('a customer value in Redis', () => {
  const applied = apply(emptyState(), { ref: { topic: TOPICS.transactions, partition: 2, offset: 7 }, kind: 'transaction', event: tx('C1', '2026-11-01T09:00:00+08:00', { amountMinor: 500, balanceAfterMinor: 1_500 }) }, options);

  it('starts with the writer epoch in 6 bytes, big-endian (write-customer-3.lua reads them with GETRANGE), and reads back the same state', () => {
    const epoch = 1_764_680_000_123;
    const value = customerValue(epoch, applied.state, binaryStateCodec);
    expect(value.subarray(0, EPOCH_BYTES).toString('hex')).toBe(epoch.toString(16).padStart(12, '0'));
    expect(value.subarray(EPOCH_BYTES)).toEqual(binaryStateCodec.encode(applied.state));
    const back = readCustomerValue(value, binaryStateCodec);
    expect(back.epoch).toBe(epoch);
    expect(back.state).toEqual(applied.state);
  });

  it('reads a value written before 2026-12-04, whose head is the epoch in 16 ASCII digits', () => {
    const epoch = 1_764_680_000_123;
    const old = Buffer.concat([Buffer.from(String(epoch).padStart(EPOCH_DIGITS, '0'), 'ascii'), binaryStateCodec.encode(applied.state)]);
    expect(valueEpoch(old)).toEqual({ epoch, bodyAt: EPOCH_DIGITS });
    const back = readCustomerValue(old, binaryStateCodec);
    expect(back.epoch).toBe(epoch);
    expect(back.state).toEqual(applied.state);
  });

  it('never writes a head that begins with an ASCII digit, so the two heads cannot be confused', () => {
    const last = 0x30 * 2 ** 40 - 1; // the largest epoch the 6-byte head takes: the year 3642
    for (const epoch of [0, 1, Date.UTC(2026, 11, 4), Date.UTC(3000, 0, 1), last]) {
      const value = customerValue(epoch, emptyState(), binaryStateCodec);
      expect(value[0]).toBeLessThan(0x30);
      expect(readCustomerValue(value, binaryStateCodec).epoch).toBe(epoch);
    }
    expect(() => customerValue(last + 1, emptyState(), binaryStateCodec)).toThrow(/does not fit/);
  });

  it('refuses an epoch that does not fit and a value without one', () => {
    expect(() => customerValue(-1, emptyState(), binaryStateCodec)).toThrow(/does not fit/);
    expect(() => customerValue(1.5, emptyState(), binaryStateCodec)).toThrow(/does not fit/);
    expect(() => readCustomerValue(Buffer.alloc(0), binaryStateCodec)).toThrow(/epoch/);
    expect(() => readCustomerValue(Buffer.from([1, 0, 0]), binaryStateCodec)).toThrow(/epoch/);
    expect(() => readCustomerValue(Buffer.from('00017646', 'ascii'), binaryStateCodec)).toThrow(/epoch/);
    expect(() => readCustomerValue(Buffer.from('x'.repeat(20), 'ascii'), binaryStateCodec)).toThrow(/epoch/);
  });

  it('keeps a result as it was: a replay gets the same views', () => {
    const outcome = { status: STATUS.APPLIED, before: applied.before!, after: applied.after! };
    expect(decodeResult(encodeResult(outcome))).toEqual(outcome);
    expect(applied.before!.maxEodPrev7Minor).toBeNull();
  });

  it('keeps results compactly (Avro behind "~"), each field back exactly as JSON would give it', () => {
    const outcome = { status: STATUS.APPLIED, before: applied.before!, after: applied.after!, tier: 'VIP' as const };
    const text = encodeResult(outcome);
    expect(text.startsWith('~')).toBe(true);
    expect(text.length).toBeLessThan(JSON.stringify(outcome).length / 2);
    const back = decodeResult(text);
    expect(JSON.stringify(back)).toBe(JSON.stringify(outcome));
    expect(back).toEqual(outcome);
  });

  it('the kept form has every field of the feature engine\'s view: a new field needs a place in the schema', () => {
    expect([...RESULT_VIEW_FIELDS].sort()).toEqual(Object.keys(applied.after!).sort());
  });

  it('carries the extremes: safe integers of either sign, nulls, months, a conflict\'s digests', () => {
    const view = { ...applied.after!, depositsMinor: -(2 ** 53 - 1), assetsMinor: 2 ** 53 - 1, lastInvestmentAt: 1_795_000_000_123, payrollMonth: 24_321, age: 0, babyMonths: [24_300, 24_301], salaryMonths: [] };
    const outcome = { status: STATUS.APPLIED, before: view, after: { ...view, maxEodPrev7Minor: 0, age: null } };
    expect(decodeResult(encodeResult(outcome))).toEqual(outcome);
    const conflict = { status: STATUS.CONFLICT, digests: { kept: 'AAAAAAAAAAA', record: 'BBBBBBBBBBB' } };
    expect(encodeResult(conflict).startsWith('~')).toBe(true);
    expect(decodeResult(encodeResult(conflict))).toEqual(conflict);
    expect(decodeResult(encodeResult({ status: STATUS.DUPLICATE_EVENT }))).toEqual({ status: STATUS.DUPLICATE_EVENT });
  });

  it('keeps as JSON what Avro cannot carry (a count beyond 2^31 or not whole), and reads JSON results of earlier versions', () => {
    const big = { status: STATUS.APPLIED, before: applied.before!, after: { ...applied.after!, highRiskStreak: 2 ** 31 } };
    expect(encodeResult(big).startsWith('{')).toBe(true);
    expect(decodeResult(encodeResult(big))).toEqual(big);
    const fraction = { status: STATUS.APPLIED, before: applied.before!, after: { ...applied.after!, counterparties90d: 1.5 } };
    expect(decodeResult(encodeResult(fraction))).toEqual(fraction);
    const earlier = JSON.stringify({ status: STATUS.APPLIED, before: applied.before!, after: applied.after! });
    expect(decodeResult(earlier)).toEqual({ status: STATUS.APPLIED, before: applied.before!, after: applied.after! });
  });
});
