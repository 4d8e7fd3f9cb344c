import { readFileSync } from 'node:fs';
import type { types } from 'avsc';
import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, avroTypeFor, frame, schemaStringFor, unframe } from '../../../src/events/avro.ts';
import { ALL_TOPICS, SCHEMA_FILES, TOPICS, type Topic } from '../../../src/events/topics.ts';
import * as T from '../../../src/events/types.ts';

// Field names copied by hand from docs/EVENTS.md, in its order (ruleSetVersion,
// tier, triggeredAt, priority and reasons at the end of tasks and suppressions
// were added since v1 was published).
const CONTRACT_FIELDS: Record<Topic, string[]> = {
  [TOPICS.transactions]: [
    'eventId', 'customerId', 'accountId', 'occurredAt', 'type', 'amountMinor', 'currency', 'channel',
    'balanceAfterMinor', 'counterparty', 'merchantCategory', 'product', 'maskedAccountNo',
  ],
  [TOPICS.channelEvents]: ['eventId', 'customerId', 'occurredAt', 'channel', 'action', 'topic', 'attributes'],
  [TOPICS.customerProfiles]: [
    'customerId', 'updatedAt', 'birthDate', 'riskTolerance', 'riskAssessedAt', 'marketingConsent',
    'preferredChannels', 'relationshipManagerId', 'idNumber', 'fullName',
  ],
  [TOPICS.fraudCheckTasks]: [
    'taskId', 'customerId', 'transactionEventId', 'createdAt', 'dueBy', 'priority', 'amountMinor',
    'maskedAccountNo', 'reasons', 'ruleId', 'ruleVersion', 'evidence', 'suggestedScript', 'ruleSetVersion', 'tier', 'triggeredAt',
  ],
  [TOPICS.outreachTasks]: [
    'taskId', 'customerId', 'kind', 'offerCode', 'tier', 'channel', 'priority', 'createdAt', 'dueBy',
    'reasons', 'ruleId', 'ruleVersion', 'evidence', 'sourceEventIds', 'ruleSetVersion', 'triggeredAt',
  ],
  [TOPICS.suppressions]: [
    'customerId', 'ruleId', 'ruleVersion', 'kind', 'offerCode', 'reason', 'createdAt', 'evidence',
    'sourceEventIds', 'ruleSetVersion', 'priority', 'reasons', 'tier', 'triggeredAt',
  ],
  [TOPICS.dlq]: [
    'sourceTopic', 'sourcePartition', 'sourceOffset', 'key', 'value', 'headers', 'reason', 'message', 'failedAt',
  ],
};

const TIMESTAMP = { type: 'long', logicalType: 'timestamp-millis' };

interface Field {
  name: string;
  type: unknown;
  default?: unknown;
  doc?: string;
}

function rawFields(topic: Topic): Field[] {
  return (JSON.parse(readFileSync(SCHEMA_FILES[topic], 'utf8')) as { fields: Field[] }).fields;
}

// Every enum defined anywhere in a schema, by name.
function enumsOf(node: unknown, out = new Map<string, string[]>()): Map<string, string[]> {
  if (Array.isArray(node)) node.forEach((n) => enumsOf(n, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type === 'enum') out.set(o.name as string, o.symbols as string[]);
    Object.values(o).forEach((v) => enumsOf(v, out));
  }
  return out;
}

