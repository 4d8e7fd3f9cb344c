import type { FraudCheckTask, OutreachTask, Suppression } from '../events/types.ts';
import { TOPICS } from '../events/topics.ts';
import { decisionEntryOf, taskIdOfEntry, type DecisionLogEntry, type PublishedDecision } from '../tasks/decision-log.ts';
import type { DecisionTopic } from './reader.ts';

/**
 * One entry of the audit trail: a task or suppression record as carestream
 * published it, as the typed decision-log entry (src/tasks/decision-log.ts:
 * reasons, evidence, rule, rule-set version, tier, trigger) plus where it is
 * on its topic and when it was published. Pure.
 */

/** The decoded value of a record of one of the decision topics. */
export type DecisionRecord = FraudCheckTask | OutreachTask | Suppression;

export interface Source {
  readonly topic: DecisionTopic;
  readonly partition: number;
  readonly offset: string;
}

/** Omit over each member of a union (a plain Omit would lose the discriminant). */
export type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A decision's facts: the decision-log entry under the task's id (a suppression's: the id the task would have had). */
export type DecisionFacts = OmitEach<DecisionLogEntry, 'restored' | 'id'> & { readonly taskId: string };

export type AuditEntry = DecisionFacts & {
  readonly customerId: string;
  /** The record's Kafka timestamp: when carestream published the decision. */
  readonly publishedAt: number;
  readonly source: Source;
};

/** The published decision of a decoded record of `topic`. */
export function publishedDecision(topic: DecisionTopic, record: DecisionRecord): PublishedDecision {
  if (topic === TOPICS.fraudCheckTasks) return { topic: 'fraudCheck', record: record as FraudCheckTask };
  if (topic === TOPICS.outreachTasks) return { topic: 'outreach', record: record as OutreachTask };
  return { topic: 'suppression', record: record as Suppression };
}

export function auditEntryOf(
  r: { readonly topic: DecisionTopic; readonly partition: number; readonly offset: string; readonly publishedAt: number; readonly record: DecisionRecord },
  dueHoursOf: (ruleId: string) => number,
): AuditEntry {
  const e = decisionEntryOf(publishedDecision(r.topic, r.record), { restored: false, dueHoursOf });
  const { restored: _restored, id: _id, ...rest } = e;
  return { ...rest, taskId: taskIdOfEntry(e), customerId: r.record.customerId, publishedAt: r.publishedAt, source: { topic: r.topic, partition: r.partition, offset: r.offset } } as AuditEntry;
}

const TOPIC_RANK: Readonly<Record<string, number>> = { [TOPICS.fraudCheckTasks]: 0, [TOPICS.outreachTasks]: 1, [TOPICS.suppressions]: 2 };

/** Oldest first: publish time, then topic, partition and offset (the order on the topics). */
export function byPublication(a: { publishedAt: number; source: Source }, b: { publishedAt: number; source: Source }): number {
  return (
    a.publishedAt - b.publishedAt ||
    TOPIC_RANK[a.source.topic]! - TOPIC_RANK[b.source.topic]! ||
    a.source.partition - b.source.partition ||
    (BigInt(a.source.offset) < BigInt(b.source.offset) ? -1 : BigInt(a.source.offset) > BigInt(b.source.offset) ? 1 : 0)
  );
}
