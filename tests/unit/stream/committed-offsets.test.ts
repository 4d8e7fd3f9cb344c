import { describe, expect, it } from 'vitest';
import { originMetadata } from '../../../src/kafka/origin.ts';
import { liveStart, readCommitted, rebuildRanges } from '../../../src/stream/committed-offsets.ts';

const read = (topic: string, partitions: { partition: number; offset: string; metadata?: string | null }[]) => ({ topic, partitions });

describe('readCommitted: where a shard stands, from an offset fetch of the group', () => {
  it('takes the shard\'s own partition of every topic, -1 where the group never committed', () => {
    const pos = readCommitted([read('tx', [{ partition: 0, offset: '5' }, { partition: 1, offset: '40' }]), read('ch', [{ partition: 1, offset: '-1' }])], 1, undefined);
    expect(Object.fromEntries(pos.committed)).toEqual({ tx: 40n, ch: -1n });
    expect(pos.origin.size).toBe(0);
    expect(pos.streamTime).toBeNull();
    expect(pos.step).toBeNull();
  });

  it('a group seeded at a start uses it (and records it as the origin) until it commits', () => {
    const startAt = { tx: [{ partition: 1, offset: '100' }], ch: [{ partition: 1, offset: '7' }] };
    const pos = readCommitted([read('tx', [{ partition: 1, offset: '-1' }]), read('ch', [{ partition: 1, offset: '9', metadata: originMetadata(7n) ?? null }])], 1, startAt);
    expect(Object.fromEntries(pos.committed)).toEqual({ tx: 100n, ch: 9n });
    expect(Object.fromEntries(pos.origin)).toEqual({ tx: 100n, ch: 7n });
  });

  it('the latest stream time wins, and the timer step comes with it', () => {
    const older = originMetadata(undefined, 1_000, { owner: 'aa', step: 3 }) ?? null;
    const newer = originMetadata(undefined, 2_000, { owner: 'bb', step: 1 }) ?? null;
    const pos = readCommitted([read('tx', [{ partition: 0, offset: '1', metadata: newer }]), read('ch', [{ partition: 0, offset: '1', metadata: older }])], 0, undefined);
    expect(pos.streamTime).toBe(2_000);
    expect(pos.step).toEqual({ owner: 'bb', step: 1 });
  });
});

describe('liveStart and rebuildRanges', () => {
  const ends = new Map([
    ['tx', { low: 10n, high: 50n }],
    ['ch', { low: 0n, high: 8n }],
  ]);

  it('a live shard starts at the committed offset, or at the partition start when retention deleted past it', () => {
    const start = liveStart(['tx', 'ch'], new Map([['tx', 4n], ['ch', 8n]]), ends);
    expect(start).toEqual([
      { topic: 'tx', from: 10n, caughtUp: false },
      { topic: 'ch', from: 8n, caughtUp: true },
    ]);
  });

  it('a rebuild replays from the later of partition start and origin up to the committed offset', () => {
    const { ranges, total } = rebuildRanges(['tx', 'ch'], new Map([['tx', 30n], ['ch', -1n]]), ends, new Map([['tx', 20n]]));
    expect(ranges).toEqual([
      { topic: 'tx', low: 20n, until: 30n },
      { topic: 'ch', low: 0n, until: 0n },
    ]);
    expect(total).toBe(10);
  });
});
