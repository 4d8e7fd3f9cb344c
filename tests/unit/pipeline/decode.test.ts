import { describe, expect, it } from 'vitest';
import { keyProblem } from '../../../src/pipeline/decode.ts';

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
