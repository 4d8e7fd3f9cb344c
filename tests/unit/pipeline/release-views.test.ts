import { describe, expect, it } from 'vitest';
import { releaseViews, type BatchResult } from '../../../src/pipeline/process-batch.ts';
import { STATUS } from '../../../src/state/store.ts';
import { emptyTally } from '../../../src/pipeline/tally.ts';
import type { EventView } from '../../../src/features/index.ts';

describe('releaseViews', () => {
  it("drops the features around each applied record and keeps its status, tier and digests", () => {
    const view = { outflow24h: 1 } as unknown as EventView;
    const applied = [
      { record: { ref: { topic: 't', partition: 0, offset: 1 } }, outcome: { status: STATUS.APPLIED, before: view, after: view, tier: 'VIP' } },
      { record: { ref: { topic: 't', partition: 0, offset: 2 } }, outcome: { status: STATUS.CONFLICT, digests: { kept: 'a', record: 'b' } } },
      { record: { ref: { topic: 't', partition: 0, offset: 3 } }, outcome: { status: STATUS.APPLIED, after: view } },
    ] as unknown as BatchResult['applied'];
    const second = applied[1]!.outcome;
    releaseViews({ outputs: [], tally: emptyTally(), applied, customers: new Map() });
    expect(applied.map((a) => a.outcome)).toEqual([{ status: STATUS.APPLIED, tier: 'VIP' }, { status: STATUS.CONFLICT, digests: { kept: 'a', record: 'b' } }, { status: STATUS.APPLIED }]);
    // An outcome without views is left as it was.
    expect(applied[1]!.outcome).toBe(second);
    expect(applied.map((a) => a.record.ref.offset)).toEqual([1, 2, 3]);
  });
});
