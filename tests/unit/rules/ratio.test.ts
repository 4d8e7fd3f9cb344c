import { describe, expect, it } from 'vitest';
import { aboveRatio, atLeastRatio, atMostRatio, compareToRatio, isExactRatio } from '../../../src/rules/ratio.ts';

describe('ratio comparisons', () => {
  it('are exact where doubles are not', () => {
    expect(0.7 * 90).not.toBe(63);
    expect(compareToRatio(63, 0.7, 90)).toBe(0);
    expect(atMostRatio(63, 0.7, 90)).toBe(true);
    expect(aboveRatio(63, 0.7, 90)).toBe(false);
    expect(atLeastRatio(63, 0.7, 90)).toBe(true);
    expect(atLeastRatio(6_000_000, 0.5, 12_000_000)).toBe(true);
    expect(atLeastRatio(6_000_000, 0.5, 12_000_001)).toBe(false);
    expect(atLeastRatio(5_000_000, 5, 0)).toBe(true);
  });

  it('work with large amounts and negative bases', () => {
    expect(atLeastRatio(Number.MAX_SAFE_INTEGER, 0.5, Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(atLeastRatio(1, 0.5, -100)).toBe(true);
  });

  it('accept at most six decimals', () => {
    expect(isExactRatio(0.7)).toBe(true);
    expect(isExactRatio(0.123456)).toBe(true);
    expect(isExactRatio(0.1234567)).toBe(false);
    expect(isExactRatio(Number.NaN)).toBe(false);
  });
});
