import { zoneOffsetSeconds } from '../events/time.ts';

/**
 * The business calendar: which local day and month an instant falls in. Zone
 * offsets change at most a few times a year, so they are cached per UTC hour
 * (every real offset change happens on an hour or half-hour boundary, and the
 * cache key is the quarter hour to be safe) — Intl is slow on a hot path.
 */
const QUARTER_HOUR = 900_000;
const DAY = 86_400_000;

export class BusinessCalendar {
  readonly timeZone: string;
  private readonly offsets = new Map<number, number>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    zoneOffsetSeconds(0, timeZone); // fails fast on an unknown zone
  }

  /** Offset from UTC at `ms`, in milliseconds. */
  offsetMs(ms: number): number {
    const key = Math.floor(ms / QUARTER_HOUR);
    let off = this.offsets.get(key);
    if (off === undefined) {
      off = zoneOffsetSeconds(ms, this.timeZone) * 1000;
      if (this.offsets.size > 50_000) this.offsets.clear();
      this.offsets.set(key, off);
    }
    return off;
  }

  /** Local calendar date of `ms` as days since 1970-01-01. */
  day(ms: number): number {
    return Math.floor((ms + this.offsetMs(ms)) / DAY);
  }

  /**
   * The first instant of local day `d` (days since 1970-01-01 of the local
   * date): the smallest ms with day(ms) >= d, found by bisection so a zone
   * whose midnight is skipped by a clock change still gets its day's start.
   */
  startOfDay(d: number): number {
    // local midnight at the zone's offset of that moment: right unless a clock change is near
    const guess = d * DAY - this.offsetMs(d * DAY - this.offsetMs(d * DAY));
    if (this.day(guess) === d && this.day(guess - 1) === d - 1) return guess;
    let lo = d * DAY - 2 * DAY;
    let hi = d * DAY + 2 * DAY;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.day(mid) >= d) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  /** Local month of `ms` as year * 12 + (month - 1). */
  month(ms: number): number {
    const d = new Date(ms + this.offsetMs(ms));
    return d.getUTCFullYear() * 12 + d.getUTCMonth();
  }
}

/** `YYYY-MM` of a month index. */
export function monthLabel(month: number): string {
  const y = Math.floor(month / 12);
  return `${String(y).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;
}

/** `YYYY-MM-DD` of a day index. */
export function dayLabel(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** Month index of a `YYYY-MM-DD` date string. */
export function monthOfDate(date: string): number {
  const [y, m] = date.split('-').map(Number);
  return y! * 12 + (m! - 1);
}

/** Day of month (1-31) of a `YYYY-MM-DD` date string. */
export function dayOfMonthOfDate(date: string): number {
  return Number(date.split('-')[2]);
}

/** `{ year, month (1-12), dayOfMonth }` of a day index. */
export function dateOfDay(day: number): { year: number; month: number; dayOfMonth: number } {
  const d = new Date(day * DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, dayOfMonth: d.getUTCDate() };
}

/** Day index of a local date (month 1-12). */
export function dayOfDate(year: number, month: number, dayOfMonth: number): number {
  return Math.floor(Date.UTC(year, month - 1, dayOfMonth) / DAY);
}
