import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { avroTypeFor, avroTypeForSchema, frame } from '../../../src/events/avro.ts';
import { avroShapeOf, checkAvroPayload } from '../../../src/events/avro-guard.ts';
import { INPUT_TOPICS, TOPICS, type InputTopic } from '../../../src/events/topics.ts';
import { DECODE_DEFAULTS } from '../../../src/config.ts';
import { SCHEMA_IDS, framed, inputSchemas, sampleValues, schemaText, stringFields, testSerde, varint, withField } from './avro-fixtures.ts';

// The bombs of issue 11: declared counts and lengths that avsc trusts. Each
// must come back as an AVRO_DECODE refusal at once (the bound below is
// against a hang, the unguarded decode takes seconds or never ends).
const HANG_BOUND_MS = 1_000;
const COUNTS = [2n ** 31n, 2n ** 62n, 10n ** 8n, 5n * 10n ** 8n, 2n ** 63n - 1n];

async function refused(topic: InputTopic, payload: Buffer, serde = testSerde().serde, schemaId = SCHEMA_IDS[topic]): Promise<string> {
  const started = performance.now();
  const d = await serde.decode(topic, frame(schemaId, payload));
  expect(performance.now() - started).toBeLessThan(HANG_BOUND_MS);
  expect(d.ok).toBe(false);
  if (d.ok) throw new Error('decoded');
  expect(d.reason).toBe('AVRO_DECODE');
  return d.message;
}

describe('the samples still decode through the guard', () => {
  it.each(INPUT_TOPICS)('%s', async (topic) => {
    const { serde } = testSerde();
    for (const v of sampleValues(topic)) {
      const d = await serde.decode(topic, framed(topic, avroTypeFor(topic).toBuffer(v)));
      expect(d).toMatchObject({ ok: true, value: v, schemaId: SCHEMA_IDS[topic] });
    }
  });
});

describe('map and array bombs (channel attributes, profile preferredChannels)', () => {
  const cases: [InputTopic, string, Buffer][] = [
    [TOPICS.channelEvents, 'attributes', Buffer.from([2, 0x61, 2, 0x62])], // one entry "a" -> "b" follows the count
    [TOPICS.customerProfiles, 'preferredChannels', Buffer.from([0, 2])], // two enum indexes follow
  ];
  for (const [topic, field, tail] of cases) {
    const value = sampleValues(topic)[0]!;
    it.each(COUNTS.map(String))(`${topic} ${field} declaring %s items`, async (n) => {
      const message = await refused(topic, withField(topic, value, field, Buffer.concat([varint(BigInt(n)), tail, Buffer.from([0])])));
      expect(message).toMatch(new RegExp(`declares ${Number(BigInt(n))} items of at least \\d bytes, but \\d+ bytes are left`));
    });
    it.each(COUNTS.map(String))(`${topic} ${field} declaring -%s items (negative count with a byte size)`, async (n) => {
      const message = await refused(topic, withField(topic, value, field, Buffer.concat([varint(-BigInt(n)), varint(tail.length), tail, Buffer.from([0])])));
      expect(message).toMatch(/declares \d+ items of at least \d bytes/);
    });
    it(`${topic} ${field}: a negative count whose byte size is larger than what is left`, async () => {
      const message = await refused(topic, withField(topic, value, field, Buffer.concat([varint(-1), varint(2n ** 62n), tail, Buffer.from([0])])));
      expect(message).toMatch(/declares \d+ bytes, but \d+ are left/);
    });
    it(`${topic} ${field}: a negative count whose byte size does not match its items`, async () => {
      const message = await refused(topic, withField(topic, value, field, Buffer.concat([varint(-1), varint(tail.length + 1), tail, Buffer.from([0])])));
      expect(message).toMatch(/declares \d+ bytes but its items take/);
    });
    it(`${topic} ${field}: many honest blocks whose total passes the item limit`, async () => {
      const { serde } = testSerde(inputSchemas(), { limits: { ...DECODE_DEFAULTS, maxItems: 10 } });
      const blocks = Buffer.concat(Array.from({ length: 11 }, () => Buffer.concat([varint(1), tail.subarray(0, field === 'attributes' ? 4 : 1)])));
      const message = await refused(topic, withField(topic, value, field, Buffer.concat([blocks, Buffer.from([0])])), serde);
      expect(message).toMatch(/more than 10 \(MAX_DECODED_ITEMS\)/);
    });
  }

  it('a valid negative-count block still decodes', async () => {
    const topic = TOPICS.channelEvents;
    const value = { ...sampleValues(topic)[0]!, attributes: { a: 'b' } };
    const entry = Buffer.from([2, 0x61, 2, 0x62]);
    const d = await testSerde().serde.decode(topic, framed(topic, withField(topic, value, 'attributes', Buffer.concat([varint(-1), varint(entry.length), entry, Buffer.from([0])]))));
    expect(d).toMatchObject({ ok: true, value });
  });
});

