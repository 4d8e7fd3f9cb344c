import { describe, expect, it } from 'vitest';
import { originMetadata, parseOrigin, parseStreamTime } from '../../../src/kafka/origin.ts';

describe('offset commit metadata', () => {
  it('carries the origin, the stream time, both or neither', () => {
    expect(originMetadata(undefined)).toBeUndefined();
    expect(originMetadata(undefined, null)).toBeUndefined();
    expect(originMetadata(42n)).toBe('carestream:origin=42');
    expect(originMetadata(undefined, 1_780_934_400_000)).toBe('carestream:st=1780934400000');
    const both = originMetadata(42n, 1_780_934_400_000);
    expect(both).toBe('carestream:origin=42;st=1780934400000');
    expect(parseOrigin(both)).toBe(42n);
    expect(parseStreamTime(both)).toBe(1_780_934_400_000);
  });

  it('reads what earlier versions wrote, and nothing from foreign metadata', () => {
    expect(parseOrigin('carestream:origin=7')).toBe(7n);
    expect(parseStreamTime('carestream:origin=7')).toBeNull();
    expect(parseOrigin('other:origin=7')).toBeUndefined();
    expect(parseStreamTime(null)).toBeNull();
    expect(parseStreamTime('carestream:st=soon')).toBeNull();
    expect(parseOrigin('carestream:origin=-1')).toBeUndefined();
  });
});
