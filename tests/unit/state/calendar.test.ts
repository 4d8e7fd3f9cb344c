import { describe, expect, it } from 'vitest';
import { BusinessCalendar, dayLabel, monthLabel, monthOfDate } from '../../../src/state/calendar.ts';
import { tierOf } from '../../../src/state/tier.ts';

const sh = new BusinessCalendar('Asia/Shanghai');
const at = (iso: string) => Date.parse(iso);

describe('business calendar (Asia/Shanghai)', () => {
  it('puts 23:59:59.999 and 00:00:00 local on consecutive days', () => {
    const late = sh.day(at('2026-11-22T23:59:59.999+08:00'));
    const early = sh.day(at('2026-11-23T00:00:00+08:00'));
    expect(early - late).toBe(1);
    expect(dayLabel(late)).toBe('2026-11-22');
    expect(dayLabel(early)).toBe('2026-11-23');
  });

  it('uses the local date, not the UTC one', () => {
    // 16:30 UTC on the 22nd is 00:30 on the 23rd in Shanghai
    expect(dayLabel(sh.day(at('2026-11-22T16:30:00Z')))).toBe('2026-11-23');
  });

  it('turns months over at local month ends, including February and the year end', () => {
    expect(monthLabel(sh.month(at('2026-01-31T23:59:59+08:00')))).toBe('2026-01');
    expect(monthLabel(sh.month(at('2026-02-01T00:00:00+08:00')))).toBe('2026-02');
    expect(monthLabel(sh.month(at('2028-02-29T12:00:00+08:00')))).toBe('2028-02');
    const dec = sh.month(at('2026-12-31T23:59:59+08:00'));
    const jan = sh.month(at('2027-01-01T00:00:00+08:00'));
    expect(monthLabel(dec)).toBe('2026-12');
    expect(monthLabel(jan)).toBe('2027-01');
    expect(jan - dec).toBe(1);
    // 2026-12-31T16:00Z is already January in Shanghai
    expect(monthLabel(sh.month(at('2026-12-31T16:00:00Z')))).toBe('2027-01');
  });

  it('follows daylight-saving offsets in zones that have them', () => {
    const berlin = new BusinessCalendar('Europe/Berlin');
    // 2026-03-29: clocks go from 02:00 to 03:00; 23:30 local on the 28th is 22:30Z, on the 29th it is 21:30Z
    expect(dayLabel(berlin.day(at('2026-03-28T22:59:59Z')))).toBe('2026-03-28');
    expect(dayLabel(berlin.day(at('2026-03-28T23:00:00Z')))).toBe('2026-03-29');
    expect(dayLabel(berlin.day(at('2026-03-29T21:59:59Z')))).toBe('2026-03-29');
    expect(dayLabel(berlin.day(at('2026-03-29T22:00:00Z')))).toBe('2026-03-30');
  });

  it('keeps only the birth month of a birth date', () => {
    expect(monthLabel(monthOfDate('1961-07-31'))).toBe('1961-07');
  });
});

describe('tiers', () => {
  it('VIP at exactly 500,000.00 of 30-day average, not a fen below', () => {
    expect(tierOf(50_000_000, 0)).toBe('VIP');
    expect(tierOf(49_999_999, 0)).toBe('ORDINARY');
  });
  it('POTENTIAL at exactly +30% over the average 180 days earlier, which must be positive', () => {
    expect(tierOf(13_000_000, 10_000_000)).toBe('POTENTIAL');
    expect(tierOf(12_999_999, 10_000_000)).toBe('ORDINARY');
    expect(tierOf(13_000_000, 0)).toBe('ORDINARY');
  });
});
