// The JSON form of events (docs/EVENTS.md), read by `carestream replay` and
// printed by `carestream tail`: same field names as Avro; timestamps as
// ISO-8601 strings with offset; ["null", T] as a plain value or null (not
// avsc's {"T": v} union JSON); bytes as base64; money as JSON numbers.
// Conversion walks the topic's avsc Type, so it follows the .avsc files and
// checks shape on the way in: what fromJsonForm returns encodes cleanly.
import type { Type, types } from 'avsc';
import { avroTypeFor } from './avro.ts';
import { formatPath } from './field-path.ts';
import { DEFAULT_TIME_ZONE, formatInstant, parseInstant } from './time.ts';
import { isTopic, TOPICS, type Topic } from './topics.ts';
import type { EventOf } from './types.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Bad JSON-form input; the message names the field and the rule, never the value. */
export class JsonFormError extends Error {
  readonly field: string;
  constructor(message: string, field: string) {
    super(message);
    this.name = 'JsonFormError';
    this.field = field;
  }
}

/** Where a value is, innermost last: a list built only as deep as the walk goes, an array only on failure. */
type Path = { readonly up: Path; readonly key: PropertyKey } | null;

const at = (up: Path, key: PropertyKey): Path => ({ up, key });

function segments(path: Path): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (let p = path; p !== null; p = p.up) out.push(p.key);
  return out.reverse();
}

function fail(topic: string, path: Path, problem: string): never {
  const field = formatPath(segments(path));
  throw new JsonFormError(`${topic} ${field}: ${problem}`, field);
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function nonNullBranch(type: Type, topic: string, path: Path): Type {
  const branches = (type as types.UnwrappedUnionType).types;
  const others = branches.filter((b) => b.typeName !== 'null');
  if (branches.length !== 2 || others.length !== 1 || !others[0]) {
    return fail(topic, path, 'unsupported union (only ["null", T] has a JSON form)');
  }
  return others[0];
}

const fieldNamesOf = new WeakMap<types.RecordType, ReadonlySet<string>>();

function fieldNames(type: types.RecordType): ReadonlySet<string> {
  let names = fieldNamesOf.get(type);
  if (!names) fieldNamesOf.set(type, (names = new Set(type.fields.map((f) => f.name))));
  return names;
}

function fromJson(type: Type, v: unknown, topic: string, path: Path): unknown {
  switch (type.typeName) {
    case 'record': {
      if (!isPlainObject(v)) return fail(topic, path, 'must be an object');
      const { fields } = type as types.RecordType;
      const known = fieldNames(type as types.RecordType);
      for (const k of Object.keys(v)) if (!known.has(k)) fail(topic, at(path, k), 'unknown field');
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        if (v[f.name] !== undefined) out[f.name] = fromJson(f.type, v[f.name], topic, at(path, f.name));
        else if (f.defaultValue() !== undefined) out[f.name] = f.defaultValue();
        else fail(topic, at(path, f.name), 'required');
      }
      return out;
    }
    case 'enum': {
      const { symbols } = type as types.EnumType;
      if (typeof v !== 'string' || !symbols.includes(v)) return fail(topic, path, `must be one of ${symbols.join(', ')}`);
      return v;
    }
    case 'string':
      return typeof v === 'string' ? v : fail(topic, path, 'must be a string');
    case 'boolean':
      return typeof v === 'boolean' ? v : fail(topic, path, 'must be true or false');
    case 'null':
      return v === null ? v : fail(topic, path, 'must be null');
    case 'int':
      return Number.isInteger(v) && (v as number) >= INT32_MIN && (v as number) <= INT32_MAX
        ? v
        : fail(topic, path, 'must be a 32-bit integer');
    case 'long':
    case 'abstract:long':
      return Number.isSafeInteger(v) ? v : fail(topic, path, 'must be an integer within ±(2^53 - 1)');
    case 'bytes':
      return typeof v === 'string' && BASE64.test(v) ? Buffer.from(v, 'base64') : fail(topic, path, 'must be a base64 string');
    case 'logical:timestamp-millis': {
      const ms = typeof v === 'string' ? parseInstant(v) : undefined;
      return ms !== undefined && Number.isSafeInteger(ms)
        ? ms
        : fail(topic, path, 'must be an ISO-8601 instant with offset, e.g. 2026-11-22T09:30:00+08:00');
    }
    case 'array': {
      if (!Array.isArray(v)) return fail(topic, path, 'must be an array');
      const items = (type as types.ArrayType).itemsType;
      return v.map((item, i) => fromJson(items, item, topic, at(path, i)));
    }
    case 'map': {
      if (!isPlainObject(v)) return fail(topic, path, 'must be an object');
      const values = (type as types.MapType).valuesType as Type;
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = fromJson(values, item, topic, at(path, k));
      return out;
    }
    case 'union:unwrapped':
      return v === null ? null : fromJson(nonNullBranch(type, topic, path), v, topic, path);
    default:
      return fail(topic, path, `Avro type ${type.typeName} has no JSON form`);
  }
}

