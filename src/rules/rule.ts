import type { OutreachKind, Priority, Transaction } from '../events/types.ts';
import type { RuleId, RuleParamsOf, RuleSet } from './config.ts';
import type { Candidate, RuleContext } from './types.ts';

/** One rule: pure, at most one candidate per applied event. */
export interface Rule<K extends RuleId = RuleId> {
  readonly id: K;
  /** Bumped whenever the rule's meaning changes; carried on every task. */
  readonly version: number;
  evaluate(ctx: RuleContext, params: RuleParamsOf<K>, ruleSet: RuleSet): Candidate | null;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface CandidateSpec {
  readonly target: 'FRAUD_CHECK' | OutreachKind;
  readonly offerCode?: string | null;
  readonly priority: Priority;
  readonly dueHours: number;
  readonly reasons: readonly string[];
  readonly evidence: Readonly<Record<string, string>>;
}

/** A frozen candidate for the trigger event of `ctx`; due is counted from the event's occurredAt. */
export function candidateOf(rule: { readonly id: string; readonly version: number }, ctx: RuleContext, spec: CandidateSpec): Candidate {
  const e = ctx.trigger.event;
  return Object.freeze({
    ruleId: rule.id,
    ruleVersion: rule.version,
    target: spec.target,
    offerCode: spec.offerCode ?? null,
    priority: spec.priority,
    customerId: e.customerId,
    triggerEventId: e.eventId,
    occurredAt: e.occurredAt,
    dueBy: e.occurredAt + spec.dueHours * HOUR_MS,
    reasons: Object.freeze([...spec.reasons]),
    evidence: Object.freeze({ ...spec.evidence }),
    sourceEventIds: Object.freeze([e.eventId]),
  });
}

/** The trigger's transaction, or null for a channel event. */
export function transactionOf(ctx: RuleContext): Transaction | null {
  return ctx.trigger.kind === 'transaction' ? ctx.trigger.event : null;
}

export function isOutflow(t: Transaction): boolean {
  return t.type === 'TRANSFER_OUT' || t.type === 'WITHDRAWAL';
}

/** The customer's age in whole years at the event: the profile's, else the feature view's; null when unknown. */
export function ageOf(ctx: RuleContext): number | null {
  return ctx.profile?.age ?? ctx.after.age ?? null;
}

export const str = (n: number): string => String(n);
