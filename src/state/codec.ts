/**
 * A compact, versioned binary layout for the feature engine's customer state
 * (src/features/state.ts): what a store keeps under a customer's key.
 *
 *   encodeState(state) -> Buffer      decodeState(buf) -> state
 *
 * Pure (no I/O), exact (decodeState(encodeState(s)) deep-equals s) and strict:
 * a value the layout cannot hold exactly (a number that is not a safe
 * integer, a field the codec does not know) is refused when encoding, never
 * rounded or dropped, and a corrupt or truncated buffer gives a
 * StateCodecError, never a hang or a huge allocation (every count and length
 * is bounded by the bytes left, as src/events/avro-guard.ts does for Avro).
 *
 * Layout 1 (docs/FEATURES.md, "How a customer's state is stored"):
 *   byte 0    the layout version (1). A msgpack blob of the Lua path starts
 *             with a map byte (0x80-0x8f, 0xde, 0xdf), so the two are told
 *             apart by the first byte.
 *   varint    flags: bit 0 = every time is a whole second (times are then
 *             written in seconds: about one byte less each); bit 1 = a zone
 *             offset follows (quarter hours, zigzag) that gives the business
 *             day of every time that has one, so those days are not written.
 *   varint    field-presence bitmap: bit n set = field n is written; an
 *             absent field has its empty value (null, 0, {} or []).
 *   bases     T0 (a time), D0 (a business day) and M0 (a month): the
 *             watermark's, or the best stand-in. Most numbers are written
 *             as small differences from them or from their predecessor.
 *   fields    the present ones, in field-number order (FIELDS below).
 * Integers are LEB128 varints, signed ones zigzag-encoded; strings carry a
 * kind: base64url text (pseudonyms, digests) as its raw bytes, a UUID as 16
 * bytes, a word of the DICTIONARY as its index, anything else as UTF-8.
 *
 * Extending it (time's timers and last-evaluated tier, say): give the new
 * field the next number in FIELDS, with its write/read pair, and make
 * `present` false for its empty value. States written before have the bit
 * clear and decode with the field empty: no version bump, no migration.
 * A reader meeting a bit it does not know refuses the buffer (it cannot skip
 * a payload it cannot parse, and dropping the field on the next write would
 * lose it), so readers must be deployed before writers that set new bits.
 * Bump LAYOUT_VERSION only to change how an existing field is written, and
 * keep the old reader for the old version. DICTIONARY is append-only.
 */
import { FINGERPRINT_BYTES, type BalanceEntry, type CustomerState, type DigestDay, type KeptContact, type KeptEventId, type KeptOutcome, type KeptProfile, type KeptPurchase, type LastEvaluated, type OutflowSlot, type Timer, type TimerWhat, type Watermark, type WatchedFraudCheck } from '../features/state.ts';
import type { CustomerTier } from '../events/types.ts';

export const LAYOUT_VERSION = 1;

/** More end-of-day values than any trimmed state has (212): a bound for what a buffer may declare. */
export const MAX_SERIES_VALUES = 10_000;

export class StateCodecError extends Error {
  constructor(message: string) {
    super(`customer state: ${message}`);
    this.name = 'StateCodecError';
  }
}

const DAY_MS = 86_400_000;
const SLOT_MS = 300_000;

/**
 * Words that stand for themselves as one byte: channels, contact outcomes,
 * outreach kinds, rule ids. Append-only: an index, once written, must keep
 * meaning the same word.
 */
const DICTIONARY: readonly string[] = [
  'APP', 'WEB', 'WECHAT', 'BRANCH', 'CALL_CENTER', 'SMS', 'EMAIL', 'RM_VISIT',
  'REACHED', 'NO_ANSWER', 'CONFIRMED_GENUINE', 'CONFIRMED_FRAUD', 'DECLINED',
  'RETENTION', 'VIP_UPGRADE', 'GROWTH_PLAN', 'RISK_REASSESSMENT', 'SUITABILITY_REVIEW', 'LIFE_STAGE_OFFER', 'CARE', 'SERVICE_RECOVERY',
  'FRAUD_CHECK', 'vip-upgrade', 'vip-outflow-retention', 'complaint-recovery', 'large-outflow', 'risky-streak', 'new-parent', 'welcome',
  'payroll-plan', 'asset-growth', 'mortgage-interest', 'outflow-velocity', 'suitability',
  'vip-downgrade', 'care-cadence', 'birthday-greeting', 'fraud-check-escalation',
];
const DICTIONARY_INDEX: ReadonlyMap<string, number> = new Map(DICTIONARY.map((w, i) => [w, i]));

const STR_UTF8 = 0;
const STR_BASE64URL = 1;
const STR_WORD = 2;
const STR_UUID = 3;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INT_KEY = /^(0|-?[1-9][0-9]*)$/;
const TOPIC_PARTITION = /^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,8})$/;

/**
 * Thrown inside encode when a time is not a whole second: the state is
 * written again in milliseconds. One object without a stack, not an Error:
 * building an Error's stack trace here cost more than the whole encode (the
 * bench's latency phase, whose events carry milliseconds, spent 28% of the
 * service's CPU constructing them; docs/operations/performance.md).
 */
const NOT_WHOLE_SECONDS: unique symbol = Symbol('not whole seconds');

// ---------------------------------------------------------------- writing

let scratch = Buffer.allocUnsafe(4096);

class Writer {
  // one scratch buffer for every encode (it only grows); done() copies the bytes out
  private buf = scratch;
  private pos = 0;
  /** Milliseconds per written time unit (1000 or 1). */
  unit = 1;
  t0 = 0;
  d0 = 0;
  m0 = 0;
  /** A zone offset (ms) that gives every (time, business day) pair of the state, or null: days are then written. */
  zone: number | null = null;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = scratch = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** An unsigned integer below 2^(8 * bytes), big-endian in exactly `bytes` bytes. */
  fixed(n: number, bytes: number): void {
    this.room(bytes);
    this.buf.writeUIntBE(n, this.pos, bytes);
    this.pos += bytes;
  }