function toJson(type: Type, v: unknown, timeZone: string, topic: string, path: Path): Json {
  switch (type.typeName) {
    case 'record': {
      if (!isPlainObject(v)) return fail(topic, path, 'must be a record');
      const out: JsonObject = {};
      for (const f of (type as types.RecordType).fields) {
        out[f.name] = toJson(f.type, v[f.name], timeZone, topic, at(path, f.name));
      }
      return out;
    }
    case 'bytes':
      return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64') : fail(topic, path, 'must be bytes');
    case 'logical:timestamp-millis':
      return Number.isSafeInteger(v) ? formatInstant(v as number, timeZone) : fail(topic, path, 'must be epoch milliseconds');
    case 'array': {
      if (!Array.isArray(v)) return fail(topic, path, 'must be an array');
      const items = (type as types.ArrayType).itemsType;
      return v.map((item, i) => toJson(items, item, timeZone, topic, at(path, i)));
    }
    case 'map': {
      if (!isPlainObject(v)) return fail(topic, path, 'must be a map');
      const values = (type as types.MapType).valuesType as Type;
      const out: JsonObject = {};
      for (const [k, item] of Object.entries(v)) out[k] = toJson(values, item, timeZone, topic, at(path, k));
      return out;
    }
    case 'union:unwrapped':
      return v === null || v === undefined ? null : toJson(nonNullBranch(type, topic, path), v, timeZone, topic, path);
    case 'abstract:long':
      // An input's long beyond the safe range decodes to a bigint (avro-long.ts), which
      // JSON cannot hold: `tail` shows the nearest number (validation refuses such records).
      return typeof v === 'bigint' ? Number(v) : v === undefined ? fail(topic, path, 'missing') : (v as Json);
    default:
      // Scalars (string, enum, boolean, int, long) are the same in both forms.
      return v === undefined ? fail(topic, path, 'missing') : (v as Json);
  }
}

/** JSON form -> decoded value ready for `avroTypeFor(topic).toBuffer`. Throws JsonFormError. */
export function fromJsonForm<T extends Topic>(topic: T, obj: unknown): EventOf<T> {
  return fromJson(avroTypeFor(topic), obj, topic, null) as EventOf<T>;
}

/** Decoded value -> JSON form, timestamps written in `timeZone`. */
export function toJsonForm(topic: Topic, value: unknown, timeZone: string = DEFAULT_TIME_ZONE): JsonObject {
  return toJson(avroTypeFor(topic), value, timeZone, topic, null) as JsonObject;
}

// ---- replay / tail lines ----

