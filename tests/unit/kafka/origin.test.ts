import { describe, expect, it } from 'vitest';
import { originMetadata, parseOrigin, parseStreamTime, parseTimerStep } from '../../../src/kafka/origin.ts';
import { keptStepCommitted } from '../../../src/state/local-state.ts';

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

  it('carries the last timer step: its ownership and number', () => {
    const m = originMetadata(42n, 1_780_934_400_000, { owner: '0a1b2c3d4e5f', step: 17 });
    expect(m).toBe('carestream:origin=42;st=1780934400000;ts=0a1b2c3d4e5f.17');
    expect(parseTimerStep(m)).toEqual({ owner: '0a1b2c3d4e5f', step: 17 });
    expect(parseStreamTime(m)).toBe(1_780_934_400_000);
    expect(parseTimerStep('carestream:st=5')).toBeNull();
    expect(parseTimerStep('carestream:ts=Bad.1')).toBeNull();
    expect(parseTimerStep('carestream:ts=abc.')).toBeNull();
  });
});

describe('which kept timer outputs were published', () => {
  const committed = { streamTime: 1_000, step: { owner: 'aaaa', step: 5 } };
  it('those of the last committing ownership up to its last step', () => {
    expect(keptStepCommitted('t@aaaa.5', committed)).toBe(true);
    expect(keptStepCommitted('t@aaaa.4', committed)).toBe(true);
    expect(keptStepCommitted('t@aaaa.6', committed)).toBe(false);
  });
  it('none of a later ownership that never committed, whatever its stream time', () => {
    expect(keptStepCommitted('t@bbbb.1', committed)).toBe(false);
    expect(keptStepCommitted('t@aaaa.1', { streamTime: 1_000, step: null })).toBe(false);
  });
  it('those named by stream time (the first version) up to the committed stream time', () => {
    expect(keptStepCommitted('t@1000', committed)).toBe(true);
    expect(keptStepCommitted('t@1001', committed)).toBe(false);
    expect(keptStepCommitted('t@1000', { streamTime: null, step: null })).toBe(false);
  });
});