  /** An unsigned integer up to 2^53 - 1 (at most 8 bytes). */
  uint(n: number, what: string): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new StateCodecError(`${what}: ${n} is not a non-negative safe integer`);
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }

  /**
   * A signed integer, zigzag: the sign in the lowest bit. Computed on the
   * magnitude so that it stays exact up to +-(2^53 - 1), where 2n + 1 would
   * not be a double any more. Differences of two safe integers can reach
   * 2^54: those go through BigInt.
   */
  int(n: number | bigint, what: string): void {
    if (typeof n === 'bigint') return this.bigInt(n);
    if (!Number.isSafeInteger(n)) throw new StateCodecError(`${what}: ${n} is not a safe integer`);
    const neg = n < 0;
    let m = neg ? -n - 1 : n;
    let first = ((m % 64) << 1) | (neg ? 1 : 0);
    m = Math.floor(m / 64);
    if (m > 0) first |= 0x80;
    this.byte(first);
    while (m > 0) {
      const b = m % 0x80;
      m = Math.floor(m / 0x80);
      this.byte(m > 0 ? b | 0x80 : b);
    }
  }

  private bigInt(n: bigint): void {
    let z = n < 0n ? ((-n - 1n) << 1n) | 1n : n << 1n;
    while (z >= 0x80n) {
      this.byte(Number(z & 0x7fn) | 0x80);
      z >>= 7n;
    }
    this.byte(Number(z));
  }

  /** value - base, exactly, for any two safe integers. */
  delta(value: number, base: number, what: string): void {
    if (!Number.isSafeInteger(value)) throw new StateCodecError(`${what}: ${value} is not a safe integer`);
    const d = value - base;
    this.int(Number.isSafeInteger(d) ? d : BigInt(value) - BigInt(base), what);
  }

  /** A time, as the difference from `base` in the state's time unit. */
  time(t: number, base: number, what: string): void {
    if (!Number.isSafeInteger(t)) throw new StateCodecError(`${what}: ${t} is not a safe integer`);
    if (this.unit !== 1 && t % this.unit !== 0) throw NOT_WHOLE_SECONDS;
    this.delta(t / this.unit, base / this.unit, what);
  }

  /** The business day of time `at`: nothing when the zone gives it, else its difference from the UTC day (0 or +-1). */
  dayOf(day: number, at: number, what: string): void {
    if (this.zone === null) this.delta(day, Math.floor(at / DAY_MS), what);
  }

  /** value * 2^bits + tag (0 <= tag < 2^bits) as one signed varint: a small flag or exponent rides in the low bits. */
  tagged(value: number | bigint, tag: number, bits: number, what: string): void {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new StateCodecError(`${what}: ${value} is not a safe integer`);
    const t = typeof value === 'number' ? value * 2 ** bits + tag : NaN;
    this.int(Number.isSafeInteger(t) ? t : BigInt(value) * 2n ** BigInt(bits) + BigInt(tag), what);
  }

  /** A time as time() writes it, with a tag in the low bits. */
  timeTagged(t: number, base: number, tag: number, bits: number, what: string): void {
    if (!Number.isSafeInteger(t)) throw new StateCodecError(`${what}: ${t} is not a safe integer`);
    if (this.unit !== 1 && t % this.unit !== 0) throw NOT_WHOLE_SECONDS;
    const a = t / this.unit;
    const b = base / this.unit;
    const d = a - b;
    this.tagged(Number.isSafeInteger(d) ? d : BigInt(a) - BigInt(b), tag, bits, what);
  }

  /** Money that is often round (outflow amounts): the trailing decimal zeros (up to 7) in the low 3 bits. */
  money(v: number, what: string): void {
    let k = 0;
    let m = v;
    while (k < 7 && m !== 0 && m % 10 === 0) {
      m /= 10;
      k++;
    }
    this.tagged(m, k, 3, what);
  }

  /**
   * Strings that are all canonical base64url of one byte length (pseudonyms,
   * digests): that length once, then the raw bytes; else a 0 and each string
   * with its own kind and length.
   */
  uniform(strings: readonly string[]): number {
    let len = -1;
    for (const x of strings) {
      const n = canonicalBase64urlBytes(x);
      if (n < 0 || n > 64 || (len >= 0 && n !== len)) {
        len = -1;
        break;
      }
      len = n;
    }
    this.uint(len < 0 ? 0 : len + 1, 'strings');
    return len;
  }

  /** One string of a uniform() list: raw when the list is uniform (`len` >= 0). */
  uniformStr(x: string, len: number): void {
    if (len < 0) return this.str(x);
    this.room(len);
    this.pos += this.buf.write(x, this.pos, 'base64url');
  }

  str(s: string): void {
    // a lone surrogate has no UTF-8 form: it would come back as U+FFFD
    if (!s.isWellFormed()) throw new StateCodecError(`string ${JSON.stringify(s)} is not well-formed UTF-16`);
    const word = DICTIONARY_INDEX.get(s);
    if (word !== undefined) return this.uint(word * 4 + STR_WORD, 'string');
    if (s.length === 36 && UUID.test(s)) {
      this.uint(STR_UUID, 'string');
      this.room(16);
      this.pos += this.buf.write(s.replaceAll('-', ''), this.pos, 'hex');
      return;
    }
    const raw = canonicalBase64urlBytes(s);
    if (raw >= 0) {
      this.uint(raw * 4 + STR_BASE64URL, 'string');
      this.room(raw);
      this.pos += this.buf.write(s, this.pos, 'base64url');
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.uint(n * 4 + STR_UTF8, 'string');
    this.room(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Sorted strings, each after the length of the prefix it shares with the one before (eventIds, offsets' keys). */
  frontCoded(sorted: readonly string[]): void {
    let prev = '';
    for (const s of sorted) {
      // never split a surrogate pair: the suffix must be valid text on its own
      const p = sharedPrefix(prev, s);
      this.uint(p, 'prefix');
      this.str(s.slice(p));
      prev = s;
    }
  }

  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i;

/**
 * The byte length of `s` as unpadded base64url when decoding and encoding it
 * again gives `s` back (pseudonyms, digests), else -1: every character in
 * the alphabet, a length that is not 1 mod 4, and no bits set in the last
 * character beyond the bytes it carries.
 */
function canonicalBase64urlBytes(s: string): number {
  const n = s.length;
  if (n === 0 || n % 4 === 1) return -1;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    last = c < 128 ? B64_VALUE[c]! : -1;
    if (last < 0) return -1;
  }
  if (n % 4 === 2 && (last & 0x0f) !== 0) return -1;
  if (n % 4 === 3 && (last & 0x03) !== 0) return -1;
  return Math.floor((n * 3) / 4);
}

/** Length of the prefix two strings share, never ending inside a surrogate pair of `b`. */
function sharedPrefix(a: string, b: string): number {
  let p = 0;
  const max = Math.min(a.length, b.length);
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  if (p > 0 && p < b.length && isLowSurrogate(b.charCodeAt(p))) p--;
  return p;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

// ---------------------------------------------------------------- reading

class Reader {
  private pos = 0;
  unit = 1;
  t0 = 0;
  d0 = 0;
  m0 = 0;
  zone: number | null = null;

  private readonly buf: Buffer;

  constructor(buf: Uint8Array) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get left(): number {
    return this.buf.length - this.pos;
  }

  fail(what: string): never {
    throw new StateCodecError(`${what} at byte ${this.pos} of ${this.buf.length}`);
  }

  byte(what: string): number {
    if (this.pos >= this.buf.length) this.fail(`truncated reading ${what}`);
    return this.buf[this.pos++]!;
  }

  /** The next n bytes (the caller has checked that they are there). */
  slice(n: number): Uint8Array {
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** The caller has checked that the bytes are there. */
  fixed(bytes: number): number {
    const n = this.buf.readUIntBE(this.pos, bytes);
    this.pos += bytes;
    return n;
  }

  /** The text of the next n bytes in `encoding`. */
  text(n: number, encoding: 'hex' | 'base64url' | 'utf8', what: string): string {
    if (n > this.left) this.fail(`truncated reading ${what} (${n} bytes declared, ${this.left} left)`);
    const t = this.buf.toString(encoding, this.pos, this.pos + n);
    this.pos += n;
    return t;
  }

  uint(what: string): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte(what);
      n += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(n)) this.fail(`${what} out of range`);
        return n;
      }
      scale *= 0x80;
    }
    this.fail(`${what}: varint longer than 8 bytes`);
  }

  /** A count of items that take at least one byte each: never more than the bytes left. */
  count(what: string): number {
    const n = this.uint(what);
    if (n > this.left) this.fail(`${what}: ${n} declared, only ${this.left} bytes left`);
    return n;
  }

  /** A zigzag integer; a bigint when beyond the safe range (a difference, see Writer.delta). */
  intOrBig(what: string): number | bigint {
    const start = this.pos;
    let len = 0;
    for (;;) {
      const b = this.byte(what);
      len++;
      if ((b & 0x80) === 0) break;
      if (len === 9) this.fail(`${what}: varint longer than 9 bytes`);
    }
    if (len <= 7) {
      // at most 49 bits: exact in doubles
      let z = 0;
      let scale = 1;
      for (let i = start; i < start + len; i++) {
        z += (this.buf[i]! & 0x7f) * scale;
        scale *= 0x80;
      }
      return z % 2 === 1 ? -(z - 1) / 2 - 1 : z / 2;
    }
    let z = 0n;
    for (let i = start + len - 1; i >= start; i--) z = (z << 7n) | BigInt(this.buf[i]! & 0x7f);
    const n = (z & 1n) === 1n ? -(z >> 1n) - 1n : z >> 1n;
    return Number.isSafeInteger(Number(n)) && BigInt(Number(n)) === n ? Number(n) : n;
  }

  int(what: string): number {
    const n = this.intOrBig(what);
    if (typeof n === 'bigint') this.fail(`${what} out of range`);
    return n;
  }

  delta(base: number, what: string): number {
    const d = this.intOrBig(what);
    const v = typeof d === 'bigint' ? BigInt(base) + d : base + d;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || (typeof v === 'bigint' && BigInt(n) !== v)) this.fail(`${what} out of range`);
    return n;
  }

  time(base: number, what: string): number {
    const t = this.delta(base / this.unit, what) * this.unit;
    if (!Number.isSafeInteger(t)) this.fail(`${what} out of range`);
    return t;
  }

  dayOf(at: number, what: string): number {
    return this.zone === null ? this.delta(Math.floor(at / DAY_MS), what) : Math.floor((at + this.zone) / DAY_MS);
  }

  /** The inverse of Writer.tagged: [value (a bigint beyond the safe range), tag]. */
  tagged(bits: number, what: string): [number | bigint, number] {
    const t = this.intOrBig(what);
    if (typeof t === 'bigint') {
      const m = 2n ** BigInt(bits);
      const tag = ((t % m) + m) % m;
      const v = (t - tag) / m;
      return [Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v, Number(tag)];
    }
    const m = 2 ** bits;
    const tag = ((t % m) + m) % m;
    return [(t - tag) / m, tag];
  }

  private safe(v: number | bigint, what: string): number {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || (typeof v === 'bigint' && BigInt(n) !== v)) this.fail(`${what} out of range`);
    return n;
  }

  /** base + a difference read by tagged(), exactly. */
  sum(base: number, d: number | bigint, what: string): number {
    return this.safe(typeof d === 'bigint' ? BigInt(base) + d : base + d, what);
  }

  timeTagged(base: number, bits: number, what: string): [number, number] {
    const [d, tag] = this.tagged(bits, what);
    const b = base / this.unit;
    const units = this.safe(typeof d === 'bigint' ? BigInt(b) + d : b + d, what);
    return [this.safe(units * this.unit, what), tag];
  }

  money(what: string): number {
    const [m, k] = this.tagged(3, what);
    return this.safe(typeof m === 'bigint' ? m * 10n ** BigInt(k) : m * 10 ** k, what);
  }

  /** The length uniform() wrote: -1 when the strings carry their own. */
  uniform(what: string): number {
    const h = this.uint(what);
    if (h > 65) this.fail(`${what}: strings of ${h - 1} bytes`);
    return h - 1;
  }

  uniformStr(len: number, what: string): string {
    return len < 0 ? this.str(what) : this.text(len, 'base64url', what);
  }

  str(what: string): string {
    const h = this.uint(what);
    const kind = h % 4;
    const n = Math.floor(h / 4);
    if (kind === STR_WORD) {
      const w = DICTIONARY[n];
      if (w === undefined) this.fail(`${what}: unknown dictionary word ${n}`);
      return w;
    }
    if (kind === STR_UUID) {
      const hex = this.text(16, 'hex', what);
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    return this.text(n, kind === STR_BASE64URL ? 'base64url' : 'utf8', what);
  }

  frontCoded(n: number, what: string): string[] {
    const out: string[] = [];
    let prev = '';
    for (let i = 0; i < n; i++) {
      const p = this.uint(what);
      if (p > prev.length) this.fail(`${what}: shared prefix ${p} longer than the previous key`);
      prev = prev.slice(0, p) + this.str(what);
      out.push(prev);
    }
    return out;
  }
}