describe('string and bytes lengths, every string field of every input schema', () => {
  for (const topic of INPUT_TOPICS) {
    const value = sampleValues(topic)[0]!;
    for (const field of stringFields(topic)) {
      it.each([...COUNTS, -1n, -(2n ** 62n)].map(String))(`${topic} ${field} declaring length %s`, async (n) => {
        const message = await refused(topic, withField(topic, value, field, Buffer.concat([varint(BigInt(n)), Buffer.from('abc')])));
        expect(message).toMatch(/declares (\d+ bytes, but \d+ are left|a negative length)/);
      });
    }
  }
});

describe('nested bombs in writer schemas the reader skips or reads', () => {
  // Writer versions of the input schemas with an extra trailing field: the
  // reader skips it (avsc's skip path), so the guard must walk writer shapes.
  const variant = (topic: InputTopic, extra: unknown): string => {
    const s = JSON.parse(schemaText(topic)) as { fields: unknown[] };
    s.fields.push({ name: 'extra', type: extra });
    return JSON.stringify(s);
  };
  const NESTED = { type: 'array', items: { type: 'map', values: { type: 'array', items: 'null' } } };
  const EMPTY_RECORDS = { type: 'array', items: { type: 'record', name: 'Empty', fields: [] } };
  const RECURSIVE = ['null', { type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] }];
  const ids = new Map<number, string>();
  INPUT_TOPICS.forEach((t, i) => {
    ids.set(300 + i, variant(t, NESTED));
    ids.set(310 + i, variant(t, EMPTY_RECORDS));
    ids.set(320 + i, variant(t, RECURSIVE));
  });
  const serdeOf = () => testSerde(inputSchemas(ids)).serde;
  const plain = (topic: InputTopic): Buffer => avroTypeFor(topic).toBuffer(sampleValues(topic)[0]);

  it.each(INPUT_TOPICS)('%s: the variants decode honest records into the reader shape', async (topic) => {
    const i = INPUT_TOPICS.indexOf(topic);
    const serde = serdeOf();
    const nested = Buffer.concat([plain(topic), varint(1), varint(1), Buffer.from([2, 0x6b]), varint(3), Buffer.from([0, 0, 0])]); // [{k: [null, null, null]}]
    expect(await serde.decode(topic, frame(300 + i, nested))).toMatchObject({ ok: true, value: sampleValues(topic)[0] });
    const chain = Buffer.concat([plain(topic), Buffer.from([2, 2, 2, 0])]); // three nodes
    expect(await serde.decode(topic, frame(320 + i, chain))).toMatchObject({ ok: true });
  });

  for (const topic of INPUT_TOPICS) {
    const i = INPUT_TOPICS.indexOf(topic);
    it.each(COUNTS.map(String))(`${topic}: zero-byte items (null) nested in array > map > array, declaring %s`, async (n) => {
      const bomb = Buffer.concat([plain(topic), varint(1), varint(1), Buffer.from([2, 0x6b]), varint(BigInt(n)), Buffer.from([0, 0])]);
      expect(await refused(topic, bomb, serdeOf(), 300 + i)).toMatch(/MAX_DECODED_ITEMS/);
    });
    it.each(COUNTS.map(String))(`${topic}: the outer array of maps declaring %s`, async (n) => {
      const bomb = Buffer.concat([plain(topic), varint(BigInt(n)), varint(1), Buffer.from([2, 0x6b]), varint(1), Buffer.from([0, 0])]);
      expect(await refused(topic, bomb, serdeOf(), 300 + i)).toMatch(/declares \d+ items of at least 1 bytes/);
    });
    it.each(COUNTS.map(String))(`${topic}: empty records declaring %s`, async (n) => {
      const bomb = Buffer.concat([plain(topic), varint(BigInt(n)), Buffer.from([0])]);
      expect(await refused(topic, bomb, serdeOf(), 310 + i)).toMatch(/MAX_DECODED_ITEMS/);
    });
    it(`${topic}: a recursive record nested 100,000 deep`, async () => {
      const bomb = Buffer.concat([plain(topic), Buffer.alloc(100_000, 2), Buffer.from([0])]);
      expect(await refused(topic, bomb, serdeOf(), 320 + i)).toMatch(/MAX_DECODED_DEPTH/);
    });
  }
});

