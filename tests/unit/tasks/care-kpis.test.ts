import { describe, expect, it } from 'vitest';
import { careKpis } from '../../../src/tasks/care-kpis.ts';
import type { CareTask } from '../../../src/tasks/care-task-status.ts';

const DUE = 1_000_000;
const task = (over: Partial<CareTask>): CareTask => ({
  taskId: 'T', customerId: 'C', kind: 'FRAUD_CHECK', ruleId: 'large-outflow', priority: 'P1', tier: 'VIP', channel: 'CALL_CENTER', dueBy: DUE,
  outcome: null, lastAttempt: null, escalatedBy: null, ...over,
});

describe('careKpis', () => {
  it('counts per tier: issued, reached, fraud checks answered by dueBy, escalations, complaints, downgrades', () => {
    const k = careKpis([
      task({ outcome: { outcome: 'CONFIRMED_GENUINE', at: DUE } }), // at dueBy exactly: in time
      task({ outcome: { outcome: 'REACHED', at: DUE + 1 } }), // late
      task({ escalatedBy: 'T2' }), // past due, unanswered
      task({ dueBy: DUE + 10 }), // not due yet: timeliness unknown
      task({ kind: 'SERVICE_RECOVERY', ruleId: 'complaint-recovery' }),
      task({ kind: 'RETENTION', ruleId: 'vip-downgrade', tier: 'VIP', outcome: { outcome: 'REACHED', at: 1 } }),
      task({ tier: null }),
    ], DUE + 5);
    const vip = k.find((r) => r.tier === 'VIP')!;
    expect(vip).toMatchObject({ tasksIssued: 6, reached: 3, fraudChecksDecided: 3, fraudChecksAnsweredInTime: 1, escalations: 1, complaints: 1, vipDowngrades: 1 });
    expect(vip.reachedPercent).toBe(50);
    expect(vip.fraudChecksAnsweredInTimePercent).toBe(33.3);
    expect(k.find((r) => r.tier === 'UNKNOWN')!.tasksIssued).toBe(1);
    expect(k.find((r) => r.tier === 'POTENTIAL')).toMatchObject({ tasksIssued: 0, reachedPercent: null, fraudChecksAnsweredInTimePercent: null });
  });
});
