// Avro types per topic, built from schemas/*.avsc, plus Confluent framing.
// Decoded form (see types.ts): timestamp-millis -> epoch-millis number,
// long -> number (exact; beyond Number.MAX_SAFE_INTEGER an input topic's
// long is a bigint that validation refuses, another topic's throws, see
// avro-long.ts), bytes -> Buffer, ["null", T] unions -> T | null (never
// avsc's wrapped {"T": v} form).
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { Type } from 'avsc';
import { exactLongType, wideLongType } from './avro-long.ts';
import { SCHEMA_FILES, isInputTopic, type Topic } from './topics.ts';

// avsc builds a logical type's underlying long itself, bypassing the exact
// long of avro-long.ts; its float arithmetic is exact for |ms| < 2^52
// (about 142,000 years either side of 1970), so that is the range we accept.
// Anything it misreads from outside the range also lands outside it.
const TIMESTAMP_LIMIT = 2 ** 52;

function checkedMillis(val: unknown): number {
  if (typeof val === 'number' && Number.isInteger(val) && Math.abs(val) < TIMESTAMP_LIMIT) return val;
  throw new TypeError('timestamp-millis expects integer epoch milliseconds within ±2^52');
}

// Refuses Date on purpose: one representation of time across the app.
class TimestampMillisType extends avro.types.LogicalType {
  protected override _fromValue(val: number): number {
    return checkedMillis(val);
  }

  protected override _toValue(val: unknown): number {
    return checkedMillis(val);
  }

  // Lets a reader with this logical type read data written as plain long.
  protected override _resolve(type: Type): ((val: number) => number) | undefined {
    return avro.Type.isType(type, 'long', 'abstract:long', 'logical:timestamp-millis') ? checkedMillis : undefined;
  }
}

/**
 * avsc options giving the decoded form of types.ts. Fresh on each call: the
 * registry collects named types, and the schema files repeat enum names on
 * purpose. Also for parsing writer schemas fetched from the registry (a
 * writer's long type does not matter: avsc reads a long with the reader's).
 * `wideLongs`: longs beyond the safe range decode to bigint instead of
 * failing, for the input topics (see avro-long.ts).
 */
export function avroTypeOptions(wideLongs = false) {
  return {
    logicalTypes: { 'timestamp-millis': TimestampMillisType },
    registry: { long: wideLongs ? wideLongType : exactLongType },
    // Our only unions are ["null", T]; 'never' turns an ambiguous union added
    // later into a load-time error instead of a silently different JS form.
    wrapUnions: 'never' as const,
    assertLogicalTypes: true,
  };
}

/** An avsc Type for any schema (e.g. a writer schema by id), with our options. */
export function avroTypeForSchema(schema: unknown, wideLongs = false): Type {
  return avro.Type.forSchema(schema as avro.Schema, avroTypeOptions(wideLongs));
}

interface Loaded {
  readonly schema: string;
  readonly type: Type;
}

const loaded = new Map<Topic, Loaded>();

// Loaded on first use rather than at import, so importing has no I/O.
function load(topic: Topic): Loaded {
  const hit = loaded.get(topic);
  if (hit) return hit;
  const file = SCHEMA_FILES[topic];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read Avro schema for ${topic} from ${file.pathname}`, { cause: err });
  }
  const entry: Loaded = {
    schema: JSON.stringify(parsed),
    // An input's out-of-range amount is a VALIDATION failure, not bad bytes.
    type: avroTypeForSchema(parsed, isInputTopic(topic)),
  };
  loaded.set(topic, entry);
  return entry;
}

/** The avsc Type of a topic's value. */
export function avroTypeFor(topic: Topic): Type {
  return load(topic).type;
}

/** The topic's value schema as compact JSON, for schema-registry registration. */
export function schemaStringFor(topic: Topic): string {
  return load(topic).schema;
}

// ---- Confluent wire format: magic byte 0, schema id (uint32 BE), Avro binary ----

export const MAGIC_BYTE = 0;
export const FRAME_HEADER_BYTES = 5;

export type Unframed =
  | { readonly schemaId: number; readonly payload: Buffer }
  | { readonly error: 'BAD_FRAMING'; readonly message: string };

export function frame(schemaId: number, avroPayload: Uint8Array): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffff_ffff) {
    throw new RangeError(`schema id must be an unsigned 32-bit integer, got ${schemaId}`);
  }
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + avroPayload.length);
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeUInt32BE(schemaId, 1);
  out.set(avroPayload, FRAME_HEADER_BYTES);
  return out;
}

/** Splits a framed record; `payload` is a view into `record`, not a copy. */
export function unframe(record: Uint8Array): Unframed {
  if (record.length < FRAME_HEADER_BYTES) {
    return {
      error: 'BAD_FRAMING',
      message: `record is ${record.length} bytes, shorter than the ${FRAME_HEADER_BYTES}-byte Confluent header`,
    };
  }
  const buf = Buffer.isBuffer(record) ? record : Buffer.from(record.buffer, record.byteOffset, record.length);
  const magic = buf.readUInt8(0);
  if (magic !== MAGIC_BYTE) {
    return { error: 'BAD_FRAMING', message: `magic byte is ${magic}, expected ${MAGIC_BYTE}` };
  }
  return { schemaId: buf.readUInt32BE(1), payload: buf.subarray(FRAME_HEADER_BYTES) };
}
