import type { FeatureView, Tally } from '../state/feature-view.ts';
import { monthLabel } from './calendar.ts';
import { sat } from './saturate.ts';
import type { CustomerState, BalanceEntry } from './state.ts';
import { tierOf, DEFAULT_TIERS, type TierThresholds } from './tier.ts';

/**
 * The features the rules see around one event (just before or just after
 * it), docs/FEATURES.md. Windows are relative to the event's own time.
 */
export interface EventView {
  readonly assetsMinor: number;
  readonly depositsMinor: number;
  readonly holdingsMinor: number;
  readonly avg30Minor: number;
  readonly avg30AgoMinor: number;
  /** Highest end-of-day assets on the 7 days before the event's day; null when none is known. */
  readonly maxEodPrev7Minor: number | null;
  readonly outflow1h: Tally;
  readonly newCounterpartyOutflow1h: Tally;
  readonly outflow24h: Tally;
  readonly maxOutflow90dMinor: number;
  /** Whether the event's counterparty was seen in the previous 90 days. */
  readonly counterpartySeen: boolean;
  readonly counterparties90d: number;
  readonly highRiskStreak: number;
  readonly mortgageInterest30d: number;
  readonly lastInvestmentAt: number | null;
  /** Month at whose first salary the payroll condition last held. */
  readonly payrollMonth: number | null;
  readonly babyMonths: readonly number[];
  readonly salaryMonths: readonly number[];
  readonly age: number | null;
}

export const SLOT_MS = 300_000;
/** Slots of the 1-hour and 24-hour outflow windows. */
export const SLOTS_1H = 12;
export const SLOTS_24H = 288;
export const DAYS_90 = 90;
export const DAYS_30 = 30;

/** eod(d): carried forward past the series' end; null before the customer's first day. */
export function eodAt(s: CustomerState, d: number): number | null {
  const e = s.endOfDay;
  if (e === null || s.firstDay === null || d < s.firstDay) return null;
  const n = e.values.length;
  let i = d - e.firstDay;
  if (i >= n) i = n - 1;
  if (i < 0) return null;
  return e.values[i]!;
}

const TWO26 = 67_108_864;

/**
 * avg30(d): mean of the days of d-29 .. d that have a value, rounded down; 0
 * when none has. Exact even when the 30 values sum past 2^53: each is split
 * at 2^26 and the two sums are divided apart (floorMean in saturate.ts).
 */
export function avg30(s: CustomerState, d: number): number {
  let hi = 0;
  let lo = 0;
  let n = 0;
  for (let x = d - 29; x <= d; x++) {
    const v = eodAt(s, x);
    if (v !== null) {
      const h = Math.floor(v / TWO26);
      hi += h;
      lo += v - h * TWO26;
      n++;
    }
  }
  if (n === 0) return 0;
  const qh = Math.floor(hi / n);
  return qh * TWO26 + Math.floor(((hi - qh * n) * TWO26 + lo) / n);
}

function maxEodPrev7(s: CustomerState, d: number): number | null {
  let best: number | null = null;
  for (let x = d - 7; x <= d - 1; x++) {
    const v = eodAt(s, x);
    if (v !== null && (best === null || v > best)) best = v;
  }
  return best;
}

/** The balance of an account at the end of day d: its latest entry on or before d. */
function balanceAt(entries: readonly BalanceEntry[], d: number): number | null {
  let b: number | null = null;
  for (const e of entries) if (e.day <= d) b = e.balanceMinor;
  return b;
}

export function depositsAt(s: CustomerState, d: number): number {
  let sum = 0;
  for (const k in s.accounts) {
    const b = balanceAt(s.accounts[k]!, d);
    if (b !== null) sum = sat(sum + b);
  }
  return sum;
}

export function holdingsAt(s: CustomerState, d: number): number {
  let h = s.holdingsNetMinor;
  for (const k in s.holdingsFlowByDay) if (Number(k) > d) h = sat(h - s.holdingsFlowByDay[k]!);
  return h < 0 ? 0 : h;
}

function depositsNow(s: CustomerState): number {
  let sum = 0;
  for (const k in s.accounts) {
    const entries = s.accounts[k]!;
    const last = entries[entries.length - 1];
    if (last) sum = sat(sum + last.balanceMinor);
  }
  return sum;
}

function outflows(s: CustomerState, slotNow: number, width: number): { all: Tally; newCounterparty: Tally } {
  let sum = 0, count = 0, nsum = 0, ncount = 0;
  const lo = slotNow - width + 1;
  for (const k in s.outflowSlots) {
    const slot = Number(k);
    if (slot < lo || slot > slotNow) continue;
    const b = s.outflowSlots[k]!;
    sum = sat(sum + b.sumMinor);
    count += b.count;
    nsum = sat(nsum + b.newCounterpartySumMinor);
    ncount += b.newCounterpartyCount;
  }
  return { all: { sumMinor: sum, count }, newCounterparty: { sumMinor: nsum, count: ncount } };
}

function maxOutflow90(s: CustomerState, d: number): number {
  let best = 0;
  for (const k in s.maxOutflowByDay) {
    const x = Number(k);
    const v = s.maxOutflowByDay[k]!;
    if (x >= d - DAYS_90 + 1 && x <= d && v > best) best = v;
  }
  return best;
}

/** Whether a counterparty counts as seen in the 90 days up to d (its last sighting, see FEATURES.md's approximations). */
export function counterpartySeen(s: CustomerState, ref: string | null, d: number): boolean {
  if (ref === null) return false;
  const last = s.counterpartyLastDay[ref];
  return last !== undefined && last >= d - DAYS_90 + 1;
}

