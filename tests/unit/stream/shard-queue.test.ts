import { describe, expect, it } from 'vitest';
import { ShardQueue } from '../../../src/stream/shard-queue.ts';

const T = ['tx', 'ch', 'pr'];
const recs = (...ts: number[]) => ts.map((t) => ({ timestamp: t, message: t }));

describe('ShardQueue: records of one shard in time order across topics', () => {
  it('merges by timestamp once every topic has data or is caught up', () => {
    const q = new ShardQueue<number>(T, 0);
    q.push('tx', recs(5, 10, 30), false);
    expect(q.take(10, 0, 1000)).toEqual([]); // ch and pr may still bring older records
    q.push('ch', recs(7, 20), true);
    q.push('pr', recs(1), true);
    // ch and pr are caught up once empty, so tx's own later records follow
    expect(q.take(10, 1, 1000).map((r) => r.message)).toEqual([1, 5, 7, 10, 20, 30]);
    expect(q.take(10, 2, 1000)).toEqual([]);
  });

  it('stops when a topic that is not caught up runs dry, and goes on after the idle wait', () => {
    const q = new ShardQueue<number>(T, 0);
    q.push('tx', recs(1, 2, 3), false);
    q.push('ch', recs(2), false);
    q.push('pr', [], true);
    expect(q.take(10, 0, 1000).map((r) => r.message)).toEqual([1, 2, 2]); // ch ran dry: wait for it
    expect(q.take(10, 500, 1000)).toEqual([]);
    expect(q.retryAt(1000)).toBe(1000);
    expect(q.take(10, 1000, 1000).map((r) => r.message)).toEqual([3]);
  });

  it('keeps arrival order for equal timestamps and reports the oldest queued record', () => {
    const q = new ShardQueue<string>(T, 3);
    q.push('tx', [{ timestamp: 5, message: 'a' }, { timestamp: 5, message: 'b' }], true);
    q.push('ch', [{ timestamp: 5, message: 'c' }], true);
    q.push('pr', [], true);
    expect(q.head('ch')).toBe('c');
    expect(q.take(2, 0, 0).map((r) => r.message)).toEqual(['a', 'b']);
    expect(q.size).toBe(1);
    expect(q.take(5, 0, 0).map((r) => `${r.message}@${r.partition}`)).toEqual(['c@3']);
    expect(q.head('ch')).toBeUndefined();
  });
});
