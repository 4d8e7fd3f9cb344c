// Business-calendar arithmetic for the generator and its checker: local day
// numbers and months in the bank's time zone (FEATURES.md "Time"). The zone's
// offset comes from src/events/time.ts; what is missing there (local midnight
// as an instant, day/month numbers) lives here.
import { zoneOffsetSeconds } from '../events/time.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Longest stream: profiles precede it, fresh assessments must last until its end. */
export const MAX_DAYS = 300;

/** Civil date -> days since 1970-01-01 (proleptic Gregorian, no zone). */
export function daysFromCivil(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

export interface CivilDate {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number; // 1..31
}

export function civilFromDays(dayNumber: number): CivilDate {
  const d = new Date(dayNumber * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** `YYYY-MM-DD` of a day number. */
export function isoDate(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD` into a day number; throws RangeError on anything else. */
export function parseIsoDate(text: string): number {
  const m = ISO_DATE.exec(text);
  if (!m) throw new RangeError(`start must be a date in YYYY-MM-DD form, got ${JSON.stringify(text)}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const n = daysFromCivil(y, mo, d);
  const back = civilFromDays(n);
  if (back.year !== y || back.month !== mo || back.day !== d) throw new RangeError(`start is not a calendar date: ${text}`);
  return n;
}

/** `year * 12 + (month - 1)`, FEATURES.md's month number. */
export function monthNumber(c: CivilDate): number {
  return c.year * 12 + (c.month - 1);
}

/**
 * Calendar helper bound to one zone. Offsets are cached per 15 minutes of UTC
 * (zone transitions happen on quarter hours), because Intl is slow and the
 * checker asks for day numbers of every event.
 */
export class BusinessCalendar {
  readonly timeZone: string;
  private readonly offsets = new Map<number, number>();

  constructor(timeZone: string) {
    zoneOffsetSeconds(0, timeZone); // throws RangeError for an unknown zone
    this.timeZone = timeZone;
  }

  offsetMs(ms: number): number {
    const bucket = Math.floor(ms / (15 * MINUTE_MS));
    let off = this.offsets.get(bucket);
    if (off === undefined) {
      off = zoneOffsetSeconds(ms, this.timeZone) * 1000;
      this.offsets.set(bucket, off);
    }
    return off;
  }

  /** FEATURES.md day(t): the local calendar date as a day number. */
  dayOf(ms: number): number {
    return Math.floor((ms + this.offsetMs(ms)) / DAY_MS);
  }

  /** FEATURES.md month(t). */
  monthOf(ms: number): number {
    return monthNumber(civilFromDays(this.dayOf(ms)));
  }

  /**
   * The instant of local wall-clock time `msOfDay` on local day `dayNumber`.
   * Two passes settle the offset; generated events avoid 00:00-06:00, where
   * DST gaps and overlaps live, so the result always has the intended day.
   */
  at(dayNumber: number, msOfDay: number): number {
    const wall = dayNumber * DAY_MS + msOfDay;
    let t = wall - this.offsetMs(wall);
    t = wall - this.offsetMs(t);
    return t;
  }

  /** Local wall-clock `hh:mm:ss` on a day. */
  time(dayNumber: number, hh: number, mm = 0, ss = 0): number {
    return this.at(dayNumber, hh * HOUR_MS + mm * MINUTE_MS + ss * 1000);
  }
}

/** Day number of the `dom`-th of the month `monthsAhead` after the month of `dayNumber`. */
export function dayOfMonthAhead(dayNumber: number, monthsAhead: number, dom: number): number {
  const c = civilFromDays(dayNumber);
  const m0 = c.year * 12 + (c.month - 1) + monthsAhead;
  return daysFromCivil(Math.floor(m0 / 12), (m0 % 12) + 1, dom);
}
