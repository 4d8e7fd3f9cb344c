import { describe, expect, it } from 'vitest';
import { customerValue, EPOCH_DIGITS, binaryStateCodec, readCustomerValue, decodeResult, encodeResult } from '../../../src/state/customer-value.ts';
import { apply, BusinessCalendar, emptyState } from '../../../src/features/index.ts';
import { STATUS } from '../../../src/state/store.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { tx } from '../../support/events.ts';

const options = { calendar: new BusinessCalendar('Asia/Shanghai'), allowedLatenessMs: 3_600_000, duplicateWindowMs: 7 * 86_400_000, babyMccs: new Set(['5641']), pseudonym: (v: string) => `p-${v.length}` };

describe('a customer value in Redis', () => {
  const applied = apply(emptyState(), { ref: { topic: TOPICS.transactions, partition: 2, offset: 7 }, kind: 'transaction', event: tx('C1', '2026-11-01T09:00:00+08:00', { amountMinor: 500, balanceAfterMinor: 1_500 }) }, options);

  it('starts with the writer epoch in 16 ASCII digits (write-customer-3.lua reads it with GETRANGE 0 15) and reads back the same state', () => {
    const epoch = 1_764_680_000_123;
    const value = customerValue(epoch, applied.state, binaryStateCodec);
    expect(value.subarray(0, EPOCH_DIGITS).toString('ascii')).toBe('0001764680000123');
    const back = readCustomerValue(value, binaryStateCodec);
    expect(back.epoch).toBe(epoch);
    expect(back.state).toEqual(applied.state);
  });

  it('refuses an epoch that does not fit and a value without one', () => {
    expect(() => customerValue(10 ** 16, emptyState(), binaryStateCodec)).toThrow(/does not fit/);
    expect(() => readCustomerValue(Buffer.from([1, 0, 0]), binaryStateCodec)).toThrow(/epoch/);
  });

  it('keeps a result as it was: a replay gets the same views', () => {
    const outcome = { status: STATUS.APPLIED, before: applied.before!, after: applied.after! };
    expect(decodeResult(encodeResult(outcome))).toEqual(outcome);
    expect(applied.before!.maxEodPrev7Minor).toBeNull();
  });
});
