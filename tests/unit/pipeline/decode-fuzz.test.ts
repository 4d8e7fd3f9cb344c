import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { avroTypeFor, avroTypeForSchema, frame } from '../../../src/events/avro.ts';
import { INPUT_TOPICS, type InputTopic } from '../../../src/events/topics.ts';
import { decodeMessage } from '../../../src/pipeline/decode.ts';
import { validateEvent } from '../../../src/events/validate.ts';
import { SCHEMA_IDS, inputSchemas, sampleValues, schemaText, testSerde, varint } from '../kafka/avro-fixtures.ts';

// Mutated valid records of every input schema through the real decode path
// (framing, schema lookup, the guard, avsc, validation). Every case must end
// as a validated record or a dead letter with a known reason; none may throw
// or hang. The time bound is against hangs, not a benchmark.
const CASES = 12_000;
const HANG_BOUND_MS = 1_000;
const REASONS = new Set(['BAD_FRAMING', 'UNKNOWN_SCHEMA', 'AVRO_DECODE', 'VALIDATION', 'LATE']);
const DAY = 86_400_000;
// After every sample's event time, so the unmutated samples validate.
const bounds = { nowMs: Date.UTC(2026, 10, 24), maxFutureSkewMs: 300_000, maxAgeMs: 400 * DAY };

// Writer versions with a nested collection the reader skips: mutations of
// their counts exercise avsc's skip path behind the guard.
const NESTED_IDS: Readonly<Record<InputTopic, number>> = Object.fromEntries(INPUT_TOPICS.map((t, i) => [t, 400 + i])) as Record<InputTopic, number>;
const EXTRA = { type: 'array', items: { type: 'map', values: ['null', 'long', { type: 'array', items: 'null' }] } };
const nestedSchema = (topic: InputTopic): string => {
  const s = JSON.parse(schemaText(topic)) as { fields: unknown[] };
  s.fields.push({ name: 'extra', type: EXTRA });
  return JSON.stringify(s);
};
const NESTED_TAIL = avroTypeForSchema(EXTRA).toBuffer([{ k: null, l: [null, null, null] }, { m: 7 }, {}]);

interface Seed {
  readonly topic: InputTopic;
  readonly schemaId: number;
  readonly key: string;
  readonly payload: Buffer;
  readonly value: Record<string, unknown>;
}

const seeds: Seed[] = INPUT_TOPICS.flatMap((topic) =>
  sampleValues(topic).flatMap((v) => {
    const payload = avroTypeFor(topic).toBuffer(v);
    const key = String(v.customerId);
    return [
      { topic, schemaId: SCHEMA_IDS[topic], key, payload, value: v },
      { topic, schemaId: NESTED_IDS[topic], key, payload: Buffer.concat([payload, NESTED_TAIL]), value: v },
    ];
  }),
);

const bigCount = fc.oneof(
  fc.constantFrom(0n, 1n, -1n, 2n ** 31n, -(2n ** 31n), 2n ** 62n, -(2n ** 62n), 10n ** 8n, 5n * 10n ** 8n, 2n ** 63n - 1n, -(2n ** 63n)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.bigInt({ min: -300n, max: 300n }),
);

type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly byte: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'count'; readonly at: number; readonly value: bigint; readonly replace: number }
  | { readonly op: 'schemaId'; readonly id: number }
  | { readonly op: 'magic'; readonly byte: number };

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: position, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: position }),
  // A varint count or length written over (or between) the bytes at a position.
  fc.record({ op: fc.constant('count' as const), at: position, value: bigCount, replace: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('schemaId' as const), id: fc.oneof(fc.constantFrom(...Object.values(SCHEMA_IDS), ...Object.values(NESTED_IDS)), fc.integer({ min: 0, max: 2 ** 32 - 1 })) }),
  fc.record({ op: fc.constant('magic' as const), byte: fc.integer({ min: 1, max: 255 }) }),
);

function apply(seed: Seed, mutations: readonly Mutation[]): Buffer {
  let schemaId = seed.schemaId;
  let magic = 0;
  let p = Buffer.from(seed.payload);
  const at = (f: number) => Math.floor(f * (p.length + 1));
  for (const m of mutations) {
    switch (m.op) {
      case 'flip':
        if (p.length > 0) p[Math.min(at(m.at), p.length - 1)] = m.byte;
        break;
      case 'insert':
        p = Buffer.concat([p.subarray(0, at(m.at)), m.bytes, p.subarray(at(m.at))]);
        break;
      case 'delete':
        p = Buffer.concat([p.subarray(0, at(m.at)), p.subarray(at(m.at) + m.length)]);
        break;
      case 'truncate':
        p = p.subarray(0, at(m.at));
        break;
      case 'count':
        p = Buffer.concat([p.subarray(0, at(m.at)), varint(m.value), p.subarray(at(m.at) + m.replace)]);
        break;
      case 'schemaId':
        schemaId = m.id;
        break;
      case 'magic':
        magic = m.byte;
        break;
    }
  }
  const out = frame(schemaId, p);
  out[0] = magic;
  return out;
}

function message(key: string, value: Buffer): KafkaMessage {
  return { key: Buffer.from(key), value, offset: '42', timestamp: String(bounds.nowMs), headers: {}, attributes: 0 } as unknown as KafkaMessage;
}

describe('decoder fuzz: mutated records of every input schema', () => {
  const schemas = inputSchemas(INPUT_TOPICS.map((t) => [NESTED_IDS[t], nestedSchema(t)] as [number, string]));

  it('the unmutated seeds decode, and validate exactly when their sample does', async () => {
    const { serde } = testSerde(schemas);
    let ok = 0;
    for (const s of seeds) {
      const r = await decodeMessage(serde, s.topic, 0, message(s.key, frame(s.schemaId, s.payload)), bounds);
      expect(r.ok, `${s.topic} ${s.schemaId}: ${r.ok ? '' : r.dead.message}`).toBe(validateEvent(s.topic, s.value, bounds).ok);
      if (r.ok) ok++;
    }
    expect(ok).toBeGreaterThan(seeds.length / 2);
  });

  it(`${CASES} cases end decoded-and-validated or dead-lettered with a reason, none throws, none hangs`, async () => {
    const { serde } = testSerde(schemas);
    const outcomes = new Map<string, number>();
    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (seed, mutations) => {
        const bytes = apply(seed, mutations);
        const started = performance.now();
        const r = await decodeMessage(serde, seed.topic, 0, message(seed.key, bytes), bounds);
        const ms = performance.now() - started;
        slowest = Math.max(slowest, ms);
        expect(ms).toBeLessThan(HANG_BOUND_MS);
        if (r.ok) {
          expect(r.record.ref.topic).toBe(seed.topic);
          outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
        } else {
          expect(REASONS.has(r.dead.reason)).toBe(true);
          expect(typeof r.dead.message).toBe('string');
          expect(r.dead.value).toEqual(bytes);
          outcomes.set(r.dead.reason, (outcomes.get(r.dead.reason) ?? 0) + 1);
        }
      }),
      { numRuns: CASES, seed: Number(process.env.FUZZ_SEED ?? 20261202), endOnFailure: true },
    );
    // The mutations reach every stage, so the property says something about each.
    for (const reason of ['ok', 'BAD_FRAMING', 'UNKNOWN_SCHEMA', 'AVRO_DECODE', 'VALIDATION']) expect(outcomes.get(reason) ?? 0, reason).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(HANG_BOUND_MS);
  }, 120_000);
});
