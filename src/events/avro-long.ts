// Avro longs that are exact for every safe integer. avsc's built-in long
// goes through float arithmetic for the zig-zag varint and silently returns
// a wrong value (even the wrong sign) for negatives below -2^52, and refuses
// ±(2^53 - 1). These let avsc do the varint with byte operations and only
// convert 8-byte two's complement to and from a number, exactly.
import avro from 'avsc';
import type { Type } from 'avsc';

const TWO_32 = 2 ** 32;

function toNumber(buf: Buffer): number {
  return buf.readInt32LE(4) * TWO_32 + buf.readUInt32LE(0);
}

function fromBuffer(buf: Buffer): number {
  const n = toNumber(buf);
  // A true value beyond ±(2^53 - 1) cannot round back into the safe range.
  if (!Number.isSafeInteger(n)) throw new RangeError('Avro long is beyond Number.MAX_SAFE_INTEGER');
  return n;
}

/**
 * A value beyond the safe range is still a valid Avro long: on input it is a
 * bad value, not bad bytes, so it decodes (exactly, as a bigint) and
 * validation refuses it by field and limit (VALIDATION, not AVRO_DECODE).
 */
function fromBufferWide(buf: Buffer): number | bigint {
  const n = toNumber(buf);
  return Number.isSafeInteger(n) ? n : buf.readBigInt64LE(0);
}

function toBuffer(n: number): Buffer {
  const buf = Buffer.allocUnsafe(8);
  const hi = Math.floor(n / TWO_32);
  buf.writeUInt32LE(n - hi * TWO_32, 0);
  buf.writeInt32LE(hi, 4);
  return buf;
}

const common = {
  toBuffer,
  fromJSON: (v: unknown) => v,
  toJSON: (v: unknown) => (typeof v === 'bigint' ? Number(v) : v),
  // Only safe integers are written: nothing carestream produces is beyond.
  isValid: (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v),
  compare: (a: number | bigint, b: number | bigint) => (a < b ? -1 : a > b ? 1 : 0),
};

/** Decodes to a safe integer or throws: for carestream's own topics (tasks, dead letters), read back as they were written. */
export const exactLongType: Type = avro.types.LongType.__with({ ...common, fromBuffer });

/**
 * Decodes to a number when safe, else to the exact bigint: for the input
 * topics, whose values validation checks (validate.ts refuses every bigint
 * as out of range). Encodes like exactLongType.
 */
export const wideLongType: Type = avro.types.LongType.__with({ ...common, fromBuffer: fromBufferWide });
