import { describe, expect, it } from 'vitest';
import { accountChunk } from '../../../src/observability/chunk-account.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { applied, input, output } from './fixtures.ts';

describe('accountChunk', () => {
  it('splits each topic into applied, dead-lettered by reason and skipped (the rest)', () => {
    const records = [
      input(TOPICS.transactions, 1, 0), input(TOPICS.transactions, 2, 0), input(TOPICS.transactions, 3, 0), input(TOPICS.transactions, 4, 0),
      input(TOPICS.channelEvents, 1, 0), input(TOPICS.customerProfiles, 1, 0),
    ];
    const a = accountChunk(records, applied(TOPICS.transactions, TOPICS.channelEvents), [
      output({ type: 'dead-letter', sourceTopic: TOPICS.transactions, reason: 'LATE' }),
      output({ type: 'dead-letter', sourceTopic: TOPICS.transactions, reason: 'VALIDATION' }),
    ]);
    expect(a.records).toBe(6);
    expect(a.byTopic.get(TOPICS.transactions)).toEqual({ consumed: 4, applied: 1, skipped: 1, deadLettered: { LATE: 1, VALIDATION: 1 } });
    expect(a.byTopic.get(TOPICS.channelEvents)).toEqual({ consumed: 1, applied: 1, skipped: 0, deadLettered: {} });
    expect(a.byTopic.get(TOPICS.customerProfiles)).toEqual({ consumed: 1, applied: 0, skipped: 1, deadLettered: {} });
  });

  it('lists tasks and suppressions by their labels and ignores outputs without metadata', () => {
    const a = accountChunk([], { applied: [] }, [
      output({ type: 'task', kind: 'fraud_check', rule: 'large-outflow', eventTime: 1000 }),
      output({ type: 'task', kind: 'outreach', rule: 'complaint-recovery', eventTime: undefined }),
      output({ type: 'suppression', rule: 'mortgage-interest', reason: 'NO_CONSENT' }),
      { topic: 'other', key: null, value: Buffer.alloc(0) },
    ]);
    expect(a.tasks).toEqual([
      { rule: 'large-outflow', kind: 'fraud_check', eventTime: 1000 },
      { rule: 'complaint-recovery', kind: 'outreach', eventTime: undefined },
    ]);
    expect(a.suppressions).toEqual([{ rule: 'mortgage-interest', reason: 'NO_CONSENT' }]);
  });
});
