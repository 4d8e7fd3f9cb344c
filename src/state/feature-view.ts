import type { CustomerTier } from '../events/types.ts';

/** A sum and a count over a window. */
export interface Tally {
  readonly sumMinor: number;
  readonly count: number;
}

export interface ProfileView {
  /** Whole years, counted from the birth month (the day of birth is not kept). */
  readonly age: number | null;
  readonly marketingConsent: boolean;
  readonly riskTolerance: number | null;
  readonly riskAssessedAt: number | null;
  readonly preferredChannels: readonly string[];
  readonly hasRelationshipManager: boolean;
  readonly updatedAt: number;
}

/**
 * A customer's features as of their watermark (the latest event time applied),
 * exactly as docs/FEATURES.md defines them. `carestream inspect` prints this;
 * the tests compare it with an independent recomputation.
 */
export interface FeatureView {
  readonly customerId: string;
  /** The watermark; null before any event. */
  readonly asOf: number | null;
  readonly depositsMinor: number;
  readonly holdingsMinor: number;
  readonly assetsMinor: number;
  readonly avg30Minor: number;
  readonly avg30AgoMinor: number;
  readonly tier: CustomerTier;
  readonly outflow1h: Tally;
  readonly outflow24h: Tally;
  readonly newCounterpartyOutflow1h: Tally;
  readonly maxOutflow90dMinor: number;
  readonly counterparties90d: number;
  readonly highRiskStreak: number;
  readonly mortgageInterest30d: number;
  /** `YYYY-MM`, ascending, the last 13 at most. */
  readonly babyMonths: readonly string[];
  readonly salaryMonths: readonly string[];
  readonly lastInvestmentAt: number | null;
  readonly profile: ProfileView | null;
}
