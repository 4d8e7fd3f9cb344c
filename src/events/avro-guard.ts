// A pre-pass over Avro binary that refuses what would make avsc hang or
// exhaust memory, before avsc sees the bytes.
//
// avsc trusts every declared count: a map or array block declaring 5 * 10^8
// entries makes it loop that many times (reading past the end of the buffer,
// where every read yields undefined), and 10^8 array items allocate
// `new Array(10^8)` up front. We keep avsc (it is the project's Avro library)
// and wrap it rather than patch it: this walk checks every block count and
// length against the bytes that are left (an item takes at least its type's
// minimum encoded size), bounds the item count for item types that take no
// bytes at all (null, empty records), and bounds the nesting depth and an
// estimate of the decoded size. A record that passes has counts and lengths
// consistent with its length, so avsc's decode is linear in the bytes.
import type { Type } from 'avsc';

export interface DecodeLimits {
  /** Estimated heap size of a decoded value: string and bytes lengths plus a fixed cost per value and item. */
  readonly maxDecodedBytes: number;
  /** Array items plus map entries of one record, all collections together. */
  readonly maxItems: number;
  /** Records, arrays and maps nested inside one another. */
  readonly maxDepth: number;
}

/** What one value, item or map entry is charged in the decoded-size estimate besides its string or bytes length. */
export const VALUE_COST_BYTES = 16;

/** The walkable form of a writer type: only what determines how many bytes a value takes. */
export type AvroShape =
  | { readonly kind: 'null' }
  | { readonly kind: 'fixed'; readonly size: number }
  | { readonly kind: 'varint'; readonly symbols: number | undefined }
  | { readonly kind: 'blob' }
  | { readonly kind: 'array'; items: AvroShape; itemMinBytes: number }
  | { readonly kind: 'map'; values: AvroShape; itemMinBytes: number }
  | { readonly kind: 'union'; branches: AvroShape[] }
  | { readonly kind: 'record'; fields: AvroShape[] };

interface AvscInternals {
  readonly typeName: string;
  readonly size?: number;
  readonly symbols?: readonly string[];
  readonly itemsType?: Type;
  readonly valuesType?: Type;
  readonly types?: readonly Type[];
  readonly fields?: readonly { readonly type: Type }[];
  readonly underlyingType?: Type;
}

/**
 * The shape of an avsc Type (a writer schema). Named types that refer to
 * themselves become cyclic shapes; the walk's depth limit ends them.
 */
export function avroShapeOf(type: Type): AvroShape {
  const seen = new Map<Type, AvroShape>();
  const shape = build(type, seen);
  const mins = new Map<AvroShape, number>();
  for (const s of seen.values()) {
    if (s.kind === 'array') s.itemMinBytes = minBytes(s.items, mins, new Set());
    if (s.kind === 'map') s.itemMinBytes = 1 + minBytes(s.values, mins, new Set());
  }
  return shape;
}

function build(type: Type, seen: Map<Type, AvroShape>): AvroShape {
  const hit = seen.get(type);
  if (hit) return hit;
  const t = type as unknown as AvscInternals;
  const name = t.typeName;
  let shape: AvroShape;
  if (name.startsWith('logical:')) return build(t.underlyingType!, seen);
  switch (name) {
    case 'null':
      shape = { kind: 'null' };
      break;
    case 'boolean':
      shape = { kind: 'fixed', size: 1 };
      break;
    case 'float':
      shape = { kind: 'fixed', size: 4 };
      break;
    case 'double':
      shape = { kind: 'fixed', size: 8 };
      break;
    case 'fixed':
      shape = { kind: 'fixed', size: t.size! };
      break;
    case 'int':
    case 'long':
    case 'abstract:long':
      shape = { kind: 'varint', symbols: undefined };
      break;
    case 'enum':
      shape = { kind: 'varint', symbols: t.symbols!.length };
      break;
    case 'string':
    case 'bytes':
      shape = { kind: 'blob' };
      break;
    case 'array': {
      const s: AvroShape = { kind: 'array', items: { kind: 'null' }, itemMinBytes: 0 };
      seen.set(type, s);
      s.items = build(t.itemsType!, seen);
      return s;
    }
    case 'map': {
      const s: AvroShape = { kind: 'map', values: { kind: 'null' }, itemMinBytes: 1 };
      seen.set(type, s);
      s.values = build(t.valuesType!, seen);
      return s;
    }
    case 'union:unwrapped':
    case 'union:wrapped': {
      const s: AvroShape = { kind: 'union', branches: [] };
      seen.set(type, s);
      s.branches = t.types!.map((b) => build(b, seen));
      return s;
    }
    case 'record':
    case 'error': {
      const s: AvroShape = { kind: 'record', fields: [] };
      seen.set(type, s);
      s.fields = t.fields!.map((f) => build(f.type, seen));
      return s;
    }
    default:
      throw new TypeError(`Avro type ${name} is not supported by the decoder's guard`);
  }
  seen.set(type, shape);
  return shape;
}

// The fewest bytes a value of the shape can take. A shape met again while its
// own minimum is computed (a recursive type) counts 0: still a lower bound.
function minBytes(s: AvroShape, memo: Map<AvroShape, number>, open: Set<AvroShape>): number {
  const known = memo.get(s);
  if (known !== undefined) return known;
  if (open.has(s)) return 0;
  open.add(s);
  let n: number;
  switch (s.kind) {
    case 'null':
      n = 0;
      break;
    case 'fixed':
      n = s.size;
      break;
    case 'varint':
    case 'blob':
    case 'array':
    case 'map':
      n = 1;
      break;
    case 'union':
      n = 1 + Math.min(...s.branches.map((b) => minBytes(b, memo, open)));
      break;
    case 'record':
      n = s.fields.reduce((sum, f) => sum + minBytes(f, memo, open), 0);
      break;
  }
  open.delete(s);
  memo.set(s, n);
  return n;
}

