import type { CustomerTier } from '../events/types.ts';
import { dateOfDay, dayOfDate, dayLabel, type BusinessCalendar } from './calendar.ts';
import { draftOf, type CustomerState, type Draft, type LastEvaluated, type Timer, type TimerWhat, type WatchedFraudCheck } from './state.ts';
import { tierOf, type TierThresholds } from './tier.ts';
import { avg30, eventView, type EventView } from './view.ts';
import { ANSWERING_OUTCOMES } from './apply.ts';

/**
 * Time as a trigger (docs/RULES.md "Time", docs/FEATURES.md "Timers"): pure
 * functions over a customer's state and a stream time. No clock: the caller
 * says what time it is (the shard's stream time) and owns where timers are
 * indexed.
 *
 *   state = schedule(state, o)                        // after every change
 *   const { state, fired } = fireDue(state, customerId, streamTime, o)
 *
 * What can fire, and when (each at most once per state, ids deterministic):
 * - TIER: the close of the first business day whose tier, as things stand
 *   (no new event: end-of-day assets carry forward), differs from the tier as
 *   last evaluated. The tier of a day is judged when the day is over, so a
 *   crossing that reverses before the day ends is no edge. Fires at the
 *   start of the next day; the trigger is dated the last millisecond of the
 *   day that changed.
 * - CADENCE: `cadenceDays[tier]` after the latest of the last contact, the
 *   time the customer entered the tier and the last cadence trigger.
 * - BIRTHDAY: the start of the customer's birthday (business time zone; 29
 *   February is the 28th in other years) while the tier is VIP or POTENTIAL.
 * - FRAUD_SLA: one millisecond after an open fraud check's dueBy (an answer
 *   at dueBy itself is in time).
 */

export interface TimerOptions {
  readonly calendar: BusinessCalendar;
  readonly tiers: TierThresholds;
  /** Days without contact after which care-cadence is due, per tier; null: no cadence. Null for every tier (rule off) schedules none. */
  readonly cadenceDays: Readonly<Record<CustomerTier, number | null>>;
  /** Whether birthdays are scheduled (birthday-greeting on). */
  readonly birthdays: boolean;
  /** Whether fraud checks' deadlines are scheduled (fraud-check-escalation on). */
  readonly fraudSla: boolean;
}

/** A timer that fired: what the rules evaluate (src/rules: the trigger of kind 'timer'). */
export interface FiredTimer {
  readonly what: TimerWhat;
  /** Deterministic trigger id: the same timer of the same customer always has it (task ids derive from it). */
  readonly eventId: string;
  /** The trigger's event time (see the table above). */
  readonly occurredAt: number;
  readonly day: number;
  readonly month: number;
  /** The tier as last evaluated before this timer, and after it (they differ only for TIER). */
  readonly tierBefore: CustomerTier;
  readonly tierAfter: CustomerTier;
  /** The features as of occurredAt. */
  readonly view: EventView;
  /** CADENCE: the last contact it counted from (null: none kept). */
  readonly lastContactAt?: number | null;
  /** CADENCE: the cadence in days. */
  readonly cadenceDays?: number;
  /** FRAUD_SLA: the unanswered check. */
  readonly check?: WatchedFraudCheck;
}

/** TIER + CADENCE + BIRTHDAY + one per watched fraud check. */
export const MAX_WATCHED_CHECKS = 8;
export const MAX_TIMERS = 3 + MAX_WATCHED_CHECKS;
/** Past this many days after the end of the series both 30-day averages are constant: no change can come without an event. */
const PROJECTION_DAYS = 210 + 30;
/** A guard against a bug looping: no real state fires more than this in one call. */
const MAX_FIRES = 10_000;
const DAY_MS = 86_400_000;

const WHAT_ORDER: Readonly<Record<TimerWhat, number>> = { TIER: 0, FRAUD_SLA: 1, CADENCE: 2, BIRTHDAY: 3 };

/** Timer order: due time, then TIER first (a day's tier decides that day's cadence and birthday), then ref. */
export function compareTimers(a: Timer, b: Timer): number {
  return a.dueAt - b.dueAt || WHAT_ORDER[a.what] - WHAT_ORDER[b.what] || ((a.ref ?? '') < (b.ref ?? '') ? -1 : (a.ref ?? '') > (b.ref ?? '') ? 1 : 0);
}