export interface ReplayRecord<T extends Topic = Topic> {
  readonly topic: T;
  /** The Kafka key to produce with: the line's "key" if given, else defaultKey(). */
  readonly key: string | null;
  readonly value: EventOf<T>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The key a record of `topic` gets when the line names none: customerId on
 * every topic; a dead letter has none, so it keeps its original key when
 * that is valid UTF-8 (inputs are keyed by customerId too).
 */
export function defaultKey<T extends Topic>(topic: T, value: EventOf<T>): string | null {
  if (topic !== TOPICS.dlq) return (value as { customerId: string }).customerId;
  const key = (value as EventOf<typeof TOPICS.dlq>).key;
  if (key === null) return null;
  try {
    return utf8.decode(key);
  } catch {
    return null;
  }
}

/**
 * Where `tail` found the record. A replay reads and checks them but produces
 * without them: Kafka picks the partition (by key), the offset and the append
 * time anew, so a tail's output replays as it is.
 */
export interface RecordPosition {
  readonly partition: number;
  /** Kafka offsets are 64-bit: a decimal string. */
  readonly offset: string;
  /** The record's Kafka timestamp, epoch milliseconds. */
  readonly timestamp: number;
}

const LINE_FIELDS = new Set(['topic', 'partition', 'offset', 'timestamp', 'key', 'value']);

/** Parses one line of a replay file. Throws JsonFormError; never echoes the line. */
export function parseReplayLine(line: string): ReplayRecord {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    // JSON.parse's message quotes the input, which may hold personal data.
    throw new JsonFormError('replay line is not valid JSON', '(line)');
  }
  if (!isPlainObject(obj)) throw new JsonFormError('replay line must be a JSON object', '(line)');
  for (const k of Object.keys(obj)) {
    if (!LINE_FIELDS.has(k)) fail('replay line', at(null, k), 'unknown field (expected topic, key, value, and from tail partition, offset, timestamp)');
  }
  if (obj.partition !== undefined && !(Number.isSafeInteger(obj.partition) && (obj.partition as number) >= 0)) {
    fail('replay line', at(null, 'partition'), 'must be a non-negative integer');
  }
  if (obj.offset !== undefined && !(typeof obj.offset === 'string' && /^\d{1,19}$/.test(obj.offset))) {
    fail('replay line', at(null, 'offset'), 'must be a string of decimal digits');
  }
  if (obj.timestamp !== undefined && !(typeof obj.timestamp === 'string' && parseInstant(obj.timestamp) !== undefined)) {
    fail('replay line', at(null, 'timestamp'), 'must be an ISO-8601 instant with offset');
  }
  const { topic, key } = obj;
  if (typeof topic !== 'string') return fail('replay line', at(null, 'topic'), 'must be a string');
  if (!isTopic(topic)) return fail('replay line', at(null, 'topic'), 'is not a carestream topic');
  if (key !== undefined && key !== null && typeof key !== 'string') {
    return fail('replay line', at(null, 'key'), 'must be a string or null');
  }
  if (obj.value === undefined) return fail('replay line', at(null, 'value'), 'required');
  const value = fromJsonForm(topic, obj.value);
  return { topic, key: key === undefined ? defaultKey(topic, value) : key, value };
}

/**
 * Formats one replay/tail line; "key" is written only when it differs from the
 * default; `position` (tail) adds partition, offset and timestamp.
 */
export function formatReplayLine<T extends Topic>(
  record: { readonly topic: T; readonly key?: string | null; readonly value: EventOf<T> },
  timeZone: string = DEFAULT_TIME_ZONE,
  position?: RecordPosition,
): string {
  const line: JsonObject = { topic: record.topic };
  if (position) {
    line.partition = position.partition;
    line.offset = position.offset;
    line.timestamp = formatInstant(position.timestamp, timeZone);
  }
  if (record.key !== undefined && record.key !== defaultKey(record.topic, record.value)) line.key = record.key;
  line.value = toJsonForm(record.topic, record.value, timeZone);
  return JSON.stringify(line);
}
