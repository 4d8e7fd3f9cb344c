// Valid records, hand-made bombs and an in-memory schema source for the
// decoder tests: no registry, no I/O.
import { readFileSync } from 'node:fs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { avroTypeFor, frame } from '../../../src/events/avro.ts';
import { fromJsonForm } from '../../../src/events/json-form.ts';
import { INPUT_TOPICS, SCHEMA_FILES, type InputTopic, type Topic } from '../../../src/events/topics.ts';
import { Serde, type SchemaFetch, type SerdeOptions } from '../../../src/kafka/serde.ts';
import { SAMPLES } from '../events/samples.ts';

/** Schema ids of the fake registry: one per input topic (writer = reader schema). */
export const SCHEMA_IDS: Readonly<Record<InputTopic, number>> = Object.freeze(
  Object.fromEntries(INPUT_TOPICS.map((t, i) => [t, 101 + i])) as Record<InputTopic, number>,
);

export function schemaText(topic: Topic): string {
  return JSON.stringify(JSON.parse(readFileSync(SCHEMA_FILES[topic], 'utf8')));
}

/** A schema source answering from `schemas` (id -> schema JSON) and counting its calls. */
export function fakeRegistry(schemas: ReadonlyMap<number, string>): { fetch: SchemaFetch; calls: number[] } {
  const calls: number[] = [];
  const fetch: SchemaFetch = async (id) => {
    calls.push(id);
    await new Promise((r) => setImmediate(r)); // answers later, like a real request
    const schema = schemas.get(id);
    return schema === undefined ? null : { schema };
  };
  return { fetch, calls };
}

export function inputSchemas(extra: Iterable<[number, string]> = []): Map<number, string> {
  return new Map<number, string>([...INPUT_TOPICS.map((t) => [SCHEMA_IDS[t], schemaText(t)] as [number, string]), ...extra]);
}

/** A Serde whose writer schemas come from `schemas`; `encode*` is not used by these tests. */
export function testSerde(schemas: ReadonlyMap<number, string> = inputSchemas(), options: SerdeOptions = {}): { serde: Serde; calls: number[] } {
  const { fetch, calls } = fakeRegistry(schemas);
  const registry = {} as SchemaRegistry;
  return { serde: new Serde(registry, 'http://registry.invalid', { fetchSchema: fetch, ...options }), calls };
}

export function sampleValues(topic: InputTopic): Record<string, unknown>[] {
  return SAMPLES[topic].map((s) => fromJsonForm(topic, s) as unknown as Record<string, unknown>);
}

/** Avro zig-zag varint of any 64-bit value. */
export function varint(n: bigint | number): Buffer {
  const v = BigInt(n);
  let u = v >= 0n ? v << 1n : ((-v) << 1n) - 1n;
  const out: number[] = [];
  do {
    let b = Number(u & 0x7fn);
    u >>= 7n;
    if (u) b |= 0x80;
    out.push(b);
  } while (u);
  return Buffer.from(out);
}

interface FieldLike {
  readonly name: string;
  readonly type: { toBuffer(v: unknown): Buffer };
}

/**
 * A record of `topic` encoded field by field, with field `name`'s bytes
 * replaced by `bytes`: a valid prefix and suffix around a hostile value.
 */
export function withField(topic: InputTopic, value: Record<string, unknown>, name: string, bytes: Buffer): Buffer {
  const fields = (avroTypeFor(topic) as unknown as { fields: FieldLike[] }).fields;
  if (!fields.some((f) => f.name === name)) throw new Error(`${topic} has no field ${name}`);
  return Buffer.concat(fields.map((f) => (f.name === name ? bytes : f.type.toBuffer(value[f.name]))));
}

export const framed = (topic: InputTopic, payload: Buffer): Buffer => frame(SCHEMA_IDS[topic], payload);

/** The string fields of a topic's schema, top level. */
export function stringFields(topic: InputTopic): string[] {
  const fields = (avroTypeFor(topic) as unknown as { fields: { name: string; type: { typeName: string } }[] }).fields;
  return fields.filter((f) => f.type.typeName === 'string').map((f) => f.name);
}
