import { describe, expect, it } from 'vitest';
import { careTaskStatus, isAnswering, timeLeftMs } from '../../../src/tasks/care-task-status.ts';
import { careTaskUpdates, careTaskUpdatesOfRestore, outcomeOf } from '../../../src/pipeline/care-task-updates.ts';
import type { ChannelEvent, FraudCheckTask, OutreachTask } from '../../../src/events/types.ts';

const DUE = Date.parse('2026-11-11T14:20:00+08:00');
const open = { dueBy: DUE, outcome: null, escalatedBy: null };

describe('careTaskStatus', () => {
  it('is open before dueBy and at dueBy exactly, overdue one millisecond after', () => {
    expect(careTaskStatus(open, DUE - 3_600_000)).toBe('open');
    expect(careTaskStatus(open, DUE)).toBe('open');
    expect(careTaskStatus(open, DUE + 1)).toBe('overdue');
  });

  it('is answered once an answering outcome is recorded, even past dueBy or after an escalation', () => {
    const answered = { ...open, outcome: { outcome: 'REACHED' as const, at: DUE + 60_000 } };
    expect(careTaskStatus(answered, DUE + 86_400_000)).toBe('answered');
    expect(careTaskStatus({ ...answered, escalatedBy: 'T-esc' }, DUE + 86_400_000)).toBe('answered');
  });

  it('is escalated when a later check took it over, whatever the time', () => {
    expect(careTaskStatus({ ...open, escalatedBy: 'T-esc' }, DUE - 1)).toBe('escalated');
    expect(careTaskStatus({ ...open, escalatedBy: 'T-esc' }, DUE + 1)).toBe('escalated');
  });

  it('counts time left from now, negative once overdue', () => {
    expect(timeLeftMs(open, DUE - 90_000)).toBe(90_000);
    expect(timeLeftMs(open, DUE + 1)).toBe(-1);
  });

  it('treats NO_ANSWER as an attempt, the other outcomes as answers', () => {
    expect(isAnswering('NO_ANSWER')).toBe(false);
    for (const o of ['REACHED', 'CONFIRMED_GENUINE', 'CONFIRMED_FRAUD', 'DECLINED']) expect(isAnswering(o)).toBe(true);
  });
});

const channel = (over: Partial<ChannelEvent>): ChannelEvent => ({
  eventId: 'e1', customerId: 'C-1', occurredAt: DUE - 1000, channel: 'CALL_CENTER', action: 'CONTACT_OUTCOME', topic: null, attributes: {}, ...over,
});
const fraud = (over: Partial<FraudCheckTask> = {}): FraudCheckTask => ({
  taskId: 'T-f1', customerId: 'C-1', transactionEventId: 'tx-1', createdAt: 0, dueBy: DUE, priority: 'P1', amountMinor: 60_000_000,
  maskedAccountNo: '3219', reasons: ['AMOUNT_OVER_THRESHOLD'], ruleId: 'large-outflow', ruleVersion: 1, evidence: {}, suggestedScript: '', ruleSetVersion: 'v', tier: 'ORDINARY', triggeredAt: null, ...over,
});
const outreach: OutreachTask = {
  taskId: 'T-o1', customerId: 'C-1', kind: 'SERVICE_RECOVERY', offerCode: null, tier: 'VIP', channel: 'RM_VISIT', priority: 'P2', createdAt: 0,
  dueBy: DUE, reasons: [], ruleId: 'complaint-recovery', ruleVersion: 1, evidence: {}, sourceEventIds: ['c1'], ruleSetVersion: 'v', triggeredAt: null,
};

describe('care-task updates', () => {
  it('reads a CONTACT_OUTCOME naming a task, and nothing else', () => {
    expect(outcomeOf(channel({ attributes: { taskId: 'T-f1', outcome: 'REACHED' } }))).toEqual({ taskId: 'T-f1', customerId: 'C-1', outcome: 'REACHED', at: DUE - 1000, answers: true });
    expect(outcomeOf(channel({ attributes: { taskId: 'T-f1', outcome: 'NO_ANSWER' } }))?.answers).toBe(false);
    expect(outcomeOf(channel({ attributes: { outcome: 'REACHED' } }))).toBeNull();
    expect(outcomeOf(channel({ action: 'COMPLAINT', attributes: { taskId: 'T-f1', outcome: 'REACHED' } }))).toBeNull();
  });

  it('records issued tasks with their tier and channel, and an escalation names the task it escalates', () => {
    const esc = fraud({ taskId: 'T-f2', reasons: ['SLA_MISSED'], evidence: { originalTaskId: 'T-f1' } });
    const u = careTaskUpdates({ fraudChecks: [fraud(), esc], outreach: [outreach], channelEvents: [], tierOfTransaction: () => 'ORDINARY' });
    expect(u.issued).toEqual([
      { taskId: 'T-f1', customerId: 'C-1', kind: 'FRAUD_CHECK', ruleId: 'large-outflow', priority: 'P1', tier: 'ORDINARY', channel: 'CALL_CENTER', dueBy: DUE, escalates: null },
      expect.objectContaining({ taskId: 'T-f2', escalates: 'T-f1' }),
      { taskId: 'T-o1', customerId: 'C-1', kind: 'SERVICE_RECOVERY', ruleId: 'complaint-recovery', priority: 'P2', tier: 'VIP', channel: 'RM_VISIT', dueBy: DUE, escalates: null },
    ]);
    // Nothing about the transaction (amount, account) is kept.
    expect(JSON.stringify(u)).not.toContain('3219');
  });

  it('rebuilds from the topics: fraud checks without tier, outcomes in time order, blank task ids dropped', () => {
    const u = careTaskUpdatesOfRestore({ fraudChecks: [fraud()], outreach: [] }, [
      { customerId: 'C-1', taskId: 'T-f1', outcome: 'REACHED', at: 20 },
      { customerId: 'C-1', taskId: 'T-f1', outcome: 'NO_ANSWER', at: 10 },
      { customerId: 'C-1', taskId: '', outcome: 'REACHED', at: 5 },
    ]);
    expect(u.issued[0]!.tier).toBeNull();
    expect(u.outcomes.map((o) => [o.outcome, o.answers])).toEqual([['NO_ANSWER', false], ['REACHED', true]]);
  });
});
