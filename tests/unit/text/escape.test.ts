import { describe, expect, it } from 'vitest';
import { printable, printableJson } from '../../../src/text/escape.ts';

describe('printable', () => {
  it('leaves ordinary text alone, Chinese and emoji included', () => {
    expect(printable('customer C000366 — tier VIP, 尾号8812 🙂')).toBe('customer C000366 — tier VIP, 尾号8812 🙂');
  });

  it('escapes line breaks, terminal escapes, C1 controls, line separators and bidi overrides', () => {
    expect(printable('a\nb\rc\td')).toBe('a\\nb\\rc\\td');
    expect(printable('x\u001b[2Jy')).toBe('x\\x1b[2Jy');
    expect(printable('\u0000\u007f\u009b')).toBe('\\x00\\x7f\\x9b');
    expect(printable('a\u2028b\u2029c')).toBe('a\\u2028b\\u2029c');
    expect(printable('abc\u202edcba')).toBe('abc\\u202edcba');
  });

  it('doubles backslashes, so an escape cannot be forged by the value', () => {
    expect(printable('a\\nb')).toBe('a\\\\nb');
    expect(printable('a\\nb')).not.toBe(printable('a\nb'));
  });

  it('never lets a value start a new line', () => {
    const forged = 'E1\n  2026-11-10 ISSUED      nothing to see';
    expect(printable(forged).split('\n')).toHaveLength(1);
  });
});

describe('printableJson', () => {
  it('escapes what JSON.stringify leaves raw and parses back to the same value', () => {
    const value = { id: 'a\u009b\u2028\u202e\u007fz', n: 'line\nbreak', ok: '尾号8812' };
    const json = JSON.stringify(value);
    const safe = printableJson(json);
    expect(safe).not.toMatch(/[\u007f-\u009f\u2028\u2029\u202e]/);
    expect(JSON.parse(safe)).toEqual(value);
    expect(safe).toContain('尾号8812');
  });
});
