import type { CustomerTier } from '../events/types.ts';

export interface TierThresholds {
  /** 30-day daily-average assets at or above which a customer is VIP (minor units). */
  readonly vipMinor: number;
  /** Growth of the 30-day average over ~six months that makes a customer POTENTIAL, in percent. */
  readonly growthPercent: number;
}

export const DEFAULT_TIERS: TierThresholds = Object.freeze({ vipMinor: 50_000_000, growthPercent: 30 });

/** docs/RULES.md "Tiers", in integers so that exactly +30% counts. */
export function tierOf(avg30Minor: number, avg30AgoMinor: number, t: TierThresholds = DEFAULT_TIERS): CustomerTier {
  if (avg30Minor >= t.vipMinor) return 'VIP';
  if (avg30AgoMinor > 0 && avg30Minor * 100 >= avg30AgoMinor * (100 + t.growthPercent)) return 'POTENTIAL';
  return 'ORDINARY';
}
