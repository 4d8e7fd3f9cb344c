import type { CustomerTier, FraudCheckTask, OutreachKind, OutreachTask, Suppression } from '../events/types.ts';
import type { IssuedCandidate, SuppressedCandidate } from '../policy/contact-policy.ts';
import type { Candidate } from '../rules/types.ts';
import { formatAmountMinor, formatLocalMonthDayTime } from './format.ts';
import { lastFourDigits } from './masking.ts';
import { taskIdFor } from './task-id.ts';

/** What a fraud check needs of its transaction (never the account id). */
export interface FraudCheckFacts {
  readonly maskedAccountNo: string;
  readonly amountMinor: number;
  readonly transactionEventId: string;
  readonly occurredAt: number;
  /** Picks the verb of the script: 转出 (transfer) or 取现 (cash withdrawal). */
  readonly type: 'TRANSFER_OUT' | 'WITHDRAWAL';
}

export interface FraudCheckOptions {
  readonly tier: CustomerTier;
  readonly createdAt: number;
  readonly ruleSetVersion: string;
  /** Business time zone for the script's local time. */
  readonly timeZone: string;
}

export interface OutreachOptions {
  readonly tier: CustomerTier;
  readonly createdAt: number;
  readonly ruleSetVersion: string;
}

export interface SuppressionOptions {
  readonly tier: CustomerTier;
  readonly createdAt: number;
  readonly ruleSetVersion: string;
}

/**
 * What the agent says, naming only the masked account, the local time and the
 * amount: `您尾号8812的账户于11月10日14:20转出600,000.00元，请问是否为您本人操作？`
 */
export function fraudCheckScript(f: FraudCheckFacts, timeZone: string): string {
  const verb = f.type === 'WITHDRAWAL' ? '取现' : '转出';
  return (
    `您尾号${lastFourDigits(f.maskedAccountNo)}的账户于${formatLocalMonthDayTime(f.occurredAt, timeZone)}` +
    `${verb}${formatAmountMinor(f.amountMinor)}元，请问是否为您本人操作？`
  );
}

function outreachKindOf(c: Candidate): OutreachKind {
  if (c.target === 'FRAUD_CHECK') throw new TypeError(`rule ${c.ruleId}: a fraud-check candidate is not an outreach task`);
  return c.target;
}

export function buildFraudCheckTask(c: Candidate, f: FraudCheckFacts, o: FraudCheckOptions): FraudCheckTask {
  if (c.target !== 'FRAUD_CHECK') throw new TypeError(`rule ${c.ruleId}: a ${c.target} candidate is not a fraud check`);
  return Object.freeze({
    taskId: taskIdFor(c),
    customerId: c.customerId,
    transactionEventId: f.transactionEventId,
    createdAt: o.createdAt,
    dueBy: c.dueBy,
    priority: c.priority,
    amountMinor: f.amountMinor,
    maskedAccountNo: lastFourDigits(f.maskedAccountNo),
    reasons: Object.freeze([...c.reasons]),
    ruleId: c.ruleId,
    ruleVersion: c.ruleVersion,
    evidence: Object.freeze({ ...c.evidence }),
    suggestedScript: fraudCheckScript(f, o.timeZone),
    ruleSetVersion: o.ruleSetVersion,
    tier: o.tier,
    triggeredAt: c.occurredAt,
  });
}

export function buildOutreachTask(i: IssuedCandidate, o: OutreachOptions): OutreachTask {
  const c = i.candidate;
  return Object.freeze({
    taskId: i.taskId,
    customerId: c.customerId,
    kind: outreachKindOf(c),
    offerCode: c.offerCode,
    tier: o.tier,
    channel: i.channel,
    priority: c.priority,
    createdAt: o.createdAt,
    dueBy: c.dueBy,
    reasons: Object.freeze([...c.reasons]),
    ruleId: c.ruleId,
    ruleVersion: c.ruleVersion,
    evidence: Object.freeze({ ...c.evidence }),
    sourceEventIds: Object.freeze([...c.sourceEventIds]),
    ruleSetVersion: o.ruleSetVersion,
    triggeredAt: c.occurredAt,
  });
}

/**
 * The suppression record: the rule's evidence, then the policy's (which
 * earlier task or missing consent held it back), then `taskId`, the id the
 * task would have had.
 */
export function buildSuppression(s: SuppressedCandidate, o: SuppressionOptions): Suppression {
  const c = s.candidate;
  return Object.freeze({
    customerId: c.customerId,
    ruleId: c.ruleId,
    ruleVersion: c.ruleVersion,
    kind: outreachKindOf(c),
    offerCode: c.offerCode,
    reason: s.reason,
    createdAt: o.createdAt,
    evidence: Object.freeze({ ...c.evidence, ...s.evidence, taskId: s.taskId }),
    sourceEventIds: Object.freeze([...c.sourceEventIds]),
    ruleSetVersion: o.ruleSetVersion,
    priority: c.priority,
    reasons: Object.freeze([...c.reasons]),
    tier: o.tier,
    triggeredAt: c.occurredAt,
  });
}