/**
 * A record for decoded keys: without a prototype, so a key such as
 * '__proto__' is an ordinary own property, and in V8's dictionary mode from
 * the start — adding many distinct keys (pseudonyms, eventIds) to a `{}`
 * walks its hidden-class transitions and costs several times as much.
 */
function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

// ---------------------------------------------------------------- series bits

/** Differences this large or larger take the varint mode. */
const SERIES_BIT_LIMIT = 2 ** 48;
const TWO24 = 2 ** 24;
/** 2^i for i < 64: a lookup, where `2 ** i` of a variable i is a Math.pow call. */
const POW2: readonly number[] = Array.from({ length: 64 }, (_, i) => 2 ** i);

class BitWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private n = 0;

  /** `count` <= 24 bits of `value`, most significant first. */
  bits(value: number, count: number): void {
    let acc = this.acc * POW2[count]! + value;
    let n = this.n + count;
    // Hot (every value of a series on every write-back): fewer than 8 bits
    // wait in acc, so with count <= 24 it stays below 2^31 and integer
    // shifts give what the arithmetic below gives.
    if (acc >= 0 && acc <= 0x7fffffff) {
      while (n >= 8) {
        n -= 8;
        this.bytes.push(acc >>> n);
        acc &= (1 << n) - 1;
      }
    } else {
      while (n >= 8) {
        n -= 8;
        const p = POW2[n]!;
        const b = Math.floor(acc / p);
        this.bytes.push(b);
        acc -= b * p;
      }
    }
    this.acc = acc;
    this.n = n;
  }

  /** Up to 48 bits. */
  wide(value: number, count: number): void {
    if (count > 24) {
      this.bits(Math.floor(value / TWO24), count - 24);
      this.bits(value % TWO24, 24);
    } else this.bits(value, count);
  }

  done(): Uint8Array {
    if (this.n > 0) this.bits(0, 8 - this.n);
    return Uint8Array.from(this.bytes);
  }
}

class BitReader {
  private pos = 0;
  private readonly b: Uint8Array;
  private readonly fail: (what: string) => never;

  constructor(b: Uint8Array, fail: (what: string) => never) {
    this.b = b;
    this.fail = fail;
  }

  bits(count: number): number {
    if (this.pos + count > this.b.length * 8) this.fail('bits truncated');
    let v = 0;
    for (let i = 0; i < count; i++, this.pos++) v = v * 2 + ((this.b[this.pos >> 3]! >> (7 - (this.pos & 7))) & 1);
    return v;
  }

  wide(count: number): number {
    return count > 24 ? this.bits(count - 24) * TWO24 + this.bits(24) : this.bits(count);
  }

  /** Only padding (fewer than 8 zero bits) is left. */
  get atEnd(): boolean {
    return this.b.length * 8 - this.pos < 8;
  }
}

function bitLength(m: number): number {
  if (m >= 1 && m <= 0xffffffff && m === Math.floor(m)) return 32 - Math.clz32(m);
  let l = 0;
  while (m >= 1) {
    m = Math.floor(m / 2);
    l++;
  }
  return l;
}

/*
 * The day-to-day differences of a series as bits. The differences of one
 * customer have similar sizes, so each is written as its bit length L
 * relative to the series' median length M (00: M, 01: M+1, 100: M-1,
 * 1010: M+2, 1011: M-2, 11 + 6 bits: any L), then a sign bit and the L - 1
 * bits below the leading one; a run of unchanged days is the escape with
 * L = 0 and the run's length in Elias gamma. About 18 bits for a difference
 * of 2^15 where a varint takes 24.
 */
