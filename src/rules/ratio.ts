/**
 * Exact comparisons of integer amounts against a decimal ratio of another
 * amount (`amount >= 0.5 x assets`, `assets <= 0.7 x avg30`). A ratio of the
 * rule file has at most RATIO_DECIMALS decimals, so it is the fraction
 * round(r * 10^6) / 10^6; the products are taken in BigInt, so no
 * floating-point rounding decides an edge case (0.7 x 30 is 20.999... in
 * doubles).
 */
export const RATIO_DECIMALS = 6;
const SCALE = 10 ** RATIO_DECIMALS;

/** Whether `r` is a finite number with at most RATIO_DECIMALS decimals. */
export function isExactRatio(r: number): boolean {
  if (!Number.isFinite(r)) return false;
  const scaled = r * SCALE;
  return Number.isSafeInteger(Math.round(scaled)) && Math.abs(scaled - Math.round(scaled)) < 1e-6;
}

function scaled(r: number): bigint {
  return BigInt(Math.round(r * SCALE));
}

/** -1, 0 or 1 as `a` is below, equal to or above `r * b`. */
export function compareToRatio(a: number, r: number, b: number): -1 | 0 | 1 {
  const left = BigInt(a) * BigInt(SCALE);
  const right = scaled(r) * BigInt(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** a >= r * b, exactly. */
export const atLeastRatio = (a: number, r: number, b: number): boolean => compareToRatio(a, r, b) >= 0;
/** a <= r * b, exactly. */
export const atMostRatio = (a: number, r: number, b: number): boolean => compareToRatio(a, r, b) <= 0;
/** a > r * b, exactly. */
export const aboveRatio = (a: number, r: number, b: number): boolean => compareToRatio(a, r, b) > 0;
