import { describe, expect, it } from 'vitest';
import { avroTypeFor } from '../../../src/events/avro.ts';
import {
  JsonFormError,
  defaultKey,
  formatReplayLine,
  fromJsonForm,
  parseReplayLine,
  toJsonForm,
} from '../../../src/events/json-form.ts';
import { ALL_TOPICS, TOPICS, type Topic } from '../../../src/events/topics.ts';
import { PLANTED_ID_NUMBER, PLANTED_NAME, SAMPLES } from './samples.ts';

const cases = ALL_TOPICS.flatMap((topic) => SAMPLES[topic].map((sample, i) => [topic, i, sample] as const));

function thrown(fn: () => unknown): JsonFormError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(JsonFormError);
    return err as JsonFormError;
  }
  throw new Error('expected a JsonFormError');
}

describe('JSON form round trip', () => {
  it('has a sample for every topic', () => {
    for (const topic of ALL_TOPICS) expect(SAMPLES[topic].length, topic).toBeGreaterThan(0);
  });

  it.each(cases)('%s sample %i: JSON -> avro -> JSON is exact', (topic, _i, sample) => {
    const type = avroTypeFor(topic);
    const decoded = fromJsonForm(topic, sample);
    expect(type.isValid(decoded)).toBe(true);
    const back = toJsonForm(topic, type.fromBuffer(type.toBuffer(decoded)));
    expect(back).toEqual(sample);
    // Same key order too: tail output is stable and diffable.
    expect(JSON.stringify(back)).toBe(JSON.stringify(sample));
  });

  it('decodes timestamps to epoch millis, bytes to Buffer, nulls to null', () => {
    const tx = fromJsonForm(TOPICS.transactions, SAMPLES[TOPICS.transactions][0]);
    expect(tx.occurredAt).toBe(Date.UTC(2026, 10, 22, 1, 30));
    expect(tx.product).toBeNull();
    const dlq = fromJsonForm(TOPICS.dlq, SAMPLES[TOPICS.dlq][0]);
    expect(Buffer.isBuffer(dlq.key)).toBe(true);
    expect(dlq.key?.toString()).toBe('cust-0001');
  });

  it('accepts any offset and writes the requested zone', () => {
    const sample = { ...SAMPLES[TOPICS.transactions][0], occurredAt: '2026-11-22T01:30:00Z' };
    const decoded = fromJsonForm(TOPICS.transactions, sample);
    expect(toJsonForm(TOPICS.transactions, decoded).occurredAt).toBe('2026-11-22T09:30:00+08:00');
    expect(toJsonForm(TOPICS.transactions, decoded, 'Europe/Berlin').occurredAt).toBe('2026-11-22T02:30:00+01:00');
  });

  it('shows an input amount beyond 2^53 (a bigint from the decoder) as a JSON number, so tail prints the record', () => {
    const decoded = { ...fromJsonForm(TOPICS.transactions, SAMPLES[TOPICS.transactions][0]), amountMinor: 2n ** 60n };
    expect(JSON.parse(JSON.stringify(toJsonForm(TOPICS.transactions, decoded))).amountMinor).toBe(2 ** 60);
  });

  it('fills fields that have defaults when absent (the additive ruleSetVersion)', () => {
    const { ruleSetVersion: _omit, ...older } = SAMPLES[TOPICS.fraudCheckTasks][0]!;
    expect(fromJsonForm(TOPICS.fraudCheckTasks, older).ruleSetVersion).toBeNull();
  });
});