class Violation extends Error {}

/**
 * Walks `payload` as a value of `shape` and returns why it must not be
 * decoded, or undefined when avsc may decode it. Messages name positions and
 * counts, never content.
 */
export function checkAvroPayload(payload: Uint8Array, shape: AvroShape, limits: DecodeLimits): string | undefined {
  const walk = new Walk(payload, limits);
  try {
    walk.value(shape, 0);
    return undefined;
  } catch (err) {
    if (err instanceof Violation) return err.message;
    // A stack overflow in a pathological schema is still a refusal, not a crash.
    if (err instanceof RangeError) return `Avro payload nests too deeply to check`;
    throw err;
  }
}

class Walk {
  private pos = 0;
  private items = 0;
  private cost = 0;

  private readonly buf: Uint8Array;
  private readonly limits: DecodeLimits;

  constructor(buf: Uint8Array, limits: DecodeLimits) {
    this.buf = buf;
    this.limits = limits;
  }

  private left(): number {
    return this.buf.length - this.pos;
  }

  private charge(bytes: number): void {
    this.cost += bytes;
    if (this.cost > this.limits.maxDecodedBytes) {
      throw new Violation(`decoded record would exceed ${this.limits.maxDecodedBytes} bytes (MAX_DECODED_BYTES) at byte ${this.pos}`);
    }
  }

  /** A zig-zag varint as a number; beyond 2^53 inexact, which is fine for comparing with lengths. */
  private long(): number {
    const start = this.pos;
    let first = -1;
    let unsigned = 0;
    let scale = 1;
    let b: number;
    let bytes = 0;
    do {
      if (this.pos >= this.buf.length) throw new Violation(`truncated varint at byte ${start}`);
      b = this.buf[this.pos++]!;
      if (first < 0) first = b;
      unsigned += (b & 0x7f) * scale;
      scale *= 128;
      bytes++;
    } while (b & 0x80 && bytes < 10);
    if (b & 0x80) throw new Violation(`varint longer than 10 bytes at byte ${start}`);
    const half = Math.floor(unsigned / 2);
    return first & 1 ? -half - 1 : half;
  }

  private skip(n: number, what: string): void {
    if (n > this.left()) throw new Violation(`${what} at byte ${this.pos} declares ${n} bytes, but ${this.left()} are left`);
    this.pos += n;
  }

  private blob(what: string): void {
    const at = this.pos;
    const len = this.long();
    if (len < 0) throw new Violation(`${what} at byte ${at} declares a negative length`);
    this.skip(len, what);
    this.charge(VALUE_COST_BYTES + len);
  }

  value(s: AvroShape, depth: number): void {
    switch (s.kind) {
      case 'null':
        this.charge(VALUE_COST_BYTES);
        return;
      case 'fixed':
        this.skip(s.size, 'fixed-size value');
        this.charge(VALUE_COST_BYTES + s.size);
        return;
      case 'varint': {
        const at = this.pos;
        const n = this.long();
        if (s.symbols !== undefined && (n < 0 || n >= s.symbols)) throw new Violation(`enum index ${n} at byte ${at} is outside its ${s.symbols} symbols`);
        this.charge(VALUE_COST_BYTES);
        return;
      }
      case 'blob':
        this.blob('string or bytes');
        return;
      case 'union': {
        const at = this.pos;
        const i = this.long();
        const branch = s.branches[i];
        if (i < 0 || !branch) throw new Violation(`union index ${i} at byte ${at} is outside its ${s.branches.length} branches`);
        this.value(branch, depth);
        return;
      }
      case 'record':
        this.enter(depth);
        this.charge(VALUE_COST_BYTES);
        for (const f of s.fields) this.value(f, depth + 1);
        return;
      case 'array':
      case 'map':
        this.enter(depth);
        this.charge(VALUE_COST_BYTES);
        this.blocks(s, depth + 1);
        return;
    }
  }

  private enter(depth: number): void {
    if (depth >= this.limits.maxDepth) throw new Violation(`value nests deeper than ${this.limits.maxDepth} levels (MAX_DECODED_DEPTH) at byte ${this.pos}`);
  }

  private blocks(s: Extract<AvroShape, { kind: 'array' | 'map' }>, depth: number): void {
    const what = s.kind === 'map' ? 'map block' : 'array block';
    for (;;) {
      const at = this.pos;
      let count = this.long();
      if (count === 0) return;
      let size: number | undefined;
      if (count < 0) {
        // A negative count is followed by the block's size in bytes (for skipping).
        count = -count;
        size = this.long();
        if (size < 0 || size > this.left()) throw new Violation(`${what} at byte ${at} declares ${size} bytes, but ${this.left()} are left`);
      }
      if (count * s.itemMinBytes > this.left()) {
        throw new Violation(`${what} at byte ${at} declares ${count} items of at least ${s.itemMinBytes} bytes, but ${this.left()} bytes are left`);
      }
      this.items += count;
      if (this.items > this.limits.maxItems) throw new Violation(`${what} at byte ${at} brings the record to ${this.items} items, more than ${this.limits.maxItems} (MAX_DECODED_ITEMS)`);
      const start = this.pos;
      for (let i = 0; i < count; i++) {
        if (s.kind === 'map') {
          this.blob('map key');
          this.value(s.values, depth);
        } else {
          this.charge(VALUE_COST_BYTES);
          this.value(s.items, depth);
        }
      }
      if (size !== undefined && this.pos - start !== size) throw new Violation(`${what} at byte ${at} declares ${size} bytes but its items take ${this.pos - start}`);
    }
  }
}
