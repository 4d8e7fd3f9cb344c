import { describe, expect, it } from 'vitest';
import { acceptFetched, fromKept, keptText, moveShard, newShard, nextOffsets } from '../../../src/stream/shard.ts';
import type { InputRecord, OutputMessage } from '../../../src/pipeline/process-batch.ts';
import type { QueuedRecord } from '../../../src/stream/shard-queue.ts';

const msgs = (...offsets: number[]) => offsets.map((o) => ({ offset: String(o) }));

describe('a shard takes fetched records between its floor and, while rebuilding, its ceiling', () => {
  it('live: drops what is below the floor (committed, or a stale fetch) and moves the floor past what it takes', () => {
    const shard = newShard(['tx'], 0);
    moveShard(shard, 'live');
    shard.floor.set('tx', 5n);
    expect(acceptFetched(shard, 'tx', msgs(3, 4, 5, 6)).map((m) => m.offset)).toEqual(['5', '6']);
    expect(shard.floor.get('tx')).toBe(7n);
    // The same fetch again (a seek raced it) gives nothing twice.
    expect(acceptFetched(shard, 'tx', msgs(5, 6))).toEqual([]);
    expect(shard.floor.get('tx')).toBe(7n);
  });

  it('rebuilding: nothing at or past the ceiling (the committed offset) is replayed', () => {
    const shard = newShard(['tx'], 0);
    moveShard(shard, 'rebuilding');
    shard.floor.set('tx', 0n);
    shard.ceiling.set('tx', 3n);
    expect(acceptFetched(shard, 'tx', msgs(1, 2, 3, 4)).map((m) => m.offset)).toEqual(['1', '2']);
    expect(shard.floor.get('tx')).toBe(3n);
  });
});

describe('nextOffsets and kept outputs', () => {
  it('the next offset per topic is one past the largest taken', () => {
    const rec = (topic: string, offset: number) => ({ topic, timestamp: 0, message: { topic, message: { offset: String(offset) } } }) as unknown as QueuedRecord<InputRecord>;
    expect(Object.fromEntries(nextOffsets([rec('tx', 4), rec('ch', 9), rec('tx', 2), rec('tx', 7)]))).toEqual({ tx: 8n, ch: 10n });
  });

  it('outputs kept until their timer step commits come back byte for byte', () => {
    const outputs = [
      { topic: 'care-tasks', key: 'C-9', value: Buffer.from([0, 1, 255, 7]), headers: { 'x-rule': 'R13' }, meta: { type: 'task', kind: 'outreach', rule: 'R13', eventTime: 5 } },
      { topic: 'dlq', key: null, value: Buffer.alloc(0) },
    ] satisfies OutputMessage[];
    const back = fromKept(keptText(outputs));
    expect(back).toHaveLength(2);
    expect(back[0]!.value.equals(Buffer.from([0, 1, 255, 7]))).toBe(true);
    expect(back[0]).toMatchObject({ topic: 'care-tasks', key: 'C-9', headers: { 'x-rule': 'R13' }, meta: { type: 'task', kind: 'outreach', rule: 'R13', eventTime: 5 } });
    expect(back[1]).toEqual({ topic: 'dlq', key: null, value: Buffer.alloc(0) });
  });
});