describe('schemas', () => {
  it.each(ALL_TOPICS)('%s has exactly the contract field names, each documented', (topic) => {
    const fields = rawFields(topic);
    expect(fields.map((f) => f.name)).toEqual(CONTRACT_FIELDS[topic]);
    for (const f of fields) expect(f.doc, f.name).toBeTruthy();
  });

  it.each(ALL_TOPICS)('%s: nullable fields are ["null", T] with default null', (topic) => {
    for (const f of rawFields(topic)) {
      if (Array.isArray(f.type)) {
        expect(f.type[0], f.name).toBe('null');
        expect(f.type).toHaveLength(2);
        expect(f, f.name).toHaveProperty('default', null);
      }
    }
  });

  it('uses timestamp-millis for every time field', () => {
    const timeFields = /At$|^dueBy$/;
    for (const topic of ALL_TOPICS) {
      for (const f of rawFields(topic).filter((x) => timeFields.test(x.name))) {
        const t = Array.isArray(f.type) ? f.type[1] : f.type;
        expect(t, `${topic}.${f.name}`).toEqual(TIMESTAMP);
      }
    }
  });

  it('uses long for money and bytes-or-null for the dead letter payload', () => {
    for (const topic of ALL_TOPICS) {
      for (const f of rawFields(topic).filter((x) => x.name.endsWith('Minor'))) expect(f.type).toBe('long');
    }
    const dlq = rawFields(TOPICS.dlq);
    expect(dlq.find((f) => f.name === 'key')?.type).toEqual(['null', 'bytes']);
    expect(dlq.find((f) => f.name === 'value')?.type).toEqual(['null', 'bytes']);
    expect(dlq.find((f) => f.name === 'sourceOffset')?.type).toBe('long');
  });

  it('defines enums with exactly the symbols of types.ts, identically wherever repeated', () => {
    const expected: Record<string, readonly string[]> = {
      TransactionType: T.TRANSACTION_TYPES,
      TransactionChannel: T.TRANSACTION_CHANNELS,
      ProductCategory: T.PRODUCT_CATEGORIES,
      InteractionChannel: T.INTERACTION_CHANNELS,
      ChannelAction: T.CHANNEL_ACTIONS,
      InterestTopic: T.INTEREST_TOPICS,
      Priority: T.PRIORITIES,
      OutreachKind: T.OUTREACH_KINDS,
      CustomerTier: T.CUSTOMER_TIERS,
      SuppressionReason: T.SUPPRESSION_REASONS,
      DeadLetterReason: T.DEAD_LETTER_REASONS,
    };
    const seen = new Set<string>();
    for (const topic of ALL_TOPICS) {
      for (const [name, symbols] of enumsOf(JSON.parse(readFileSync(SCHEMA_FILES[topic], 'utf8')))) {
        expect(expected[name], `${topic}: ${name}`).toBeDefined();
        expect(symbols, `${topic}: ${name}`).toEqual(expected[name]);
        seen.add(name);
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(expected).sort());
  });

  it('gives the registry a compact JSON string equal to the file', () => {
    for (const topic of ALL_TOPICS) {
      const s = schemaStringFor(topic);
      expect(s).not.toMatch(/\n/);
      expect(JSON.parse(s)).toEqual(JSON.parse(readFileSync(SCHEMA_FILES[topic], 'utf8')));
    }
  });
});

describe('avroTypeFor', () => {
  it('builds and caches one type per topic', () => {
    for (const topic of ALL_TOPICS) expect(avroTypeFor(topic)).toBe(avroTypeFor(topic));
    expect(avroTypeFor(TOPICS.transactions).name).toBe('com.carestream.v1.Transaction');
  });

  const suppression = {
    customerId: 'c1',
    ruleId: 'r',
    ruleVersion: 1,
    kind: 'CARE',
    offerCode: null,
    reason: 'COOLDOWN',
    createdAt: 1_795_311_000_000,
    evidence: {},
    sourceEventIds: [],
    ruleSetVersion: null,
  };

  it('maps timestamp-millis to epoch-millis numbers and refuses Date', () => {
    const type = avroTypeFor(TOPICS.suppressions);
    const createdAt = (type as types.RecordType).field('createdAt').type as types.LogicalType;
    expect(createdAt.typeName).toBe('logical:timestamp-millis');
    for (const ms of [-1, 2 ** 52 - 1, -(2 ** 52) + 1]) {
      expect(type.fromBuffer(type.toBuffer({ ...suppression, createdAt: ms })).createdAt).toBe(ms);
    }
    expect(type.isValid({ ...suppression, createdAt: 2 ** 52 })).toBe(false);
    expect(type.isValid({ ...suppression, createdAt: -(2 ** 52) })).toBe(false);
    expect(type.fromBuffer(type.toBuffer(suppression)).createdAt).toBe(1_795_311_000_000);
    expect(type.isValid({ ...suppression, createdAt: new Date(1_795_311_000_000) })).toBe(false);
    expect(() => type.toBuffer({ ...suppression, createdAt: new Date() })).toThrow(/epoch milliseconds/);
    expect(type.isValid({ ...suppression, createdAt: 1.5 })).toBe(false);
  });

  it('decodes nullable fields to plain values or null, not wrapped unions', () => {
    const type = avroTypeFor(TOPICS.suppressions);
    const back = type.fromBuffer(type.toBuffer({ ...suppression, offerCode: 'EDUCATION_FUND' }));
    expect(back.offerCode).toBe('EDUCATION_FUND');
    expect(type.fromBuffer(type.toBuffer(suppression)).offerCode).toBeNull();
  });

  it('uses the exact long for plain long fields', () => {
    const offsetType = (avroTypeFor(TOPICS.dlq) as types.RecordType).field('sourceOffset').type;
    expect(offsetType.typeName).toBe('abstract:long');
    expect(offsetType.fromBuffer(offsetType.toBuffer(-Number.MAX_SAFE_INTEGER))).toBe(-Number.MAX_SAFE_INTEGER);
  });
});

describe('Confluent framing', () => {
  it('frames and unframes', () => {
    const payload = Buffer.from([1, 2, 3]);
    const framed = frame(0x01020304, payload);
    expect([...framed]).toEqual([0, 1, 2, 3, 4, 1, 2, 3]);
    expect(unframe(framed)).toEqual({ schemaId: 0x01020304, payload });
  });

  it('handles the largest id, an empty payload and a Uint8Array view', () => {
    expect(unframe(frame(0xffffffff, new Uint8Array()))).toEqual({ schemaId: 0xffffffff, payload: Buffer.alloc(0) });
    const backing = new Uint8Array([9, 9, 0, 0, 0, 0, 5, 7]);
    expect(unframe(backing.subarray(2))).toEqual({ schemaId: 5, payload: Buffer.from([7]) });
  });

  it.each([0, 1, 4])('rejects a %i-byte record as BAD_FRAMING', (n) => {
    const r = unframe(Buffer.alloc(n));
    expect(r).toEqual({ error: 'BAD_FRAMING', message: expect.stringContaining(`${n} bytes`) });
  });

  it('rejects a wrong magic byte as BAD_FRAMING', () => {
    const r = unframe(Buffer.from([1, 0, 0, 0, 1, 0x02]));
    expect(r).toEqual({ error: 'BAD_FRAMING', message: 'magic byte is 1, expected 0' });
  });

  it.each([-1, 1.5, 2 ** 32, Number.NaN])('refuses schema id %s', (id) => {
    expect(() => frame(id, Buffer.alloc(0))).toThrow(RangeError);
  });

  it('has a five-byte header', () => {
    expect(FRAME_HEADER_BYTES).toBe(5);
  });
});