function seriesBits(values: readonly number[]): Uint8Array | null {
  // The median bit length of the non-zero differences, counted (lengths are 1..48).
  const counts = new Array<number>(49).fill(0);
  let nonZero = 0;
  for (let i = 1; i < values.length; i++) {
    const d = values[i]! - values[i - 1]!;
    if (!Number.isSafeInteger(d) || Math.abs(d) >= SERIES_BIT_LIMIT) return null;
    if (d !== 0) {
      counts[bitLength(Math.abs(d))]!++;
      nonZero++;
    }
  }
  let m = 1;
  if (nonZero > 0) {
    const at = nonZero >> 1;
    let seen = 0;
    for (let l = 1; l <= 48; l++) {
      seen += counts[l]!;
      if (seen > at) {
        m = l;
        break;
      }
    }
  }
  const w = new BitWriter();
  w.bits(m, 6);
  const length = (l: number) => {
    if (l === m) w.bits(0b00, 2);
    else if (l === m + 1) w.bits(0b01, 2);
    else if (l === m - 1 && l > 0) w.bits(0b100, 3);
    else if (l === m + 2) w.bits(0b1010, 4);
    else if (l === m - 2 && l > 0) w.bits(0b1011, 4);
    else w.bits(0b11000000 | l, 8);
  };
  for (let i = 1; i < values.length; ) {
    const prev = values[i - 1]!;
    const d = values[i]! - prev;
    if (d === 0) {
      let run = 1;
      while (i + run < values.length && values[i + run] === prev) run++;
      length(0);
      const k = bitLength(run);
      w.bits(0, k - 1);
      w.wide(run, k);
      i += run;
      continue;
    }
    const a = Math.abs(d);
    const l = bitLength(a);
    length(l);
    w.bits(d < 0 ? 1 : 0, 1);
    w.wide(a - POW2[l - 1]!, l - 1);
    i++;
  }
  return w.done();
}

function readSeriesBits(bytes: Uint8Array, values: number[], n: number, fail: (what: string) => never): void {
  const r = new BitReader(bytes, fail);
  const m = r.bits(6);
  const length = (): number => {
    if (r.bits(1) === 0) return r.bits(1) === 0 ? m : m + 1;
    if (r.bits(1) === 0) {
      if (r.bits(1) === 0) return m - 1;
      return r.bits(1) === 0 ? m + 2 : m - 2;
    }
    return r.bits(6);
  };
  let prev = values[0]!;
  while (values.length < n) {
    const l = length();
    if (l < 0 || l > 48) fail(`a difference of ${l} bits`);
    if (l === 0) {
      let k = 1;
      while (r.bits(1) === 0) if (++k > 14) fail('a run longer than any series');
      const run = 2 ** (k - 1) + r.wide(k - 1);
      if (values.length + run > n) fail(`a run of ${run} passes the ${n} values declared`);
      for (let i = 0; i < run; i++) values.push(prev);
      continue;
    }
    const neg = r.bits(1) === 1;
    const a = 2 ** (l - 1) + r.wide(l - 1);
    const v = neg ? prev - a : prev + a;
    if (!Number.isSafeInteger(v)) fail('a value out of range');
    values.push(v);
    prev = v;
  }
  if (!r.atEnd) fail('bits after the last value');
}

// ---------------------------------------------------------------- fields

type Field<K extends keyof CustomerState> = {
  readonly present: (v: CustomerState[K]) => boolean;
  readonly write: (w: Writer, v: CustomerState[K], s: CustomerState) => void;
  readonly read: (r: Reader, s: Partial<Record<keyof CustomerState, unknown>>) => CustomerState[K];
  readonly empty: () => CustomerState[K];
};

function field<K extends keyof CustomerState>(f: Field<K>): Field<K> {
  return f;
}

const nonEmpty = (o: object): boolean => {
  for (const _ in o) return true;
  return false;
};

function writeTopicWatermark(w: Writer, v: Watermark | null, what: string): void {
  w.time(v!.at, w.t0, what);
  w.dayOf(v!.day, v!.at, what);
}

function readTopicWatermark(r: Reader, what: string): Watermark {
  const at = r.time(r.t0, what);
  return { at, day: r.dayOf(at, what) };
}

/** A map keyed by integers (days, slots): keys ascending, each after the one before; values by `value`. */
function writeIntMap<V>(w: Writer, m: Readonly<Record<string, V>>, base: number, what: string, value: (v: V) => void): void {
  const keys = Object.keys(m).map((k) => {
    if (!INT_KEY.test(k) || !Number.isSafeInteger(Number(k))) throw new StateCodecError(`${what}: key ${JSON.stringify(k)} is not an integer`);
    return Number(k);
  });
  keys.sort((a, b) => a - b);
  w.uint(keys.length, what);
  let prev = base;
  for (const k of keys) {
    w.delta(k, prev, what);
    prev = k;
    value(m[String(k)]!);
  }
}

function readIntMap<V>(r: Reader, base: number, what: string, value: () => V): Record<string, V> {
  const n = r.count(what);
  const out = record<V>();
  let prev = base;
  for (let i = 0; i < n; i++) {
    const k = r.delta(prev, what);
    prev = k;
    out[String(k)] = value();
  }
  return out;
}

function writeMonths(w: Writer, months: readonly number[], what: string): void {
  w.uint(months.length, what);
  let prev = w.m0;
  for (const m of months) {
    w.delta(m, prev, what);
    prev = m;
  }
}

function readMonths(r: Reader, what: string): number[] {
  const n = r.count(what);
  const out: number[] = [];
  let prev = r.m0;
  for (let i = 0; i < n; i++) out.push((prev = r.delta(prev, what)));
  return out;
}

function sortedKeys(o: object): string[] {
  // code-unit order, as front coding needs (and as Array.prototype.sort does)
  return Object.keys(o).sort();
}

/**
 * The fields in the order of their presence bits. The Record type makes a
 * field added to CustomerState without an entry here a compile error.
 */
