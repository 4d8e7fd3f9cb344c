/**
 * Money sums saturate at +-9 x 10^15 minor units (90 trillion CNY), as the
 * Lua path does (src/state/scripts/includes/state.lua, docs/FEATURES.md,
 * "Exactness"). Amounts and balances are at most MAX_AMOUNT_MINOR (10^15),
 * but sums over many of them are not bounded, and a double is exact only up
 * to 2^53 (about 9.007 x 10^15): below the bound a sum is exact, beyond it
 * it stays at the bound instead of losing digits. Both operands are within
 * the bound, so a true sum past it is always caught (|a + b| <= 1.8 x 10^16
 * still compares correctly). Why not 2^53 - 1: ioredis 6 decodes an integer
 * reply within 48 of 2^53 wrongly, and the two paths must agree.
 */
export const MAX_EXACT_MINOR = 9_000_000_000_000_000;

/** x held within +-MAX_EXACT_MINOR. */
export function sat(x: number): number {
  if (x > MAX_EXACT_MINOR) return MAX_EXACT_MINOR;
  if (x < -MAX_EXACT_MINOR) return -MAX_EXACT_MINOR;
  return x;
}

const TWO26 = 67_108_864;

/**
 * floor(mean) of values within +-(2^53 - 1), exactly: their sum may pass
 * 2^53, so each value is split into v = hi * 2^26 + lo (0 <= lo < 2^26) and
 * the two small sums are divided separately (hi = qh * n + rh) — the Lua
 * path's avg30.
 */
export function floorMean(values: readonly number[]): number {
  const n = values.length;
  if (n === 0) return 0;
  let hi = 0;
  let lo = 0;
  for (const v of values) {
    const h = Math.floor(v / TWO26);
    hi += h;
    lo += v - h * TWO26;
  }
  const qh = Math.floor(hi / n);
  const rh = hi - qh * n;
  return qh * TWO26 + Math.floor((rh * TWO26 + lo) / n);
}
