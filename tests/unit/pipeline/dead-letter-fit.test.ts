import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { avroTypeFor, frame, unframe } from '../../../src/events/avro.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import type { DeadLetter } from '../../../src/events/types.ts';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES, RECORD_OVERHEAD_BYTES, fitDeadLetter } from '../../../src/pipeline/dead-letter-fit.ts';
import { chunkBySize, requestBytes } from '../../../src/stream/shard-producers.ts';

const type = avroTypeFor(TOPICS.dlq);
const encode = (d: DeadLetter): Buffer => frame(7, type.toBuffer(d));
const decode = (b: Buffer): DeadLetter => {
  const u = unframe(b);
  if ('error' in u) throw new Error(u.message);
  return type.fromBuffer(u.payload) as DeadLetter;
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function letter(patch: Partial<DeadLetter> = {}): DeadLetter {
  return {
    sourceTopic: TOPICS.transactions,
    sourcePartition: 3,
    sourceOffset: 12345,
    key: Buffer.from('C-1'),
    value: Buffer.from([0, 0, 0, 0, 1, 2, 3]),
    headers: { 'content-type': 'avro' },
    reason: 'VALIDATION',
    message: 'amountMinor: must be positive',
    failedAt: 1_795_000_000_000,
    ...patch,
  };
}

/** What the broker counts for a batch of this one record, over-estimated as the ingestor does. */
function recordBytes(f: ReturnType<typeof fitDeadLetter>): number {
  let n = f.value.length + (f.key?.length ?? 0) + 61 + 40;
  for (const [k, v] of Object.entries(f.headers ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(v) + 4;
  return n;
}

describe('fitDeadLetter', () => {
  it('leaves a dead letter that fits as it is, without headers', () => {
    const d = letter();
    const f = fitDeadLetter(d, encode, KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
    expect(f.headers).toBeUndefined();
    expect(f.key).toBe(d.key);
    expect(f.value.equals(encode(d))).toBe(true);
  });

  it('cuts the value of a record at the broker limit so the dead letter fits, and says so', () => {
    // The case: a 1,048,400-byte invalid event; its whole dead letter is 177 bytes larger.
    const original = Buffer.alloc(1_048_400, 0x5a);
    original.writeUInt32BE(0xdeadbeef, 100);
    const d = letter({ value: original });
    expect(encode(d).length + d.key!.length).toBeGreaterThan(KAFKA_DEFAULT_MAX_MESSAGE_BYTES - 200);
    const f = fitDeadLetter(d, encode, KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
    expect(recordBytes(f)).toBeLessThanOrEqual(KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
    expect(f.headers).toEqual({ truncated: 'true', 'original-size': '1048400', 'original-sha256': sha(original) });
    const back = decode(f.value);
    expect(back.value!.length).toBeGreaterThan(1_040_000);
    expect(back.value!.equals(original.subarray(0, back.value!.length))).toBe(true);
    expect(back.key).toEqual(d.key);
    expect(back.headers).toEqual(d.headers);
    expect(back.reason).toBe('VALIDATION');
    expect(back.message).toMatch(/^amountMinor: must be positive \(dead letter cut to fit the topic's 1048588-byte limit; see its headers\)$/);
  });

  it.each([4096, 65_536, 300_000, 1_048_588, 2_097_152])('always fits a %i-byte limit, whatever the sizes of value, headers and key', { timeout: 60_000 }, (limit) => {
    const big = (n: number, c: number) => Buffer.alloc(n, c);
    const cases: DeadLetter[] = [
      letter({ value: big(limit * 2, 1) }),
      letter({ value: big(limit, 2), headers: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`h${i}`, 'x'.repeat(Math.ceil(limit / 40))])) }),
      letter({ value: big(100, 3), key: big(limit, 0x43) }),
      letter({ value: null, key: big(limit * 3, 0x43), message: 'm'.repeat(limit) }),
    ];
    for (const d of cases) {
      const f = fitDeadLetter(d, encode, limit);
      expect(recordBytes(f)).toBeLessThanOrEqual(limit);
      expect(f.headers?.truncated).toBe('true');
      const back = decode(f.value);
      expect(back.sourceOffset).toBe(d.sourceOffset);
      if (d.value) expect(back.value!.equals(d.value.subarray(0, back.value!.length))).toBe(true);
      else expect(back.value).toBeNull();
      if (f.headers?.['original-key-size']) {
        expect(f.headers['original-key-sha256']).toBe(sha(d.key!));
        expect(f.key!.equals(d.key!.subarray(0, f.key!.length))).toBe(true);
        expect(back.key!.equals(f.key!)).toBe(true);
      }
      if (f.headers?.['original-headers-dropped']) expect(back.headers).toEqual({});
    }
  });
});

describe('requests of outputs', () => {
  it('stay under the dead-letter topic limit when it is below the default request size', () => {
    expect(requestBytes(undefined)).toBe(512 * 1024);
    expect(requestBytes(KAFKA_DEFAULT_MAX_MESSAGE_BYTES)).toBe(512 * 1024);
    expect(requestBytes(100_000)).toBe(100_000 - RECORD_OVERHEAD_BYTES);
  });

  it('count headers, and send an oversized message alone', () => {
    const m = (n: number, headers?: Record<string, string>) => ({ topic: 't', key: null, value: Buffer.alloc(n), ...(headers && { headers }) });
    expect(chunkBySize([m(400), m(400), m(400)], 1000).map((c) => c.length)).toEqual([2, 1]);
    expect(chunkBySize([m(300, { h: 'x'.repeat(300) }), m(300)], 1000).map((c) => c.length)).toEqual([1, 1]);
    expect(chunkBySize([m(10), m(5000), m(10)], 1000).map((c) => c.length)).toEqual([1, 1, 1]);
  });
});