const FIELD_TABLE: { readonly [K in Exclude<keyof CustomerState, 'version'>]: Field<K> } = {
  // the bases are the watermark's when it exists: nothing more to write
  watermark: field<'watermark'>({
    present: (v) => v !== null,
    write: () => {},
    read: (r) => ({ at: r.t0, day: r.d0, month: r.m0 }),
    empty: () => null,
  }),
  transactionsWatermark: field<'transactionsWatermark'>({
    present: (v) => v !== null,
    write: (w, v) => writeTopicWatermark(w, v, 'transactionsWatermark'),
    read: (r) => readTopicWatermark(r, 'transactionsWatermark'),
    empty: () => null,
  }),
  channelWatermark: field<'channelWatermark'>({
    present: (v) => v !== null,
    write: (w, v) => writeTopicWatermark(w, v, 'channelWatermark'),
    read: (r) => readTopicWatermark(r, 'channelWatermark'),
    empty: () => null,
  }),
  firstDay: field<'firstDay'>({
    present: (v) => v !== null,
    write: (w, v) => w.delta(v!, w.d0, 'firstDay'),
    read: (r) => r.delta(r.d0, 'firstDay'),
    empty: () => null,
  }),
  offsets: field<'offsets'>({
    present: nonEmpty,
    // keys "<topic>.<partition>" as two numbers (mode 1), any other keys front-coded (mode 0)
    write: (w, v) => {
      const keys = sortedKeys(v);
      w.uint(keys.length, 'offsets');
      const numeric = keys.every((k) => TOPIC_PARTITION.test(k));
      w.byte(numeric ? 1 : 0);
      if (numeric) {
        for (const k of keys) {
          const dot = k.indexOf('.');
          w.uint(Number(k.slice(0, dot)), 'offsets');
          w.uint(Number(k.slice(dot + 1)), 'offsets');
        }
      } else w.frontCoded(keys);
      for (const k of keys) w.int(v[k]!, 'offsets');
    },
    read: (r) => {
      const n = r.count('offsets');
      const mode = r.byte('offsets');
      if (mode > 1) r.fail(`offsets: mode ${mode}`);
      let keys: string[];
      if (mode === 1) {
        keys = [];
        for (let i = 0; i < n; i++) keys.push(`${r.uint('offsets')}.${r.uint('offsets')}`);
      } else keys = r.frontCoded(n, 'offsets');
      const out = record<number>();
      for (const k of keys) out[k] = r.int('offsets');
      return out;
    },
    empty: () => ({}),
  }),
  eventIds: field<'eventIds'>({
    present: nonEmpty,
    // Keys "<topic digit>:<eventId>" (mode 1): the ids front-coded in id order, the
    // topic riding in the prefix length (prefix * 10 + topic), so the two topics'
    // ids share their prefixes; other keys front-coded whole (mode 0). Then the
    // digests (uniform: 8 raw bytes each) and times.
    write: (w, v) => {
      const split = Object.keys(v).every((k) => k.length >= 2 && k.charCodeAt(1) === 0x3a && k.charCodeAt(0) >= 0x30 && k.charCodeAt(0) <= 0x39);
      const keys = split
        ? Object.keys(v).sort((a, b) => {
            const x = a.slice(2);
            const y = b.slice(2);
            return x < y ? -1 : x > y ? 1 : a.charCodeAt(0) - b.charCodeAt(0);
          })
        : sortedKeys(v);
      w.uint(keys.length, 'eventIds');
      w.byte(split ? 1 : 0);
      if (split) {
        let prev = '';
        for (const k of keys) {
          const id = k.slice(2);
          const p = sharedPrefix(prev, id);
          w.uint(p * 10 + (k.charCodeAt(0) - 0x30), 'eventIds');
          w.str(id.slice(p));
          prev = id;
        }
      } else w.frontCoded(keys);
      const len = w.uniform(keys.map((k) => v[k]!.digest));
      for (const k of keys) {
        w.time(v[k]!.at, w.t0, 'eventIds');
        w.uniformStr(v[k]!.digest, len);
      }
    },
    read: (r) => {
      const n = r.count('eventIds');
      const mode = r.byte('eventIds');
      if (mode > 1) r.fail(`eventIds: mode ${mode}`);
      let keys: string[];
      if (mode === 1) {
        keys = [];
        let prev = '';
        for (let i = 0; i < n; i++) {
          const h = r.uint('eventIds');
          const p = Math.floor(h / 10);
          if (p > prev.length) r.fail(`eventIds: shared prefix ${p} longer than the previous id`);
          prev = prev.slice(0, p) + r.str('eventIds');
          keys.push(`${h % 10}:${prev}`);
        }
      } else keys = r.frontCoded(n, 'eventIds');
      const len = r.uniform('eventIds');
      const out = record<KeptEventId>();
      for (const k of keys) out[k] = { at: r.time(r.t0, 'eventIds'), digest: r.uniformStr(len, 'eventIds') };
      return out;
    },
    empty: () => ({}),
  }),
  accounts: field<'accounts'>({
    present: nonEmpty,
    write: (w, v) => {
      const keys = sortedKeys(v);
      w.uint(keys.length, 'accounts');
      const len = w.uniform(keys);
      for (const k of keys) {
        w.uniformStr(k, len);
        const entries = v[k]!;
        w.uint(entries.length, 'accounts');
        let at = w.t0;
        let balance = 0;
        for (const e of entries) {
          w.time(e.at, at, 'accounts');
          w.dayOf(e.day, e.at, 'accounts');
          w.delta(e.balanceMinor, balance, 'accounts');
          at = e.at;
          balance = e.balanceMinor;
        }
      }
    },
    read: (r) => {
      const n = r.count('accounts');
      const len = r.uniform('accounts');
      const out = record<BalanceEntry[]>();
      for (let i = 0; i < n; i++) {
        const k = r.uniformStr(len, 'accounts');
        const m = r.count('accounts');
        const entries: BalanceEntry[] = [];
        let at = r.t0;
        let balance = 0;
        for (let j = 0; j < m; j++) {
          at = r.time(at, 'accounts');
          const day = r.dayOf(at, 'accounts');
          balance = r.delta(balance, 'accounts');
          entries.push({ at, day, balanceMinor: balance });
        }
        out[k] = entries;
      }
      return out;
    },
    empty: () => ({}),
  }),
  holdingsNetMinor: field<'holdingsNetMinor'>({
    present: (v) => v !== 0,
    write: (w, v) => w.int(v, 'holdingsNetMinor'),
    read: (r) => r.int('holdingsNetMinor'),
    empty: () => 0,
  }),
  holdingsFlowByDay: field<'holdingsFlowByDay'>({
    present: nonEmpty,
    write: (w, v) => writeIntMap(w, v, w.d0, 'holdingsFlowByDay', (x) => w.money(x, 'holdingsFlowByDay')),
    read: (r) => readIntMap(r, r.d0, 'holdingsFlowByDay', () => r.money('holdingsFlowByDay')),
    empty: () => ({}),
  }),
  // Day after day the assets repeat or move a little: the first value, then
  // each day's difference from the day before, a run of unchanged days as one
  // token with the run's length. Mode 1 (every difference below 2^48) packs
  // the tokens in bits (series.ts-style, see writeSeriesBits); mode 0 writes
  // them as varints (a zero and the run's length for a run).
  endOfDay: field<'endOfDay'>({
    present: (v) => v !== null,
    write: (w, v) => {
      const { firstDay, values } = v!;
      if (values.length > MAX_SERIES_VALUES) throw new StateCodecError(`endOfDay: ${values.length} values, more than ${MAX_SERIES_VALUES}`);
      for (const x of values) if (!Number.isSafeInteger(x)) throw new StateCodecError(`endOfDay: ${x} is not a safe integer`);
      w.delta(firstDay, w.d0, 'endOfDay');
      w.uint(values.length, 'endOfDay');
      if (values.length === 0) return;
      w.int(values[0]!, 'endOfDay');
      const bits = seriesBits(values);
      w.byte(bits === null ? 0 : 1);
      if (bits !== null) {
        w.uint(bits.length, 'endOfDay');
        w.raw(bits);
        return;
      }
      let prev = values[0]!;
      for (let i = 1; i < values.length; ) {
        const x = values[i]!;
        if (x === prev) {
          let run = 1;
          while (i + run < values.length && values[i + run] === prev) run++;
          w.int(0, 'endOfDay');
          w.uint(run - 1, 'endOfDay');
          i += run;
          continue;
        }
        w.delta(x, prev, 'endOfDay');
        prev = x;
        i++;
      }
    },
    read: (r) => {
      const firstDay = r.delta(r.d0, 'endOfDay');
      const n = r.uint('endOfDay');
      // a run can stand for many values, so the count is bounded by the layout, not by the bytes left
      if (n > MAX_SERIES_VALUES) r.fail(`endOfDay: ${n} values declared, more than ${MAX_SERIES_VALUES}`);
      if (n === 0) return { firstDay, values: [] };
      const values: number[] = [r.int('endOfDay')];
      const mode = r.byte('endOfDay');
      if (mode > 1) r.fail(`endOfDay: mode ${mode}`);
      if (mode === 1) {
        const len = r.uint('endOfDay');
        if (len > r.left) r.fail(`endOfDay: ${len} bytes of bits declared, ${r.left} left`);
        readSeriesBits(r.slice(len), values, n, (what) => r.fail(`endOfDay: ${what}`));
        return { firstDay, values };
      }
      let prev = values[0]!;
      while (values.length < n) {
        const x = r.delta(prev, 'endOfDay');
        if (x === prev) {
          const run = r.uint('endOfDay') + 1;
          if (values.length + run > n) r.fail(`endOfDay: a run of ${run} passes the ${n} values declared`);
          for (let i = 0; i < run; i++) values.push(x);
          continue;
        }
        values.push(x);
        prev = x;
      }
      return { firstDay, values };
    },
    empty: () => null,
  }),
  outflowSlots: field<'outflowSlots'>({
    present: nonEmpty,
    write: (w, v) =>
      writeIntMap(w, v, Math.floor(w.t0 / SLOT_MS), 'outflowSlots', (b) => {
        w.money(b.sumMinor, 'outflowSlots');
        w.int(b.count, 'outflowSlots');
        w.money(b.newCounterpartySumMinor, 'outflowSlots');
        w.int(b.newCounterpartyCount, 'outflowSlots');
      }),
    read: (r) =>
      readIntMap<OutflowSlot>(r, Math.floor(r.t0 / SLOT_MS), 'outflowSlots', () => ({
        sumMinor: r.money('outflowSlots'),
        count: r.int('outflowSlots'),
        newCounterpartySumMinor: r.money('outflowSlots'),
        newCounterpartyCount: r.int('outflowSlots'),
      })),
    empty: () => ({}),
  }),
  maxOutflowByDay: field<'maxOutflowByDay'>({
    present: nonEmpty,
    write: (w, v) => writeIntMap(w, v, w.d0, 'maxOutflowByDay', (x) => w.money(x, 'maxOutflowByDay')),
    read: (r) => readIntMap(r, r.d0, 'maxOutflowByDay', () => r.money('maxOutflowByDay')),
    empty: () => ({}),
  }),
  counterpartyLastDay: field<'counterpartyLastDay'>({
    present: nonEmpty,
    write: (w, v) => {
      const keys = sortedKeys(v);
      w.uint(keys.length, 'counterpartyLastDay');
      const len = w.uniform(keys);
      for (const k of keys) {
        w.uniformStr(k, len);
        w.delta(v[k]!, w.d0, 'counterpartyLastDay');
      }
    },
    read: (r) => {
      const n = r.count('counterpartyLastDay');
      const len = r.uniform('counterpartyLastDay');
      const out = record<number>();
      for (let i = 0; i < n; i++) {
        const k = r.uniformStr(len, 'counterpartyLastDay');
        out[k] = r.delta(r.d0, 'counterpartyLastDay');
      }
      return out;
    },
    empty: () => ({}),
  }),
  mortgageInterestByDay: field<'mortgageInterestByDay'>({
    present: nonEmpty,
    write: (w, v) => writeIntMap(w, v, w.d0, 'mortgageInterestByDay', (x) => w.int(x, 'mortgageInterestByDay')),
    read: (r) => readIntMap(r, r.d0, 'mortgageInterestByDay', () => r.int('mortgageInterestByDay')),
    empty: () => ({}),
  }),
  // the time after the one before (they are in time order), the flag in the lowest bit
  recentPurchases: field<'recentPurchases'>({
    present: (v) => v.length > 0,
    write: (w, v) => {
      w.uint(v.length, 'recentPurchases');
      let at = w.t0;
      for (const p of v) {
        w.timeTagged(p.at, at, p.highRisk ? 1 : 0, 1, 'recentPurchases');
        at = p.at;
      }
    },
    read: (r) => {
      const n = r.count('recentPurchases');
      const out: KeptPurchase[] = [];
      let at = r.t0;
      for (let i = 0; i < n; i++) {
        const [t, flag] = r.timeTagged(at, 1, 'recentPurchases');
        at = t;
        out.push({ at, highRisk: flag === 1 });
      }
      return out;
    },
    empty: () => [],
  }),
  highRiskRunBefore: field<'highRiskRunBefore'>({
    present: (v) => v !== 0,
    write: (w, v) => w.int(v, 'highRiskRunBefore'),
    read: (r) => r.int('highRiskRunBefore'),
    empty: () => 0,
  }),
  lastInvestmentAt: field<'lastInvestmentAt'>({
    present: (v) => v !== null,
    write: (w, v) => w.time(v!, w.t0, 'lastInvestmentAt'),
    read: (r) => r.time(r.t0, 'lastInvestmentAt'),
    empty: () => null,
  }),
  babyMonths: field<'babyMonths'>({
    present: (v) => v.length > 0,
    write: (w, v) => writeMonths(w, v, 'babyMonths'),
    read: (r) => readMonths(r, 'babyMonths'),
    empty: () => [],
  }),
  salaryMonths: field<'salaryMonths'>({
    present: (v) => v.length > 0,
    write: (w, v) => writeMonths(w, v, 'salaryMonths'),
    read: (r) => readMonths(r, 'salaryMonths'),
    empty: () => [],
  }),
  payrollMonth: field<'payrollMonth'>({
    present: (v) => v !== null,
    write: (w, v) => w.delta(v!, w.m0, 'payrollMonth'),
    read: (r) => r.delta(r.m0, 'payrollMonth'),
    empty: () => null,
  }),
  // flags: consent, relationship manager, and which of the nullable three are there
  profile: field<'profile'>({
    present: (v) => v !== null,
    write: (w, v) => {
      const p = v!;
      w.time(p.updatedAt, w.t0, 'profile');
      const flags =
        (p.marketingConsent ? 1 : 0) | (p.hasRelationshipManager ? 2 : 0) | (p.birthMonth !== null ? 4 : 0) | (p.riskTolerance !== null ? 8 : 0) | (p.riskAssessedAt !== null ? 16 : 0) |
        // birthDay: a number, null, or absent (a profile kept before the field)
        (typeof p.birthDay === 'number' ? 32 : 0) | (p.birthDay === null ? 64 : 0);
      w.byte(flags);
      if (p.birthMonth !== null) w.delta(p.birthMonth, w.m0, 'profile');
      if (typeof p.birthDay === 'number') w.int(p.birthDay, 'profile');
      if (p.riskTolerance !== null) w.int(p.riskTolerance, 'profile');
      if (p.riskAssessedAt !== null) w.time(p.riskAssessedAt, w.t0, 'profile');
      w.uint(p.preferredChannels.length, 'profile');
      for (const c of p.preferredChannels) w.str(c);
    },
    read: (r): KeptProfile => {
      const updatedAt = r.time(r.t0, 'profile');
      const flags = r.byte('profile');
      if (flags > 127 || (flags & 96) === 96) r.fail(`profile: flags ${flags}`);
      const birthMonth = flags & 4 ? r.delta(r.m0, 'profile') : null;
      const birthDay = flags & 32 ? r.int('profile') : flags & 64 ? null : undefined;
      const riskTolerance = flags & 8 ? r.int('profile') : null;
      const riskAssessedAt = flags & 16 ? r.time(r.t0, 'profile') : null;
      const n = r.count('profile');
      const preferredChannels: string[] = [];
      for (let i = 0; i < n; i++) preferredChannels.push(r.str('profile'));
      return {
        updatedAt, birthMonth, ...(birthDay !== undefined && { birthDay }), marketingConsent: (flags & 1) !== 0, riskTolerance, riskAssessedAt, preferredChannels, hasRelationshipManager: (flags & 2) !== 0,
      };
    },
    empty: () => null,
  }),
  contacts: field<'contacts'>({
    present: (v) => v.length > 0,
    write: (w, v) => {
      w.uint(v.length, 'contacts');
      let at = w.t0;
      for (const c of v) {
        w.str(c.taskId);
        w.str(c.ruleId);
        w.str(c.kind);
        w.time(c.at, at, 'contacts');
        at = c.at;
      }
    },
    read: (r) => {
      const n = r.count('contacts');
      const out: KeptContact[] = [];
      let at = r.t0;
      for (let i = 0; i < n; i++) {
        const taskId = r.str('contacts');
        const ruleId = r.str('contacts');
        const kind = r.str('contacts');
        at = r.time(at, 'contacts');
        out.push({ taskId, ruleId, kind, at });
      }
      return out;
    },
    empty: () => [],
  }),
  outcomes: field<'outcomes'>({
    present: (v) => v.length > 0,
    write: (w, v) => {
      w.uint(v.length, 'outcomes');
      let at = w.t0;
      for (const o of v) {
        w.time(o.at, at, 'outcomes');
        w.str(o.taskId);
        w.str(o.outcome);
        at = o.at;
      }
    },
    read: (r) => {
      const n = r.count('outcomes');
      const out: KeptOutcome[] = [];
      let at = r.t0;
      for (let i = 0; i < n; i++) {
        at = r.time(at, 'outcomes');
        out.push({ at, taskId: r.str('outcomes'), outcome: r.str('outcomes') });
      }
      return out;
    },
    empty: () => [],
  }),
  // Time as a trigger (src/features/timers.ts). Optional fields: absent stays
  // absent, an empty list stays an empty list. Their times are written as
  // millisecond differences (w.delta), not with w.time: a tier change is dated
  // a day's last millisecond and a deadline timer 1 ms after dueBy, which
  // would push the whole state out of whole seconds.
  timers: field<'timers'>({
    present: (v) => v !== undefined,
    write: (w, v) => {
      w.uint(v!.length, 'timers');
      let prev = w.t0;
      for (const t of v!) {
        w.delta(t.dueAt, prev, 'timers');
        prev = t.dueAt;
        w.byte(TIMER_WHATS.indexOf(t.what) | (t.ref !== undefined ? 4 : 0));
        if (t.ref !== undefined) w.str(t.ref);
      }
    },
    read: (r) => {
      const n = r.count('timers');
      const out: Timer[] = [];
      let prev = r.t0;
      for (let i = 0; i < n; i++) {
        const dueAt = (prev = r.delta(prev, 'timers'));
        const b = r.byte('timers');
        if (b > 7) r.fail(`timers: kind ${b}`);
        const what = TIMER_WHATS[b & 3]!;
        out.push(b & 4 ? { dueAt, what, ref: r.str('timers') } : { dueAt, what });
      }
      return out;
    },
    empty: () => undefined,
  }),
  lastEvaluated: field<'lastEvaluated'>({
    present: (v) => v !== undefined,
    write: (w, v) => {
      const e = v!;
      w.byte(TIERS.indexOf(e.tier) | (e.cadenceAt !== undefined ? 4 : 0) | (e.birthdayDay !== undefined ? 8 : 0));
      w.delta(e.day, w.d0, 'lastEvaluated');
      w.delta(e.since, w.t0, 'lastEvaluated');
      if (e.cadenceAt !== undefined) w.delta(e.cadenceAt, w.t0, 'lastEvaluated');
      if (e.birthdayDay !== undefined) w.delta(e.birthdayDay, w.d0, 'lastEvaluated');
    },
    read: (r): LastEvaluated => {
      const b = r.byte('lastEvaluated');
      if ((b & 3) > 2 || b > 15) r.fail(`lastEvaluated: flags ${b}`);
      const tier = TIERS[b & 3]!;
      const day = r.delta(r.d0, 'lastEvaluated');
      const since = r.delta(r.t0, 'lastEvaluated');
      const cadenceAt = b & 4 ? r.delta(r.t0, 'lastEvaluated') : undefined;
      const birthdayDay = b & 8 ? r.delta(r.d0, 'lastEvaluated') : undefined;
      return { tier, day, since, ...(cadenceAt !== undefined && { cadenceAt }), ...(birthdayDay !== undefined && { birthdayDay }) };
    },
    empty: () => undefined,
  }),
  fraudChecks: field<'fraudChecks'>({
    present: (v) => v !== undefined,
    write: (w, v) => {
      w.uint(v!.length, 'fraudChecks');
      for (const f of v!) {
        w.str(f.taskId);
        w.byte(CHECK_STATUSES.indexOf(f.status) | (f.transactionType === 'WITHDRAWAL' ? 4 : 0) | (f.closedAt !== undefined ? 8 : 0));
        w.delta(f.transactionAt, w.t0, 'fraudChecks');
        w.delta(f.dueBy, f.transactionAt, 'fraudChecks');
        w.str(f.transactionEventId);
        w.int(f.amountMinor, 'fraudChecks');
        w.str(f.maskedAccountNo);
        if (f.closedAt !== undefined) w.delta(f.closedAt, f.dueBy, 'fraudChecks');
      }
    },
    read: (r) => {
      const n = r.count('fraudChecks');
      const out: WatchedFraudCheck[] = [];
      for (let i = 0; i < n; i++) {
        const taskId = r.str('fraudChecks');
        const b = r.byte('fraudChecks');
        if ((b & 3) > 2 || b > 15) r.fail(`fraudChecks: flags ${b}`);
        const transactionAt = r.delta(r.t0, 'fraudChecks');
        const dueBy = r.delta(transactionAt, 'fraudChecks');
        const transactionEventId = r.str('fraudChecks');
        const amountMinor = r.int('fraudChecks');
        const maskedAccountNo = r.str('fraudChecks');
        const closedAt = b & 8 ? r.delta(dueBy, 'fraudChecks') : undefined;
        out.push({
          taskId, dueBy, status: CHECK_STATUSES[b & 3]!, transactionEventId, transactionType: b & 4 ? 'WITHDRAWAL' : 'TRANSFER_OUT', transactionAt, amountMinor, maskedAccountNo,
          ...(closedAt !== undefined && { closedAt }),
        });
      }
      return out;
    },
    empty: () => undefined,
  }),
  lastContactAt: field<'lastContactAt'>({
    present: (v) => v !== undefined,
    write: (w, v) => w.delta(v!, w.t0, 'lastContactAt'),
    read: (r) => r.delta(r.t0, 'lastContactAt'),
    empty: () => undefined,
  }),
  // the fingerprints' width first (a later width stays readable), then per day its
  // difference from the day before with its count in the low 4 bits (15: the rest
  // follows) — one byte for the next day with a few — and the fingerprints as raw
  // big-endian bytes
  olderDigests: field<'olderDigests'>({
    present: (v) => v.length > 0,
    write: (w, v) => {
      w.uint(FINGERPRINT_BYTES, 'olderDigests');
      w.uint(v.length, 'olderDigests');
      const limit = 2 ** (8 * FINGERPRINT_BYTES);
      let prev = Math.floor(w.t0 / DAY_MS);
      for (const d of v) {
        const n = d.fingerprints.length;
        const diff = d.day - prev;
        w.tagged(Number.isSafeInteger(diff) ? diff : BigInt(d.day) - BigInt(prev), Math.min(n, 15), 4, 'olderDigests');
        if (n >= 15) w.uint(n - 15, 'olderDigests');
        prev = d.day;
        for (const f of d.fingerprints) {
          if (!Number.isInteger(f) || f < 0 || f >= limit) throw new StateCodecError(`olderDigests: fingerprint ${f} is not ${FINGERPRINT_BYTES} bytes`);
          w.fixed(f, FINGERPRINT_BYTES);
        }
      }
    },
    read: (r) => {
      const width = r.uint('olderDigests');
      if (width < 1 || width > 6) r.fail(`olderDigests: fingerprints of ${width} bytes`);
      const n = r.count('olderDigests');
      const out: DigestDay[] = [];
      let prev = Math.floor(r.t0 / DAY_MS);
      for (let i = 0; i < n; i++) {
        const [diff, c] = r.tagged(4, 'olderDigests');
        const day = (prev = r.sum(prev, diff, 'olderDigests'));
        const m = c === 15 ? 15 + r.uint('olderDigests') : c;
        if (m * width > r.left) r.fail(`olderDigests: ${m} fingerprints declared, only ${r.left} bytes left`);
        const fingerprints: number[] = [];
        for (let j = 0; j < m; j++) fingerprints.push(r.fixed(width));
        out.push({ day, fingerprints });
      }
      return out;
    },
    empty: () => [],
  }),
};

