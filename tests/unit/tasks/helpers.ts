import { expect } from 'vitest';

/**
 * Fails when any of `forbidden` (names, id numbers, account ids, raw account
 * numbers...) appears anywhere in the serialised task, in any field.
 */
export function assertNoPersonalData(task: unknown, forbidden: readonly string[]): void {
  const text = JSON.stringify(task);
  for (const f of forbidden) {
    expect(f.length, 'a forbidden value must not be empty').toBeGreaterThan(0);
    expect(text.includes(f), `task contains forbidden personal data ${JSON.stringify(f)}`).toBe(false);
  }
}
