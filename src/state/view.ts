/** The view type is the feature engine's (src/features/view.ts); this decodes the Lua scripts' array form of it. */
export type { EventView } from '../features/view.ts';
import type { EventView } from '../features/view.ts';

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