const TIMER_WHATS: readonly TimerWhat[] = ['TIER', 'CADENCE', 'BIRTHDAY', 'FRAUD_SLA'];
const TIERS: readonly CustomerTier[] = ['VIP', 'POTENTIAL', 'ORDINARY'];
const CHECK_STATUSES: readonly WatchedFraudCheck['status'][] = ['OPEN', 'ANSWERED', 'ESCALATED'];

type FieldName = keyof typeof FIELD_TABLE;
/** Field n is bit n of the presence bitmap: the order is the layout, append only. */
const FIELDS = Object.keys(FIELD_TABLE) as FieldName[];
const KNOWN_KEYS: ReadonlySet<string> = new Set<string>(['version', ...FIELDS]);

/** Days from 1970-01-01 to the UTC month index (year * 12 + month - 1) they fall in. */
function monthOfDay(day: number): number {
  const d = new Date(day * DAY_MS);
  const m = d.getUTCFullYear() * 12 + d.getUTCMonth();
  return Number.isNaN(m) ? 0 : m;
}

/** T0, D0, M0: the watermark's, or stand-ins close to the state's other numbers. */
function basesOf(s: CustomerState): { t0: number; d0: number; m0: number } {
  const t0 = s.watermark?.at ?? s.transactionsWatermark?.at ?? s.channelWatermark?.at ?? s.profile?.updatedAt ?? 0;
  const d0 = s.watermark?.day ?? s.firstDay ?? Math.floor(t0 / DAY_MS);
  const m0 = s.watermark?.month ?? monthOfDay(d0);
  return { t0, d0, m0 };
}

