import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { exactLongType, wideLongType } from '../../../src/events/avro-long.ts';

const stock = avro.Type.forSchema('long');
const max = Number.MAX_SAFE_INTEGER;

describe('exactLongType', () => {
  it.each([0, 1, -1, 63, -64, 64, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32), 1_795_311_000_000, 2 ** 52 + 1, -(2 ** 52) - 1, max - 1, -max + 1, max, -max])(
    'round-trips %i exactly',
    (n) => {
      expect(exactLongType.fromBuffer(exactLongType.toBuffer(n))).toBe(n);
    },
  );

  it('writes the same bytes as the standard encoding where avsc is exact', () => {
    for (const n of [0, -1, 1, 64, -65, 2 ** 31, 1_795_311_000_000, -(2 ** 40), 2 ** 52]) {
      expect(exactLongType.toBuffer(n).equals(stock.toBuffer(n)), String(n)).toBe(true);
    }
  });

  it('is exact where the stock avsc long silently flips the sign', () => {
    const n = -(2 ** 52) - 1;
    expect(stock.fromBuffer(stock.toBuffer(n))).not.toBe(n);
    expect(exactLongType.fromBuffer(exactLongType.toBuffer(n))).toBe(n);
  });

  it('refuses unsafe and non-integer values on encode', () => {
    for (const v of [max + 1, -max - 1, 1.5, Number.NaN, '1', null]) {
      expect(exactLongType.isValid(v), String(v)).toBe(false);
      expect(() => exactLongType.toBuffer(v)).toThrow();
    }
  });

  it('refuses to decode beyond Number.MAX_SAFE_INTEGER', () => {
    // 2^53 and -(2^53) as zig-zag varints (2^54 and 2^54 - 1), and the int64 extremes.
    const plus = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]);
    const minus = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]);
    const int64Max = Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    for (const buf of [plus, minus, int64Max]) {
      expect(() => exactLongType.fromBuffer(buf)).toThrow(/MAX_SAFE_INTEGER/);
    }
  });
});

describe('wideLongType (input topics)', () => {
  it.each([0, 1, -1, 2 ** 52 + 1, -(2 ** 52) - 1, max, -max])('decodes the safe integer %i as that number', (n) => {
    expect(wideLongType.fromBuffer(wideLongType.toBuffer(n))).toBe(n);
  });

  it('decodes a valid long beyond the safe range exactly, as a bigint, instead of failing', () => {
    // The varints an int64 producer writes; the exact long refuses them all.
    for (const n of [2n ** 53n, -(2n ** 53n), 2n ** 60n, 2n ** 63n - 1n, -(2n ** 63n)]) {
      const bytes = Buffer.from(zigzag(n));
      expect(wideLongType.fromBuffer(bytes), String(n)).toBe(n);
      expect(() => exactLongType.fromBuffer(bytes)).toThrow(/MAX_SAFE_INTEGER/);
    }
  });

  it('still writes only safe integers', () => {
    for (const v of [max + 1, 2n ** 60n, 1n, 1.5]) expect(() => wideLongType.toBuffer(v)).toThrow();
  });
});

/** Avro zig-zag varint of a 64-bit value. */
function zigzag(n: bigint): number[] {
  let u = n >= 0n ? n << 1n : (-n << 1n) - 1n;
  const out: number[] = [];
  do {
    let b = Number(u & 0x7fn);
    u >>= 7n;
    if (u) b |= 0x80;
    out.push(b);
  } while (u);
  return out;
}
