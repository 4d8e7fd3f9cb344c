import type { StoreRecord } from './encode.ts';
import type { Applied, CustomerFacts, DecisionLog, DecisionRecord, Fence, Outcome, StoredContact } from './store.ts';
import type { FeatureView } from './feature-view.ts';
import type { FiredTimer } from '../features/timers.ts';
import type { Timer, WatchedFraudCheck } from '../features/state.ts';

/** A customer's pending timers and the fraud checks watched for an answer, as stored (timers on). */
export interface CustomerTimers {
  readonly pending: readonly Timer[];
  readonly checks: readonly WatchedFraudCheck[];
}

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

/** One thing the rules decide on for a customer: an applied event (its outcome), or timers that fired. */
export type DecideItem =
  | { readonly kind: 'event'; readonly record: StoreRecord; readonly outcome: Outcome }
  | { readonly kind: 'timers'; readonly fired: readonly FiredTimer[] };

/**
 * With timers on, the rules and policy run inside the chunk's application,
 * item by item per customer, and what they issue is recorded in the state
 * before the customer's next item: a timer due between two events fires
 * between them and sees what the first one issued (as the pure pipeline of
 * tests/support/timer-pipeline.ts), wherever chunks end.
 */
export interface DecideHooks {
  readonly options: DecisionOptions;
  /** The rules and policy over one item with the customer's facts as of it: what to record now, and the decisions (opaque here). */
  decide(customerId: string, item: DecideItem, facts: CustomerFacts): { readonly record: DecisionRecord | null; readonly decided: unknown };
}

/** What a stream time made due in a shard (issue 13): the timers it fired, and outputs of an earlier ownership to publish again. */
export interface TimerStep {
  /** Per customer, the timers fired, earliest first. */
  readonly fired: ReadonlyMap<string, readonly FiredTimer[]>;
  /** Profile and contacts of each customer that fired (the rules and policy need them). */
  readonly customers: ReadonlyMap<string, CustomerFacts>;
  /**
   * Outputs of timers fired at a stream time after the last commit's, kept
   * with the customers that fired them by an owner that never committed them
   * (their timers are consumed in the state): published as they were, with
   * this step (texts as given to keepTimerOutputs).
   */
  readonly kept: readonly string[];
  /** With hooks: the decisions on the fired timers, in order. */
  readonly decided: readonly unknown[];
}

/** What the last commit before an ownership said of timers (its offset metadata, src/kafka/origin.ts). */
export interface CommittedTimers {
  readonly streamTime: number | null;
  readonly step: { readonly owner: string; readonly step: number } | null;
}

/** A timer step of this ownership: its number, and what the commit before the ownership said. */
export interface TimerStepRef {
  readonly step: number;
  readonly committed: CommittedTimers;
}

/**
 * The state of one shard's customers while this instance owns the shard (its
 * partition of every input topic), for one ownership: opened when the shard is
 * acquired, dropped when it is lost or fails. A chunk is
 *
 *   apply(records) -> outcomes and the customers' facts (the rules run on them)
 *   recordDecisions(...)   the contacts and decision-log entries the policy issued
 *   flush()                everything the chunk changed, written before its Kafka transaction commits
 *   committed(records)     after the commit: the kept results of its records are forgotten
 */
export interface ShardState {
  /** A random id of this ownership: names its kept timer outputs and goes into its commits' metadata. */
  readonly owner: string;
  /**
   * With hooks, `decided` holds the decisions on the records and
   * `decidedTimers` those on timers that fired between a customer's records
   * (their outputs are kept with the chunk's timer step, keepTimerOutputs).
   */
  apply(records: readonly StoreRecord[], fence: Fence, hooks?: DecideHooks): Promise<Applied & { readonly decided?: readonly unknown[]; readonly decidedTimers?: readonly unknown[] }>;
  recordDecisions(records: readonly DecisionRecord[], options: DecisionOptions, fence: Fence): Promise<void>;
  /** A customer's contacts and contact outcomes as the shard sees them now. */
  contactHistory(customerId: string): Promise<ContactHistoryView | null>;
  flush(fence: Fence): Promise<void>;
  committed(records: readonly CommittedRecord[]): Promise<void>;
  /**
   * Time as a trigger (issue 13). fireDue: every timer of the shard's
   * customers due at or before `streamTime` fires (the due index names them),
   * and kept outputs of earlier owners' steps that never committed come back,
   * kept again under `step` (null in a rebuild: nothing is kept).
   * keepTimerOutputs: a step's outputs per customer, written with them at the
   * next flush, until committedTimers(step) says that step committed.
   */
  fireDue(streamTime: number, step: TimerStepRef | null, fence: Fence, hooks?: DecideHooks): Promise<TimerStep>;
  keepTimerOutputs(step: number, byCustomer: ReadonlyMap<string, string>, fence: Fence): Promise<void>;
  committedTimers(step: number): Promise<void>;
}

/**
 * Where customers' state lives: shard ownership (epochs, whether a shard's
 * state is complete), the state of a shard while it is owned, and the reads of
 * the CLI and the agent API.
 */
export interface StateEngine {
  openShard(partition: number): ShardState;
  acquireShard(partition: number): Promise<{ epoch: number; built: boolean }>;
  hasShardState(partition: number): Promise<boolean>;
  markShardBuilt(fence: Fence): Promise<void>;
  inspect(customerId: string): Promise<FeatureView | null>;
  decisionLog(customerId: string): Promise<DecisionLog>;
  contactHistory(customerId: string): Promise<ContactHistoryView | null>;
  /** Pending timers and the fraud checks watched for an answer; null when the customer is unknown. */
  timersOf(customerId: string): Promise<CustomerTimers | null>;
  memoryUsage(customerId: string): Promise<number>;
}
