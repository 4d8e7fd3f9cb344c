import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../src/events/topics.ts';
import { DEFAULT_LIMITS } from '../../../src/events/validate.ts';
import { decodeMessage, keyProblem } from '../../../src/pipeline/decode.ts';
import { framed, sampleValues, testSerde, varint, withField } from '../kafka/avro-fixtures.ts';

describe('keyProblem: a record is keyed by its customerId or not applied', () => {
  it('accepts the customerId as key', () => {
    expect(keyProblem(Buffer.from('C000366'), 'C000366')).toBeUndefined();
  });

  it('refuses a missing key', () => {
    expect(keyProblem(null, 'C000366')).toBe('key: missing; records are keyed by their customerId');
    expect(keyProblem(undefined, 'C000366')).toContain('key: missing');
  });

  it('refuses another customer\'s key, saying so without either id', () => {
    const p = keyProblem(Buffer.from('C000367'), 'C000366');
    expect(p).toBe('key: does not equal the customerId of the value (key length 7)');
  });

  it('compares bytes: a key that is not UTF-8 does not match by decoding to a replacement character', () => {
    expect(keyProblem(Buffer.from([0x43, 0xff]), 'C\ufffd')).toContain('does not equal');
  });
});

describe('amounts beyond 2^53: valid Avro longs, refused by validation', () => {
  const bounds = { nowMs: Date.UTC(2026, 10, 24), maxFutureSkewMs: 300_000, maxAgeMs: 400 * 86_400_000 };
  const max = DEFAULT_LIMITS.maxAmountMinor;
  const base = sampleValues(TOPICS.transactions)[0]!;
  const message = (value: Buffer): KafkaMessage =>
    ({ key: Buffer.from(String(base.customerId)), value, offset: '7', timestamp: '0', attributes: 0, headers: {} }) as KafkaMessage;

  it.each<[string, string, bigint, string]>([
    ['an amount of 2^60', 'amountMinor', 2n ** 60n, `amountMinor: must be at most ${max}`],
    ['an amount of 2^63 - 1', 'amountMinor', 2n ** 63n - 1n, `amountMinor: must be at most ${max}`],
    ['an amount of 2^53', 'amountMinor', 2n ** 53n, `amountMinor: must be at most ${max}`],
    ['a balance of -(2^63)', 'balanceAfterMinor', -(2n ** 63n), `balanceAfterMinor: must be at least -${max}`],
  ])('%s is a VALIDATION dead letter naming the field and the limit', async (_name, field, n, text) => {
    const { serde } = testSerde();
    const bytes = framed(TOPICS.transactions, withField(TOPICS.transactions, base, field, varint(n)));
    const r = await decodeMessage(serde, TOPICS.transactions, 0, message(bytes), bounds);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.dead.reason).toBe('VALIDATION');
    expect(r.dead.message).toBe(text);
    expect(r.dead.message).not.toContain(String(n < 0n ? -n : n));
    expect(r.dead.value?.equals(bytes)).toBe(true); // the original bytes, as always
  });
});