/** Encodes a customer state in layout LAYOUT_VERSION. Throws a StateCodecError for a value it cannot hold exactly. */
export function encodeState(state: CustomerState): Buffer {
  if (state.version !== 1) throw new StateCodecError(`state version ${String(state.version)} is not 1`);
  for (const k of Object.keys(state)) if (!KNOWN_KEYS.has(k)) throw new StateCodecError(`field ${JSON.stringify(k)} has no place in layout ${LAYOUT_VERSION} (add it to src/state/codec.ts)`);
  // T0 is the first time written: when it has milliseconds, seconds cannot
  // hold the state and the attempt is not worth starting.
  if (basesOf(state).t0 % 1000 !== 0) return encodeWith(state, 1);
  try {
    return encodeWith(state, 1000);
  } catch (err) {
    if (err === NOT_WHOLE_SECONDS) return encodeWith(state, 1);
    throw err;
  }
}

const QUARTER_HOUR = 900_000;

/**
 * A zone offset, a whole number of quarter hours, for which
 * floor((at + offset) / day) is the business day of every (time, day) pair
 * the state writes (topic watermarks, balance entries): then no day is
 * written. None for a zone whose offset changed between them (daylight
 * saving), or for pairs no offset explains: their days are written.
 */
function zoneOf(s: CustomerState): number | null {
  const pairs: { at: number; day: number }[] = [];
  if (s.transactionsWatermark) pairs.push(s.transactionsWatermark);
  if (s.channelWatermark) pairs.push(s.channelWatermark);
  for (const k in s.accounts) for (const e of s.accounts[k]!) pairs.push(e);
  if (pairs.length === 0) return null;
  let lo = -Infinity;
  let hi = Infinity;
  for (const { at, day } of pairs) {
    lo = Math.max(lo, day * DAY_MS - at);
    hi = Math.min(hi, (day + 1) * DAY_MS - at);
  }
  const zone = Math.ceil(lo / QUARTER_HOUR) * QUARTER_HOUR;
  if (!(zone < hi) || Math.abs(zone) > DAY_MS) return null;
  // the reader's own arithmetic decides: large or odd values may round
  for (const { at, day } of pairs) if (Math.floor((at + zone) / DAY_MS) !== day) return null;
  return zone;
}