describe('the decoded-size bound', () => {
  it('refuses a record whose strings exceed MAX_DECODED_BYTES and accepts it under the default', async () => {
    const topic = TOPICS.channelEvents;
    const value = { ...sampleValues(topic)[0]!, attributes: { note: 'x'.repeat(4000) } };
    const bytes = framed(topic, withField(topic, value, 'attributes', avro.Type.forSchema({ type: 'map', values: 'string' }).toBuffer(value.attributes)));
    const small = testSerde(inputSchemas(), { limits: { ...DECODE_DEFAULTS, maxDecodedBytes: 2048 } }).serde;
    expect(await refused(topic, bytes.subarray(5), small)).toMatch(/exceed 2048 bytes \(MAX_DECODED_BYTES\)/);
    expect(await testSerde().serde.decode(topic, bytes)).toMatchObject({ ok: true, value });
  });
});

describe('avroShapeOf and checkAvroPayload', () => {
  it('gives minimum sizes to collection items, counting unions and records', () => {
    const shape = avroShapeOf(avroTypeForSchema({ type: 'array', items: { type: 'record', name: 'R', fields: [{ name: 'a', type: 'double' }, { name: 'b', type: ['null', 'string'] }] } }));
    expect(shape).toMatchObject({ kind: 'array', itemMinBytes: 9 });
    // 3 items of at least 9 bytes cannot fit in 20 bytes.
    expect(checkAvroPayload(Buffer.concat([varint(3), Buffer.alloc(20)]), shape, DECODE_DEFAULTS)).toMatch(/declares 3 items of at least 9 bytes, but 20 bytes are left/);
  });

  it('refuses varints longer than 10 bytes and truncated ones', () => {
    const shape = avroShapeOf(avroTypeForSchema('long'));
    expect(checkAvroPayload(Buffer.alloc(11, 0xff), shape, DECODE_DEFAULTS)).toMatch(/longer than 10 bytes/);
    expect(checkAvroPayload(Buffer.from([0x80]), shape, DECODE_DEFAULTS)).toMatch(/truncated varint/);
  });

  it('refuses enum and union indexes outside the schema', () => {
    expect(checkAvroPayload(varint(8), avroShapeOf(avroTypeForSchema({ type: 'enum', name: 'E', symbols: ['A', 'B'] })), DECODE_DEFAULTS)).toMatch(/enum index 8/);
    expect(checkAvroPayload(varint(-1), avroShapeOf(avroTypeForSchema(['null', 'string'])), DECODE_DEFAULTS)).toMatch(/union index -1/);
  });
});