describe('fromJsonForm errors name the field, never the value', () => {
  const tx = SAMPLES[TOPICS.transactions][0]!;
  const profile = SAMPLES[TOPICS.customerProfiles][0]!;

  it.each<[Topic, string, Record<string, unknown>, RegExp]>([
    [TOPICS.transactions, 'amountMinor', { ...tx, amountMinor: '500' }, /integer/],
    [TOPICS.transactions, 'amountMinor', { ...tx, amountMinor: 2 ** 53 }, /integer/],
    [TOPICS.transactions, 'occurredAt', { ...tx, occurredAt: 1795311000000 }, /ISO-8601/],
    [TOPICS.transactions, 'occurredAt', { ...tx, occurredAt: '2026-11-22T09:30:00' }, /offset/],
    [TOPICS.transactions, 'type', { ...tx, type: 'REFUND' }, /one of TRANSFER_OUT/],
    [TOPICS.transactions, 'counterparty.ownAccount', { ...tx, counterparty: { accountRef: 'x' } }, /required/],
    [TOPICS.transactions, 'counterparty', { ...tx, counterparty: 'cp-1' }, /object/],
    [TOPICS.transactions, 'eventId', { ...tx, eventId: undefined }, /required/],
    [TOPICS.transactions, 'amountMnor', { ...tx, amountMnor: 1 }, /unknown field/],
    [TOPICS.customerProfiles, 'riskTolerance', { ...profile, riskTolerance: 2 ** 31 }, /32-bit/],
    [TOPICS.customerProfiles, 'preferredChannels[1]', { ...profile, preferredChannels: ['APP', 'ATM'] }, /one of/],
    [TOPICS.customerProfiles, 'marketingConsent', { ...profile, marketingConsent: 'yes' }, /true or false/],
    [TOPICS.customerProfiles, 'idNumber', { ...profile, idNumber: 110101199003078515 }, /string/],
    [TOPICS.channelEvents, 'attributes.note', { ...SAMPLES[TOPICS.channelEvents][0], attributes: { note: 7 } }, /string/],
    [TOPICS.dlq, 'value', { ...SAMPLES[TOPICS.dlq][0], value: 'not base64!' }, /base64/],
    [TOPICS.dlq, 'sourcePartition', { ...SAMPLES[TOPICS.dlq][0], sourcePartition: 1.5 }, /32-bit/],
  ])('%s: bad %s', (topic, field, input, problem) => {
    const err = thrown(() => fromJsonForm(topic, input));
    expect(err.field).toBe(field);
    expect(err.message).toContain(`${topic} ${field}: `);
    expect(err.message).toMatch(problem);
  });

  it('keeps planted personal data out of messages', () => {
    const bad = [
      { ...profile, fullName: null },
      { ...profile, birthDate: Number(PLANTED_ID_NUMBER) },
      { ...profile, [PLANTED_ID_NUMBER]: PLANTED_NAME },
      { ...profile, preferredChannels: [PLANTED_NAME] },
    ];
    for (const input of bad) {
      const err = thrown(() => fromJsonForm(TOPICS.customerProfiles, input));
      expect(err.message).not.toContain(PLANTED_ID_NUMBER);
      expect(err.message).not.toContain(PLANTED_NAME);
      expect(err.message).not.toContain('110101');
    }
    const mapKey = thrown(() =>
      fromJsonForm(TOPICS.channelEvents, { ...SAMPLES[TOPICS.channelEvents][0], attributes: { [PLANTED_ID_NUMBER]: 1 } }),
    );
    expect(mapKey.field).toBe('attributes[?]');
    expect(mapKey.message).not.toContain(PLANTED_ID_NUMBER);
  });

  it('refuses non-objects', () => {
    expect(thrown(() => fromJsonForm(TOPICS.transactions, null)).field).toBe('(root)');
    expect(thrown(() => fromJsonForm(TOPICS.transactions, [tx])).field).toBe('(root)');
  });
});