function counterparties90(s: CustomerState, d: number): number {
  let n = 0;
  for (const k in s.counterpartyLastDay) if (s.counterpartyLastDay[k]! >= d - DAYS_90 + 1) n++;
  return n;
}

function mortgage30(s: CustomerState, d: number): number {
  let n = 0;
  for (const k in s.mortgageInterestByDay) {
    const x = Number(k);
    if (x >= d - DAYS_30 + 1 && x <= d) n += s.mortgageInterestByDay[k]!;
  }
  return n;
}

function highRiskStreak(s: CustomerState): number {
  let run = 0;
  for (let i = s.recentPurchases.length - 1; i >= 0; i--) {
    if (!s.recentPurchases[i]!.highRisk) return run;
    run++;
  }
  return run + s.highRiskRunBefore;
}

function ageAt(s: CustomerState, month: number): number | null {
  const b = s.profile?.birthMonth;
  return b === null || b === undefined ? null : Math.floor((month - b) / 12);
}

/**
 * The view as of time `at` (business day `day`, month `month`) for an event
 * with counterparty `ref` (pseudonym, or null). Money is "now" (the latest
 * entries) unless the day is before the transactions' watermark day (a late
 * event): then it is as of the end of that day.
 */
export function eventView(s: CustomerState, at: number, day: number, month: number, ref: string | null): EventView {
  const slot = Math.floor(at / SLOT_MS);
  let deposits: number;
  let holdings: number;
  if (s.transactionsWatermark !== null && day < s.transactionsWatermark.day) {
    deposits = depositsAt(s, day);
    holdings = holdingsAt(s, day);
  } else {
    deposits = depositsNow(s);
    holdings = s.holdingsNetMinor > 0 ? s.holdingsNetMinor : 0;
  }
  const h1 = outflows(s, slot, SLOTS_1H);
  const h24 = outflows(s, slot, SLOTS_24H);
  return {
    assetsMinor: sat(deposits + holdings),
    depositsMinor: deposits,
    holdingsMinor: holdings,
    avg30Minor: avg30(s, day),
    avg30AgoMinor: avg30(s, day - 180),
    maxEodPrev7Minor: maxEodPrev7(s, day),
    outflow1h: h1.all,
    newCounterpartyOutflow1h: h1.newCounterparty,
    outflow24h: h24.all,
    maxOutflow90dMinor: maxOutflow90(s, day),
    counterpartySeen: counterpartySeen(s, ref, day),
    counterparties90d: counterparties90(s, day),
    highRiskStreak: highRiskStreak(s),
    mortgageInterest30d: mortgage30(s, day),
    lastInvestmentAt: s.lastInvestmentAt,
    payrollMonth: s.payrollMonth,
    // copies: the state's own arrays belong to it
    babyMonths: s.babyMonths.slice(),
    salaryMonths: s.salaryMonths.slice(),
    age: ageAt(s, month),
  };
}

/**
 * The customer's features as of their watermark (`carestream inspect`, the
 * agent API). Before any transaction or channel event: zeros, and the age as
 * of the profile's own month (`profileMonth`, the business month of its updatedAt).
 */
export function featureView(customerId: string, s: CustomerState, tiers: TierThresholds = DEFAULT_TIERS, profileMonth?: number): FeatureView {
  const p = s.profile;
  const profile = (age: number | null) =>
    p && {
      age,
      marketingConsent: p.marketingConsent,
      riskTolerance: p.riskTolerance,
      riskAssessedAt: p.riskAssessedAt,
      preferredChannels: [...p.preferredChannels],
      hasRelationshipManager: p.hasRelationshipManager,
      updatedAt: p.updatedAt,
    };
  const w = s.watermark;
  if (w === null) {
    const zero = { sumMinor: 0, count: 0 };
    return {
      customerId, asOf: null, depositsMinor: 0, holdingsMinor: 0, assetsMinor: 0, avg30Minor: 0, avg30AgoMinor: 0,
      tier: 'ORDINARY', outflow1h: zero, outflow24h: zero, newCounterpartyOutflow1h: zero, maxOutflow90dMinor: 0,
      counterparties90d: 0, highRiskStreak: 0, mortgageInterest30d: 0, babyMonths: [], salaryMonths: [], lastInvestmentAt: null,
      profile: profile(profileMonth === undefined ? null : ageAt(s, profileMonth)),
    };
  }
  const v = eventView(s, w.at, w.day, w.month, null);
  return {
    customerId,
    asOf: w.at,
    depositsMinor: v.depositsMinor,
    holdingsMinor: v.holdingsMinor,
    assetsMinor: v.assetsMinor,
    avg30Minor: v.avg30Minor,
    avg30AgoMinor: v.avg30AgoMinor,
    tier: tierOf(v.avg30Minor, v.avg30AgoMinor, tiers),
    outflow1h: v.outflow1h,
    outflow24h: v.outflow24h,
    newCounterpartyOutflow1h: v.newCounterpartyOutflow1h,
    maxOutflow90dMinor: v.maxOutflow90dMinor,
    counterparties90d: v.counterparties90d,
    highRiskStreak: v.highRiskStreak,
    mortgageInterest30d: v.mortgageInterest30d,
    babyMonths: v.babyMonths.map(monthLabel),
    salaryMonths: v.salaryMonths.map(monthLabel),
    lastInvestmentAt: v.lastInvestmentAt,
    profile: profile(v.age),
  };
}
