import { describe, expect, it } from 'vitest';
import { LagTracker } from '../../../src/observability/lag.ts';

describe('LagTracker', () => {
  it('is the high watermark minus the committed offset, once both are known', () => {
    const t = new LagTracker();
    expect(t.fetched('tx', 2, 100n)).toBeUndefined();
    expect(t.committedOffsets(2, new Map([['tx', 40n]]))).toEqual([{ topic: 'tx', partition: 2, lag: 60 }]);
    expect(t.fetched('tx', 2, 150n)).toEqual({ topic: 'tx', partition: 2, lag: 110 });
    expect(t.committedOffsets(2, new Map([['tx', 150n]]))).toEqual([{ topic: 'tx', partition: 2, lag: 0 }]);
    expect(t.total()).toBe(0);
  });

  it('never moves the watermark or the committed offset back, and counts partitions apart', () => {
    const t = new LagTracker();
    t.fetched('tx', 0, 100n);
    t.fetched('tx', 0, 90n);
    t.committedOffsets(0, new Map([['tx', 50n]]));
    t.committedOffsets(0, new Map([['tx', 30n]]));
    t.fetched('ch', 1, 10n);
    t.committedOffsets(1, new Map([['ch', 5n]]));
    expect(t.all()).toEqual([{ topic: 'tx', partition: 0, lag: 50 }, { topic: 'ch', partition: 1, lag: 5 }]);
    expect(t.total()).toBe(55);
  });

  it('takes a commit beyond the last fetched watermark as the watermark (no negative lag)', () => {
    const t = new LagTracker();
    t.fetched('tx', 0, 10n);
    expect(t.committedOffsets(0, new Map([['tx', 12n]]))).toEqual([{ topic: 'tx', partition: 0, lag: 0 }]);
  });

  it('forgets everything at a rebalance', () => {
    const t = new LagTracker();
    t.fetched('tx', 0, 10n);
    t.committedOffsets(0, new Map([['tx', 2n]]));
    t.reset();
    expect(t.all()).toEqual([]);
  });
});
