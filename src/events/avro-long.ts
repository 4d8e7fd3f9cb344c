// An Avro long that is exact for every safe integer. avsc's built-in long
// goes through float arithmetic for the zig-zag varint and silently returns
// a wrong value (even the wrong sign) for negatives below -2^52, and refuses
// ±(2^53 - 1). This one lets avsc do the varint with byte operations and
// only converts 8-byte two's complement to and from a number, exactly.
import avro from 'avsc';
import type { Type } from 'avsc';

const TWO_32 = 2 ** 32;

function fromBuffer(buf: Buffer): number {
  const n = buf.readInt32LE(4) * TWO_32 + buf.readUInt32LE(0);
  // A true value beyond ±(2^53 - 1) cannot round back into the safe range.
  if (!Number.isSafeInteger(n)) throw new RangeError('Avro long is beyond Number.MAX_SAFE_INTEGER');
  return n;
}

function toBuffer(n: number): Buffer {
  const buf = Buffer.allocUnsafe(8);
  const hi = Math.floor(n / TWO_32);
  buf.writeUInt32LE(n - hi * TWO_32, 0);
  buf.writeInt32LE(hi, 4);
  return buf;
}

export const exactLongType: Type = avro.types.LongType.__with({
  fromBuffer,
  toBuffer,
  fromJSON: (v: unknown) => v,
  toJSON: (v: unknown) => v,
  isValid: (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v),
  compare: (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0),
});
