import { describe, expect, it } from 'vitest';
import { settledOffsets, type OffsetRead } from '../../../src/kafka/settled-offsets.ts';

const at = (tx: string, ch: string, other = '9'): OffsetRead[] => [
  { topic: 'tx', partitions: [{ partition: 3, offset: tx }, { partition: 4, offset: other }] },
  { topic: 'ch', partitions: [{ partition: 3, offset: ch }] },
];

function reader(answers: OffsetRead[][]) {
  let i = 0;
  const waits: number[] = [];
  return { read: async () => answers[Math.min(i++, answers.length - 1)]!, reads: () => i, waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe('settledOffsets', () => {
  it('reads twice and returns when the partition\'s offsets agree', async () => {
    const r = reader([at('40', '10'), at('40', '10')]);
    const s = await settledOffsets(r.read, 3, { waitMs: 250, maxReads: 5, sleep: r.sleep });
    expect(s.reads).toBe(2);
    expect(r.waits).toEqual([250]);
    expect(s.offsets).toEqual(at('40', '10'));
  });

  it('keeps reading while a committed transaction\'s offsets are still being materialised, and takes the settled ones', async () => {
    const r = reader([at('40', '10'), at('44', '10'), at('44', '12'), at('44', '12')]);
    const s = await settledOffsets(r.read, 3, { waitMs: 100, maxReads: 10, sleep: r.sleep });
    expect(s.reads).toBe(4);
    expect(s.offsets).toEqual(at('44', '12'));
  });

  it('looks at its own partition only: another partition moving does not keep it reading', async () => {
    const r = reader([at('40', '10', '1'), at('40', '10', '2')]);
    expect((await settledOffsets(r.read, 3, { waitMs: 100, maxReads: 5, sleep: r.sleep })).reads).toBe(2);
  });

  it('stops after maxReads with the last read when the offsets never agree', async () => {
    const r = reader([at('1', '0'), at('2', '0'), at('3', '0'), at('4', '0')]);
    const s = await settledOffsets(r.read, 3, { waitMs: 100, maxReads: 3, sleep: r.sleep });
    expect(s.reads).toBe(3);
    expect(s.offsets).toEqual(at('3', '0'));
  });
});
