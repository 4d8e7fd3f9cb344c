import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, contentDigest } from '../../../src/events/digest.ts';
import { conflictMessage } from '../../../src/pipeline/process-batch.ts';
import { STATUS } from '../../../src/state/store.ts';
import { channel, tx } from '../../support/events.ts';

describe('contentDigest', () => {
  it('is 11 base64url characters (8 bytes of SHA-256)', () => {
    const d = contentDigest(tx('C1', '2026-11-20T10:00:00+08:00', { eventId: 'E1' }));
    expect(d).toMatch(/^[A-Za-z0-9_-]{11}$/);
    expect(Buffer.from(d, 'base64url')).toHaveLength(8);
  });

  it('is the same for the same content, whatever the order of keys and map entries', () => {
    const a = channel('C1', '2026-11-20T10:00:00+08:00', { eventId: 'E1', attributes: { taskId: 'T-1', outcome: 'REACHED' } });
    const reordered = Object.fromEntries(Object.entries({ ...a, attributes: { outcome: 'REACHED', taskId: 'T-1' } }).reverse());
    expect(contentDigest(reordered)).toBe(contentDigest(a));
  });

  it('differs when any field differs, an amount by one minor unit included', () => {
    const a = tx('C1', '2026-11-20T10:00:00+08:00', { eventId: 'E1', amountMinor: 100_000 });
    expect(contentDigest({ ...a, amountMinor: 100_001 })).not.toBe(contentDigest(a));
    expect(contentDigest({ ...a, counterparty: { accountRef: 'CP-2', ownAccount: false } })).not.toBe(contentDigest(a));
    expect(contentDigest({ ...a, merchantCategory: null })).not.toBe(contentDigest({ ...a, merchantCategory: '5641' }));
  });

  it('reveals nothing of the content', () => {
    const a = tx('C1', '2026-11-20T10:00:00+08:00', { eventId: 'E1', accountId: 'ACC6222021234568812' });
    expect(contentDigest(a)).not.toContain('8812');
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and leaves arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
  });
});

describe('conflictMessage', () => {
  it('names both digests and no value', () => {
    expect(conflictMessage({ status: STATUS.CONFLICT, digests: { kept: 'AAAAAAAAAAA', record: 'BBBBBBBBBBB' } }))
      .toBe('eventId: CONFLICT, seen before with other content (kept digest AAAAAAAAAAA, this record BBBBBBBBBBB); not applied');
  });
});

describe('canonicalJson', () => {
  // The first implementation, kept as the definition: the faster one must write the same text for any value.
  const reference = (value: unknown): string => {
    if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
    if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
    const obj = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(obj).sort()) if (obj[k] !== undefined) parts.push(`${JSON.stringify(k)}:${reference(obj[k])}`);
    return `{${parts.join(',')}}`;
  };

  it('writes what the reference writes, for any JSON-like value (keys with quotes and unicode, undefined fields, holes)', () => {
    fc.assert(fc.property(fc.anything({ withSparseArray: true, withNullPrototype: true }), (v) => canonicalJson(v) === reference(v)), { numRuns: 2000 });
    expect(canonicalJson(tx('C1', '2026-11-20T10:00:00+08:00', { eventId: 'E1' }))).toBe(reference(tx('C1', '2026-11-20T10:00:00+08:00', { eventId: 'E1' })));
  });
});
