// ISO-8601 instants with a UTC offset, as used by the JSON form of events.
// Intl is used only to learn a zone's offset at an instant; the calendar
// fields come from UTC arithmetic, which is exact and avoids ICU's Julian
// calendar before 1582.

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function offsetFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    } catch (err) {
      throw new RangeError(`unknown time zone: ${timeZone}`, { cause: err });
    }
    offsetFormatters.set(timeZone, f);
  }
  return f;
}

/** Offset of `timeZone` from UTC at instant `ms`, in seconds (east positive). */
export function zoneOffsetSeconds(ms: number, timeZone: string): number {
  const name = offsetFormatter(timeZone).formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? '';
  // "GMT", "GMT+08:00", "GMT-03:30", or with seconds for local mean time.
  const m = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(name);
  if (!m) throw new Error(`unexpected offset name from Intl for ${timeZone}`);
  if (!m[1]) return 0;
  const secs = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -secs : secs;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Formats epoch millis as `YYYY-MM-DDTHH:mm:ss[.SSS]±HH:MM` in `timeZone`;
 * milliseconds appear only when non-zero. Historic offsets with seconds
 * (local mean time, before ~1900) and years outside 0000..9999 have no such
 * form, so those instants are written in UTC with `Z`.
 */
export function formatInstant(ms: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError('instant must be integer epoch milliseconds');
  const offset = zoneOffsetSeconds(ms, timeZone);
  const wholeMinutes = offset % 60 === 0;
  const local = new Date(ms + (wholeMinutes ? offset : 0) * 1000);
  const year = local.getUTCFullYear();
  if (Number.isNaN(year)) throw new RangeError('instant is outside the range of Date');
  if (year < 0 || year > 9999) return new Date(ms).toISOString();
  const abs = Math.abs(offset);
  const zone = wholeMinutes ? `${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600))}:${pad((abs % 3600) / 60)}` : 'Z';
  const millis = local.getUTCMilliseconds();
  return (
    `${pad(year, 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    (millis ? `.${pad(millis, 3)}` : '') +
    zone
  );
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses an ISO-8601 instant that carries an offset (`Z` or `±HH:MM`);
 * fractions beyond milliseconds are truncated. A local time without offset
 * is refused: it would silently depend on the reader's zone. Returns
 * undefined when the text is not such an instant or names an impossible date.
 */
export function parseInstant(text: string): number | undefined {
  const m = ISO_INSTANT.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const zone = m[8] ?? 'Z';
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utc = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0..99 to 1900..1999.
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millis);
  return utc.getTime() - offsetMinutes * 60_000;
}

/** Days in a proleptic Gregorian month (month 1..12). */
export function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}