describe('replay lines', () => {
  const tx = SAMPLES[TOPICS.transactions][0]!;

  it('parses a line, defaulting the key to customerId', () => {
    const rec = parseReplayLine(JSON.stringify({ topic: TOPICS.transactions, value: tx }));
    expect(rec.topic).toBe(TOPICS.transactions);
    expect(rec.key).toBe('cust-0001');
    expect(rec.value).toEqual(fromJsonForm(TOPICS.transactions, tx));
  });

  it('honours an explicit key, including null', () => {
    expect(parseReplayLine(JSON.stringify({ topic: TOPICS.transactions, key: 'k1', value: tx })).key).toBe('k1');
    expect(parseReplayLine(JSON.stringify({ topic: TOPICS.transactions, key: null, value: tx })).key).toBeNull();
  });

  it('keys a dead letter by its original key when that is UTF-8', () => {
    const [withKey, withoutKey] = SAMPLES[TOPICS.dlq];
    expect(parseReplayLine(JSON.stringify({ topic: TOPICS.dlq, value: withKey })).key).toBe('cust-0001');
    expect(parseReplayLine(JSON.stringify({ topic: TOPICS.dlq, value: withoutKey })).key).toBeNull();
    const binaryKey = { ...withKey, key: Buffer.from([0xff, 0xfe]).toString('base64') };
    expect(defaultKey(TOPICS.dlq, fromJsonForm(TOPICS.dlq, binaryKey))).toBeNull();
  });

  it.each(cases)('%s sample %i: format -> parse -> format is stable', (topic, _i, sample) => {
    const value = fromJsonForm(topic, sample);
    const line = formatReplayLine({ topic, value });
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ topic, value: sample });
    const rec = parseReplayLine(line);
    expect(formatReplayLine(rec)).toBe(line);
  });

  it('writes "key" only when it differs from the default', () => {
    const value = fromJsonForm(TOPICS.transactions, tx);
    expect(JSON.parse(formatReplayLine({ topic: TOPICS.transactions, key: 'cust-0001', value }))).not.toHaveProperty('key');
    const line = formatReplayLine({ topic: TOPICS.transactions, key: 'other', value });
    expect(line.startsWith('{"topic":"bank.transactions.v1","key":"other","value":{')).toBe(true);
  });

  it("reads a tail line's partition, offset and timestamp and produces without them", () => {
    const value = fromJsonForm(TOPICS.transactions, tx);
    const line = formatReplayLine({ topic: TOPICS.transactions, key: 'other', value }, 'Asia/Shanghai', { partition: 3, offset: '9007199254740993', timestamp: Date.UTC(2026, 10, 22, 1, 30) });
    expect(line.startsWith('{"topic":"bank.transactions.v1","partition":3,"offset":"9007199254740993","timestamp":"2026-11-22T09:30:00+08:00","key":"other","value":{')).toBe(true);
    expect(parseReplayLine(line)).toEqual({ topic: TOPICS.transactions, key: 'other', value });
  });

  it.each([
    ['not JSON', `{"topic": "${PLANTED_ID_NUMBER}`, '(line)'],
    ['not an object', '[1]', '(line)'],
    ['unknown topic', JSON.stringify({ topic: 'bank.transactions.v2', value: tx }), 'topic'],
    ['missing topic', JSON.stringify({ value: tx }), 'topic'],
    ['missing value', JSON.stringify({ topic: TOPICS.transactions }), 'value'],
    ['bad key', JSON.stringify({ topic: TOPICS.transactions, key: 7, value: tx }), 'key'],
    ['extra field', JSON.stringify({ topic: TOPICS.transactions, value: tx, headers: {} }), 'headers'],
    ['bad partition', JSON.stringify({ topic: TOPICS.transactions, value: tx, partition: -1 }), 'partition'],
    ['bad offset', JSON.stringify({ topic: TOPICS.transactions, value: tx, offset: 12 }), 'offset'],
    ['bad timestamp', JSON.stringify({ topic: TOPICS.transactions, value: tx, timestamp: 1_700_000_000_000 }), 'timestamp'],
    ['bad value', JSON.stringify({ topic: TOPICS.transactions, value: { ...tx, currency: 156 } }), 'currency'],
  ])('refuses a line with %s', (_what, line, field) => {
    const err = thrown(() => parseReplayLine(line));
    expect(err.field).toBe(field);
    expect(err.message).not.toContain(PLANTED_ID_NUMBER);
  });
});
