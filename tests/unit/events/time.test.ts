import { describe, expect, it } from 'vitest';
import { DEFAULT_TIME_ZONE, formatInstant, parseInstant, zoneOffsetSeconds } from '../../../src/events/time.ts';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number => Date.UTC(y, mo - 1, d, h, mi, s, ms);

describe('formatInstant / parseInstant', () => {
  it.each([
    // Asia/Shanghai: +08:00 all year, so local midnight is 16:00 UTC the day before.
    ['Asia/Shanghai', utc(2026, 11, 22, 15, 59, 59), '2026-11-22T23:59:59+08:00'],
    ['Asia/Shanghai', utc(2026, 11, 22, 16, 0, 0), '2026-11-23T00:00:00+08:00'],
    ['Asia/Shanghai', utc(2026, 12, 31, 15, 59, 59, 999), '2026-12-31T23:59:59.999+08:00'],
    ['Asia/Shanghai', utc(2026, 12, 31, 16), '2027-01-01T00:00:00+08:00'],
    // Europe/Berlin, winter (+01:00), the day DST starts, summer (+02:00), the day DST ends.
    ['Europe/Berlin', utc(2026, 3, 28, 22, 59, 59), '2026-03-28T23:59:59+01:00'],
    ['Europe/Berlin', utc(2026, 3, 28, 23), '2026-03-29T00:00:00+01:00'],
    ['Europe/Berlin', utc(2026, 3, 29, 0, 59, 59, 999), '2026-03-29T01:59:59.999+01:00'],
    ['Europe/Berlin', utc(2026, 3, 29, 1), '2026-03-29T03:00:00+02:00'],
    ['Europe/Berlin', utc(2026, 3, 29, 21, 59, 59), '2026-03-29T23:59:59+02:00'],
    ['Europe/Berlin', utc(2026, 6, 30, 22), '2026-07-01T00:00:00+02:00'],
    ['Europe/Berlin', utc(2026, 10, 24, 22), '2026-10-25T00:00:00+02:00'],
    ['Europe/Berlin', utc(2026, 10, 25, 0, 30), '2026-10-25T02:30:00+02:00'],
    ['Europe/Berlin', utc(2026, 10, 25, 1, 30), '2026-10-25T02:30:00+01:00'],
    ['Europe/Berlin', utc(2026, 10, 25, 22, 59, 59), '2026-10-25T23:59:59+01:00'],
    ['UTC', utc(2026, 1, 1), '2026-01-01T00:00:00+00:00'],
    ['America/St_Johns', utc(2026, 1, 1, 3, 30), '2026-01-01T00:00:00-03:30'],
    ['Asia/Kolkata', utc(2026, 1, 1, 18, 29, 59), '2026-01-01T23:59:59+05:30'],
  ])('%s: %i <-> %s', (tz, ms, text) => {
    expect(formatInstant(ms, tz)).toBe(text);
    expect(parseInstant(text)).toBe(ms);
  });

  it('defaults to Asia/Shanghai', () => {
    expect(DEFAULT_TIME_ZONE).toBe('Asia/Shanghai');
    expect(formatInstant(utc(2026, 11, 22, 1, 30))).toBe('2026-11-22T09:30:00+08:00');
  });

  it('gives zone offsets in seconds', () => {
    expect(zoneOffsetSeconds(utc(2026, 1, 1), 'Europe/Berlin')).toBe(3600);
    expect(zoneOffsetSeconds(utc(2026, 7, 1), 'Europe/Berlin')).toBe(7200);
    expect(zoneOffsetSeconds(utc(2026, 7, 1), 'UTC')).toBe(0);
  });

  it('writes UTC with Z where the offset has seconds (local mean time) and pads small years', () => {
    const ms = utc(1890, 1, 1);
    expect(formatInstant(ms, 'Asia/Shanghai')).toBe('1890-01-01T00:00:00Z');
    expect(parseInstant('1890-01-01T00:00:00Z')).toBe(ms);
    const year50 = parseInstant('0050-06-01T12:00:00+00:00');
    expect(year50).toBeDefined();
    expect(formatInstant(year50!, 'UTC')).toBe('0050-06-01T12:00:00+00:00');
  });

  it('rejects an unknown zone and non-integer instants', () => {
    expect(() => formatInstant(0, 'Mars/Olympus_Mons')).toThrow(/unknown time zone: Mars\/Olympus_Mons/);
    expect(() => formatInstant(1.5)).toThrow(RangeError);
    expect(() => formatInstant(Number.NaN)).toThrow(RangeError);
  });

  it('parses Z, negative offsets and fractions, truncating below milliseconds', () => {
    expect(parseInstant('2026-11-22T01:30:00Z')).toBe(utc(2026, 11, 22, 1, 30));
    expect(parseInstant('2026-11-21T20:30:00-05:00')).toBe(utc(2026, 11, 22, 1, 30));
    expect(parseInstant('2026-11-22T01:30:00.5Z')).toBe(utc(2026, 11, 22, 1, 30, 0, 500));
    expect(parseInstant('2026-11-22T01:30:00.123456789Z')).toBe(utc(2026, 11, 22, 1, 30, 0, 123));
    expect(parseInstant('2028-02-29T00:00:00+08:00')).toBe(utc(2028, 2, 28, 16));
  });

  it.each([
    '2026-11-22T09:30:00', // no offset: ambiguous
    '2026-11-22 09:30:00+08:00',
    '2026-11-22T09:30+08:00',
    '2026-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-11-22T24:00:00Z',
    '2026-11-22T23:60:00Z',
    '2026-11-22T23:59:60Z',
    '2026-11-22T09:30:00+0800',
    '2026-11-22T09:30:00+24:00',
    '2026-11-22T09:30:00.+08:00',
    '1795311000000',
    '',
  ])('refuses %j', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });
});
