// A dead letter carries the original record, and so is always larger than it:
// an input accepted at the broker's size limit would give a dead letter the
// broker refuses (MESSAGE_TOO_LARGE), failing its chunk on every retry and
// blocking the partition. So a dead letter that would not fit keeps the
// original bytes up to what fits and says so in its headers.
import { createHash } from 'node:crypto';
import type { DeadLetter } from '../events/types.ts';

/** Kafka's default `max.message.bytes` (1 MiB + 12), when the topic's own cannot be read. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * Room kept for what surrounds the value in a batch of one record: the batch
 * header (61 bytes), the record's varints and attributes (under 40) and the
 * headers written here, with plenty to spare. The record's key is counted on
 * top of it.
 */
export const RECORD_OVERHEAD_BYTES = 1024;

/** Longest key a dead letter keeps (in its value and as its Kafka key) when the record would not fit otherwise. */
const KEPT_KEY_BYTES = 1024;
const KEPT_MESSAGE_CHARS = 1000;

export interface FittedDeadLetter {
  readonly key: Buffer | null;
  readonly value: Buffer;
  /** Kafka record headers; only set when something was cut. */
  readonly headers: Readonly<Record<string, string>> | undefined;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Bytes of a Kafka record's key and headers as the broker counts them (without varints, which the overhead covers). */
function kafkaSideBytes(key: Buffer | null, headers: Readonly<Record<string, string>> | undefined): number {
  let n = key?.length ?? 0;
  for (const [k, v] of Object.entries(headers ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

/**
 * The dead letter encoded so that its record fits `maxMessageBytes`. Cuts, in
 * this order and only as far as needed: the original value (keeping its
 * start), the original headers, the key, the message. What was cut is said in
 * the Kafka headers `truncated=true`, `original-size` and `original-sha256`
 * (of the original value), plus `original-key-size`/`original-key-sha256` and
 * `original-headers-dropped` when those went too, and at the end of `message`.
 */
export function fitDeadLetter(d: DeadLetter, encode: (d: DeadLetter) => Buffer, maxMessageBytes: number): FittedDeadLetter {
  const whole = encode(d);
  if (whole.length + kafkaSideBytes(d.key, undefined) + RECORD_OVERHEAD_BYTES <= maxMessageBytes) {
    return { key: d.key, value: whole, headers: undefined };
  }
  const value = d.value ?? Buffer.alloc(0);
  const headers: Record<string, string> = { truncated: 'true', 'original-size': String(value.length), 'original-sha256': sha256(value) };
  let letter: DeadLetter = d;
  let key = d.key;

  // Everything but the value, encoded; recomputed only when something else was cut.
  const fixedSize = (l: DeadLetter) => encode({ ...l, value: Buffer.alloc(0) }).length;
  const note = ` (dead letter cut to fit the topic's ${maxMessageBytes}-byte limit; see its headers)`;
  letter = { ...letter, message: letter.message + note };
  let fixed = fixedSize(letter);
  const room = () => maxMessageBytes - RECORD_OVERHEAD_BYTES - kafkaSideBytes(key, headers) - fixed - 10; // 10: the value's length varint may grow

  if (room() < 0 && Object.keys(letter.headers).length > 0) {
    headers['original-headers-dropped'] = String(Object.keys(letter.headers).length);
    letter = { ...letter, headers: {} };
    fixed = fixedSize(letter);
  }
  if (room() < 0 && key && key.length > KEPT_KEY_BYTES) {
    headers['original-key-size'] = String(key.length);
    headers['original-key-sha256'] = sha256(key);
    key = key.subarray(0, KEPT_KEY_BYTES);
    letter = { ...letter, key };
    fixed = fixedSize(letter);
  }
  if (room() < 0) {
    letter = { ...letter, message: letter.message.slice(0, KEPT_MESSAGE_CHARS) + note };
    fixed = fixedSize(letter);
  }
  const keep = Math.max(0, Math.min(value.length, room()));
  letter = { ...letter, value: d.value === null ? null : value.subarray(0, keep) };
  return { key, value: encode(letter), headers };
}
