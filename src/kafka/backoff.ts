/**
 * The take-over backoff after a failed chunk: exponential from 0.5 s, capped at
 * 30 s, with "equal jitter" (half the delay fixed, half random) so instances
 * that failed together (a broker restart, a Redis outage) do not all retry in
 * the same instant, while a retry still waits at least half the nominal delay.
 */
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;

/** Delay before retry `attempt` (1-based); `random` is in [0, 1) (Math.random by default, fixed in tests). */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const nominal = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(Math.max(attempt, 1) - 1, 6));
  const half = nominal / 2;
  return Math.round(half + half * Math.min(Math.max(random(), 0), 1));
}
