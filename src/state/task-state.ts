import type { StoreRecord } from './encode.ts';
import type { Applied, DecisionLog, DecisionRecord, Fence, StoredContact } from './store.ts';
import type { FeatureView } from './feature-view.ts';

/** How long value contacts count and how many decision-log entries a customer keeps. */
export interface DecisionOptions {
  readonly keepContactsMs: number;
  readonly logSize: number;
}

export interface ContactHistoryView {
  readonly contacts: StoredContact[];
  readonly outcomes: { at: number; taskId: string; outcome: string }[];
}

/** A record of a committed chunk, for forgetting its kept result (undecodable records have no customer). */
export interface CommittedRecord {
  readonly customerId: string | undefined;
  /** Input topic index (0 transactions, 1 channel events, 2 profiles). */
  readonly topicIndex: number;
  readonly offset: string;
}

/**
 * The state of one task's customers while this instance owns the task (its
 * partition of every input topic), for one ownership: opened when the task is
 * acquired, dropped when it is lost or fails. A chunk is
 *
 *   apply(records) -> outcomes and the customers' facts (the rules run on them)
 *   recordDecisions(...)   the contacts and decision-log entries the policy issued
 *   flush()                everything the chunk changed, written before its Kafka transaction commits
 *   committed(records)     after the commit: the kept results of its records are forgotten
 */
export interface TaskState {
  apply(records: readonly StoreRecord[], fence: Fence): Promise<Applied>;
  recordDecisions(records: readonly DecisionRecord[], options: DecisionOptions, fence: Fence): Promise<void>;
  /** A customer's contacts and contact outcomes as the task sees them now. */
  contactHistory(customerId: string): Promise<ContactHistoryView | null>;
  flush(fence: Fence): Promise<void>;
  committed(records: readonly CommittedRecord[]): Promise<void>;
}

/**
 * Where customers' state lives: task ownership (epochs, whether a task's
 * state is complete), the state of a task while it is owned, and the reads of
 * the CLI and the agent API.
 */
export interface StateEngine {
  openTask(partition: number): TaskState;
  acquireTask(partition: number): Promise<{ epoch: number; built: boolean }>;
  hasTaskState(partition: number): Promise<boolean>;
  markTaskBuilt(fence: Fence): Promise<void>;
  inspect(customerId: string): Promise<FeatureView | null>;
  decisionLog(customerId: string): Promise<DecisionLog>;
  contactHistory(customerId: string): Promise<ContactHistoryView | null>;
  memoryUsage(customerId: string): Promise<number>;
}