/** The tier of business day `d` as the state stands (days after its last event carry forward). */
export function tierOnDay(s: CustomerState, d: number, tiers: TierThresholds): CustomerTier {
  return tierOf(avg30(s, d), avg30(s, d - 180), tiers);
}

/** The last day of the end-of-day series (later days carry it forward). */
function seriesEnd(s: CustomerState): number | null {
  const e = s.endOfDay;
  return e === null ? null : e.firstDay + e.values.length - 1;
}

/**
 * The tier of every day from `start` to `last` when the extremes of the
 * end-of-day values in reach settle it (null when they do not): an average
 * lies between the smallest and the largest value it averages, so far from a
 * threshold no day needs computing — most customers, most of the time.
 */
function settledTier(s: CustomerState, start: number, last: number, tiers: TierThresholds): CustomerTier | null {
  const e = s.endOfDay!;
  const first = Math.max(s.firstDay!, e.firstDay);
  const top = e.values.length - 1;
  // Values of days [x0, x1] (later days carry the last value forward; none before `first`).
  const extremes = (x0: number, x1: number): { min: number; max: number } | null => {
    const from = Math.max(x0, first);
    if (from > x1) return null;
    const k1 = Math.min(x1 - e.firstDay, top);
    let min = Infinity;
    let max = -Infinity;
    for (let k = Math.min(from - e.firstDay, top); k <= k1; k++) {
      const v = e.values[k]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { min, max };
  };
  const a = extremes(start - 29, last);
  const b = extremes(start - 209, last - 180);
  // The 30-day average today (a) is 0 on a day with no value in its window; the one 180 days ago (b) counts only when > 0.
  const aMax = a === null ? 0 : Math.max(a.max, 0);
  const bLeast = b === null ? null : Math.max(b.min, 1);
  if (aMax < tiers.vipMinor && (bLeast === null || aMax * 100 < bLeast * (100 + tiers.growthPercent))) return 'ORDINARY';
  // Every day from `start` has a value in its 30-day window when `start` is on or after the first one.
  if (a !== null && start >= first && a.min >= tiers.vipMinor) return 'VIP';
  return null;
}

let scratch = { vals: new Float64Array(1024), has: new Uint8Array(1024) };

/**
 * The first business day from `from` on whose tier differs from `tier`, with
 * no new event; null when none can (past the projection both averages are
 * constant). Cost: at most PROJECTION_DAYS + the days since `from` days of two
 * 30-day averages.
 */
export function nextTierChangeDay(s: CustomerState, from: number, tier: CustomerTier, tiers: TierThresholds): number | null {
  const end = seriesEnd(s);
  if (end === null || s.firstDay === null) return null;
  const start = Math.max(from, s.firstDay);
  const last = Math.max(end, start) + PROJECTION_DAYS;
  // Both 30-day windows slide a day at a time (O(1) a day) while the sums stay
  // exact in doubles; past that (amounts near the saturation bound) avg30 per day.
  const settled = settledTier(s, start, last, tiers);
  if (settled !== null) return settled === tier ? null : start;
  const lo = start - 209;
  const n = last - lo + 1;
  // eodAt(s, lo + i) for every i, by ranges (the hot part of scheduling): no value before the
  // customer's first day or the kept series, the series, then its last value carried forward
  // Scratch arrays kept between calls: scheduling runs once per changed customer per chunk, and fresh arrays each time showed as garbage-collector time.
  if (scratch.vals.length < n) scratch = { vals: new Float64Array(n * 2), has: new Uint8Array(n * 2) };
  const { vals, has } = scratch;
  has.fill(0, 0, n);
  const e = s.endOfDay!;
  const values = e.values;
  const firstIdx = Math.max(s.firstDay, e.firstDay) - lo;
  let maxAbs = 0;
  for (let i = Math.max(0, firstIdx); i < n; i++) {
    let k = lo + i - e.firstDay;
    if (k >= values.length) k = values.length - 1;
    const v = values[k]!;
    vals[i] = v;
    has[i] = 1;
    if (v > maxAbs) maxAbs = v;
    else if (-v > maxAbs) maxAbs = -v;
  }
  if (maxAbs * 30 > Number.MAX_SAFE_INTEGER) {
    for (let d = start; d <= last; d++) if (tierOnDay(s, d, tiers) !== tier) return d;
    return null;
  }
  const at = (d: number) => d - lo;
  let sumA = 0, nA = 0, sumB = 0, nB = 0;
  for (let x = start - 29; x <= start; x++) if (has[at(x)]) { sumA += vals[at(x)]!; nA++; }
  for (let x = start - 209; x <= start - 180; x++) if (has[at(x)]) { sumB += vals[at(x)]!; nB++; }
  for (let d = start; ; d++) {
    const a = nA === 0 ? 0 : Math.floor(sumA / nA);
    const b = nB === 0 ? 0 : Math.floor(sumB / nB);
    if (tierOf(a, b, tiers) !== tier) return d;
    if (d === last) return null;
    const inA = at(d + 1), outA = at(d - 29), inB = at(d + 1 - 180), outB = at(d - 209);
    if (has[inA]) { sumA += vals[inA]!; nA++; }
    if (has[outA]) { sumA -= vals[outA]!; nA--; }
    if (has[inB]) { sumB += vals[inB]!; nB++; }
    if (has[outB]) { sumB -= vals[outB]!; nB--; }
  }
}

/** The tier as last evaluated; a state kept before timers existed starts from its current tier (no edge from the past). */
function lastEvaluatedOf(s: CustomerState, o: TimerOptions): LastEvaluated | undefined {
  if (s.lastEvaluated !== undefined || s.watermark === null) return s.lastEvaluated;
  const day = s.watermark.day;
  return { tier: tierOnDay(s, day, o.tiers), day, since: s.watermark.at };
}

/** The first day from `fromDay` on that is the birthday (month 1-12, day of month); 29 February falls on the 28th in other years. */
export function nextBirthday(fromDay: number, month: number, dayOfMonth: number): number {
  const { year } = dateOfDay(fromDay);
  for (let y = year; y <= year + 1; y++) {
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const dom = month === 2 && dayOfMonth === 29 && !leap ? 28 : dayOfMonth;
    const d = dayOfDate(y, month, dom);
    if (d >= fromDay) return d;
  }
  return dayOfDate(year + 2, month, dayOfMonth); // unreachable: some birthday falls within a year
}

function birthMonthDay(s: CustomerState): { month: number; dayOfMonth: number } | null {
  const p = s.profile;
  if (!p || p.birthMonth === null || p.birthDay === undefined || p.birthDay === null) return null;
  return { month: (p.birthMonth % 12) + 1, dayOfMonth: p.birthDay };
}

/** The timers the state calls for, earliest first (at most MAX_TIMERS). Pure and deterministic: a function of the state and the options. */
export function timersOf(s: CustomerState, o: TimerOptions): Timer[] {
  const out: Timer[] = [];
  const le = lastEvaluatedOf(s, o);
  if (le !== undefined) {
    const change = nextTierChangeDay(s, le.day + 1, le.tier, o.tiers);
    if (change !== null) out.push({ dueAt: o.calendar.startOfDay(change + 1), what: 'TIER' });
    const cadence = o.cadenceDays[le.tier];
    if (cadence !== null) {
      const from = Math.max(s.lastContactAt ?? -Infinity, le.since, le.cadenceAt ?? -Infinity);
      out.push({ dueAt: from + cadence * DAY_MS, what: 'CADENCE' });
    }
    const birth = birthMonthDay(s);
    if (o.birthdays && birth && (le.tier === 'VIP' || le.tier === 'POTENTIAL') && s.watermark !== null) {
      const from = Math.max(le.birthdayDay === undefined ? -Infinity : le.birthdayDay + 1, s.watermark.day);
      out.push({ dueAt: o.calendar.startOfDay(nextBirthday(from, birth.month, birth.dayOfMonth)), what: 'BIRTHDAY' });
    }
  }
  if (o.fraudSla) for (const f of s.fraudChecks ?? []) if (f.status === 'OPEN') out.push({ dueAt: f.dueBy + 1, what: 'FRAUD_SLA', ref: f.taskId });
  return out.sort(compareTimers).slice(0, MAX_TIMERS);
}

function sameTimers(a: readonly Timer[] | undefined, b: readonly Timer[]): boolean {
  if (!a || a.length !== b.length) return false;
  return a.every((t, i) => t.dueAt === b[i]!.dueAt && t.what === b[i]!.what && t.ref === b[i]!.ref);
}

/**
 * The tier as last evaluated seeded in a draft that has none yet (what
 * schedule() also does), without recomputing the timers: the rules read that
 * tier right after an event, while the timers are only needed before the
 * customer's next record or at the chunk's end, so a caller may schedule()
 * once then.
 */
export function seedEvaluated(draft: Draft, o: TimerOptions): void {
  const le = lastEvaluatedOf(draft, o);
  if (le !== draft.lastEvaluated) draft.lastEvaluated = le;
}

/** The state with its timers (and a seeded lastEvaluated) recomputed: call after every change. Returns `state` itself when nothing changed. */
export function schedule(state: CustomerState, o: TimerOptions): CustomerState {
  const le = lastEvaluatedOf(state, o);
  const timers = timersOf(state, o);
  if (le === state.lastEvaluated && sameTimers(state.timers, timers)) return state;
  return { ...state, ...(le && { lastEvaluated: le }), timers };
}

/**
 * schedule() on the caller's own draft, changed in place: a caller applying a
 * customer's records one at a time reschedules between them without copying
 * the state again for the next record.
 */
export function scheduleDraft(draft: Draft, o: TimerOptions): void {
  const le = lastEvaluatedOf(draft, o);
  const timers = timersOf(draft, o);
  if (le === draft.lastEvaluated && sameTimers(draft.timers, timers)) return;
  if (le) draft.lastEvaluated = le;
  draft.timers = timers;
}

/** When the state's next timer is due (what a shard's index keeps per customer); null when none is pending. */
export function nextDueAt(state: CustomerState): number | null {
  const t = state.timers?.[0];
  return t === undefined ? null : t.dueAt;
}

/**
 * Fires every timer of the state due at or before `streamTime`, earliest
 * first, rescheduling after each (a tier that changes back a few days later
 * fires both edges, each dated its own day). Pure; the state comes back
 * scheduled. A fired timer is consumed by the state it returns, so firing
 * again with that state at the same stream time fires nothing.
 */
export function fireDue(state: CustomerState, customerId: string, streamTime: number, o: TimerOptions): { state: CustomerState; fired: FiredTimer[] } {
  let s = schedule(state, o);
  const fired: FiredTimer[] = [];
  for (let n = 0; n < MAX_FIRES; n++) {
    const t = s.timers?.[0];
    if (t === undefined || t.dueAt > streamTime) break;
    const d = draftOf(s);
    const f = fire(d, customerId, t, o);
    if (f) fired.push(f);
    s = schedule(d, o);
  }
  return { state: s, fired };
}

function viewAt(s: CustomerState, at: number, o: TimerOptions): { view: EventView; day: number; month: number } {
  const day = o.calendar.day(at);
  const month = o.calendar.month(at);
  return { view: eventView(s, at, day, month, null), day, month };
}

/** Consumes timer `t` in `d` and says what fired (null: nothing for the rules). */
function fire(d: Draft, customerId: string, t: Timer, o: TimerOptions): FiredTimer | null {
  const le = d.lastEvaluated ?? lastEvaluatedOf(d, o)!;
  switch (t.what) {
    case 'TIER': {
      const day = o.calendar.day(t.dueAt) - 1;
      const at = t.dueAt - 1;
      const tier = tierOnDay(d, day, o.tiers);
      d.lastEvaluated = { ...le, tier, day, since: tier === le.tier ? le.since : at };
      if (tier === le.tier) return null;
      return { what: 'TIER', eventId: `timer:TIER:${customerId}:${dayLabel(day)}`, occurredAt: at, tierBefore: le.tier, tierAfter: tier, ...viewAt(d, at, o) };
    }
    case 'CADENCE': {
      const cadenceDays = o.cadenceDays[le.tier]!;
      d.lastEvaluated = { ...le, cadenceAt: t.dueAt };
      return {
        what: 'CADENCE', eventId: `timer:CADENCE:${customerId}:${new Date(t.dueAt).toISOString()}`, occurredAt: t.dueAt,
        tierBefore: le.tier, tierAfter: le.tier, lastContactAt: d.lastContactAt ?? null, cadenceDays, ...viewAt(d, t.dueAt, o),
      };
    }
    case 'BIRTHDAY': {
      const day = o.calendar.day(t.dueAt);
      d.lastEvaluated = { ...le, birthdayDay: day };
      return { what: 'BIRTHDAY', eventId: `timer:BIRTHDAY:${customerId}:${dayLabel(day)}`, occurredAt: t.dueAt, tierBefore: le.tier, tierAfter: le.tier, ...viewAt(d, t.dueAt, o) };
    }
    case 'FRAUD_SLA': {
      const checks = d.fraudChecks ?? [];
      const i = checks.findIndex((f) => f.taskId === t.ref);
      const check = checks[i];
      if (check === undefined || check.status !== 'OPEN') return null;
      d.fraudChecks = checks.slice();
      d.fraudChecks[i] = { ...check, status: 'ESCALATED', closedAt: t.dueAt };
      // Dated the deadline itself, so the escalation's dueBy is the original's + 4 h however late the stream noticed.
      return { what: 'FRAUD_SLA', eventId: `timer:FRAUD_SLA:${check.taskId}`, occurredAt: check.dueBy, tierBefore: le.tier, tierAfter: le.tier, check, ...viewAt(d, check.dueBy, o) };
    }
  }
}

/** What the state keeps of an issued fraud check: the pipeline passes every fraud check it publishes. */
export interface IssuedFraudCheck {
  readonly taskId: string;
  readonly dueBy: number;
  readonly transactionEventId: string;
  readonly transactionType: 'TRANSFER_OUT' | 'WITHDRAWAL';
  readonly transactionAt: number;
  readonly amountMinor: number;
  readonly maskedAccountNo: string;
}

/**
 * Remembers issued fraud checks to watch for their answer, and outreach
 * tasks as contacts for the cadence (`outreachAt`: event times of issued
 * outreach tasks, birthday greetings left out by the caller). Idempotent by
 * task id (a replayed decision adds nothing); keeps the newest
 * MAX_WATCHED_CHECKS checks, dropping answered and escalated ones first.
 */
export function recordIssued(state: CustomerState, issued: { readonly fraudChecks?: readonly IssuedFraudCheck[]; readonly outreachAt?: readonly number[] }): CustomerState {
  const checks = issued.fraudChecks ?? [];
  const outreach = issued.outreachAt ?? [];
  if (checks.length === 0 && outreach.length === 0) return state;
  let lastContactAt = state.lastContactAt;
  for (const at of outreach) if (lastContactAt === undefined || at > lastContactAt) lastContactAt = at;
  let list = (state.fraudChecks ?? []).slice();
  const known = new Set(list.map((f) => f.taskId));
  for (const c of checks) {
    if (known.has(c.taskId)) continue;
    known.add(c.taskId);
    // An answer applied before the check was recorded (the same chunk) closes it as if it came after: the order does not matter.
    const answer = state.outcomes.find((o) => o.taskId === c.taskId && o.at <= c.dueBy && ANSWERING_OUTCOMES.has(o.outcome));
    list.push(answer ? { ...c, status: 'ANSWERED', closedAt: answer.at } : { ...c, status: 'OPEN' });
  }
  if (list.length > MAX_WATCHED_CHECKS) {
    const closed = list.filter((f) => f.status !== 'OPEN');
    const open = list.filter((f) => f.status === 'OPEN');
    const keepClosed = Math.max(0, MAX_WATCHED_CHECKS - open.length);
    list = [...closed.slice(closed.length - keepClosed), ...open.slice(Math.max(0, open.length - MAX_WATCHED_CHECKS))];
    list.sort((a, b) => a.transactionAt - b.transactionAt || (a.taskId < b.taskId ? -1 : 1));
  }
  return { ...state, fraudChecks: list, ...(lastContactAt !== undefined && { lastContactAt }) };
}

/** Exact age in whole years on business day `day` (the birthday counts from its start); null when the birth date is not kept. */
export function exactAgeOn(s: CustomerState, day: number): number | null {
  const p = s.profile;
  if (!p || p.birthMonth === null) return null;
  const { year, month, dayOfMonth } = dateOfDay(day);
  const bYear = Math.floor(p.birthMonth / 12);
  const bMonth = (p.birthMonth % 12) + 1;
  let age = year - bYear;
  const bDom = p.birthDay ?? 1;
  if (month < bMonth || (month === bMonth && dayOfMonth < bDom)) age--;
  return age;
}
