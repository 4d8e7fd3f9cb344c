import type { Tally } from './feature-view.ts';

/**
 * The features the rules see around one event (just before or just after it),
 * decoded from the array the Lua scripts return (includes/state.lua, `view`).
 * Windows are relative to the event's own time.
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

// Lua's false arrives as null.
const orNull = (v: unknown) => (v === null || v === undefined ? null : (v as number));

export function decodeView(a: readonly unknown[]): EventView {
  const n = (i: number) => a[i] as number;
  return {
    assetsMinor: n(0),
    depositsMinor: n(1),
    holdingsMinor: n(2),
    avg30Minor: n(3),
    avg30AgoMinor: n(4),
    maxEodPrev7Minor: orNull(a[5]),
    outflow1h: { sumMinor: n(6), count: n(7) },
    newCounterpartyOutflow1h: { sumMinor: n(8), count: n(9) },
    outflow24h: { sumMinor: n(10), count: n(11) },
    maxOutflow90dMinor: n(12),
    counterpartySeen: n(13) === 1,
    counterparties90d: n(14),
    highRiskStreak: n(15),
    mortgageInterest30d: n(16),
    lastInvestmentAt: orNull(a[17]),
    payrollMonth: orNull(a[18]),
    babyMonths: (a[19] as number[]) ?? [],
    salaryMonths: (a[20] as number[]) ?? [],
    age: orNull(a[21]),
  };
}