function encodeWith(s: CustomerState, unit: number): Buffer {
  const w = new Writer();
  const { t0, d0, m0 } = basesOf(s);
  w.unit = unit;
  w.t0 = t0;
  w.d0 = d0;
  w.m0 = m0;
  const zone = zoneOf(s);
  w.byte(LAYOUT_VERSION);
  w.uint((unit === 1000 ? 1 : 0) | (zone !== null ? 2 : 0), 'flags');
  if (zone !== null) w.int(zone / QUARTER_HOUR, 'zone');
  // set after the header: the bases are written in full
  w.zone = zone;
  let bitmap = 0;
  FIELDS.forEach((name, i) => {
    const f = FIELD_TABLE[name] as Field<FieldName>;
    if (f.present(s[name])) bitmap += 2 ** i;
  });
  w.uint(bitmap, 'fields');
  w.time(t0, 0, 'T0');
  w.delta(d0, Math.floor(t0 / DAY_MS), 'D0');
  w.delta(m0, monthOfDay(d0), 'M0');
  FIELDS.forEach((name, i) => {
    if (Math.floor(bitmap / 2 ** i) % 2 === 1) (FIELD_TABLE[name] as Field<FieldName>).write(w, s[name], s);
  });
  return w.done();
}

/** Decodes a buffer of encodeState. Throws a StateCodecError when it is not one (corrupt, truncated, another layout). */
export function decodeState(buf: Uint8Array): CustomerState {
  const r = new Reader(buf);
  const version = r.byte('the layout version');
  if (version !== LAYOUT_VERSION) r.fail(`layout version ${version} unknown (this reader knows ${LAYOUT_VERSION}${version >= 0x80 ? '; a msgpack map of the Lua path starts so' : ''})`);
  const flags = r.uint('flags');
  if (flags > 3) r.fail(`unknown flags ${flags}`);
  r.unit = flags & 1 ? 1000 : 1;
  if (flags & 2) {
    const q = r.int('zone');
    if (Math.abs(q) > DAY_MS / QUARTER_HOUR) r.fail(`zone offset of ${q} quarter hours`);
    r.zone = q * QUARTER_HOUR;
  }
  const bitmap = r.uint('the field bitmap');
  if (bitmap >= 2 ** FIELDS.length) r.fail(`fields ${bitmap.toString(2)}: bits beyond the ${FIELDS.length} this reader knows (written by a newer layout)`);
  r.t0 = r.time(0, 'T0');
  r.d0 = r.delta(Math.floor(r.t0 / DAY_MS), 'D0');
  r.m0 = r.delta(monthOfDay(r.d0), 'M0');
  const out: Record<string, unknown> = { version: 1 };
  FIELDS.forEach((name, i) => {
    const f = FIELD_TABLE[name] as Field<FieldName>;
    const v = Math.floor(bitmap / 2 ** i) % 2 === 1 ? f.read(r, out) : f.empty();
    // an optional field that is absent stays absent (no key holding undefined)
    if (v !== undefined) out[name] = v;
  });
  if (r.left !== 0) r.fail(`${r.left} bytes after the last field`);
  return out as unknown as CustomerState;
}
