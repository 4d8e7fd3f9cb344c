import { zoneOffsetSeconds } from '../events/time.ts';

/** `4999999` → `49,999.99`: yuan with thousands separators and two decimals, from integer minor units. */
export function formatAmountMinor(minor: number): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError('amount must be integer minor units');
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const yuan = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${yuan}.${String(abs % 100).padStart(2, '0')}`;
}

/** `11月10日14:20`: month, day and 24-hour time of `ms` in `timeZone`. */
export function formatLocalMonthDayTime(ms: number, timeZone: string): string {
  const local = new Date(ms + zoneOffsetSeconds(ms, timeZone) * 1000);
  const hh = String(local.getUTCHours()).padStart(2, '0');
  const mm = String(local.getUTCMinutes()).padStart(2, '0');
  return `${local.getUTCMonth() + 1}月${local.getUTCDate()}日${hh}:${mm}`;
}
