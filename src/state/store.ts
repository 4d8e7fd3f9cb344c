import type { IssuedFraudCheck } from '../features/timers.ts';
import type { CustomerTier } from '../events/types.ts';
/**
 * What the state store and the pipeline share: a record's outcome, the
 * customer facts the rules need, fencing and its errors, decision records.
 * The store itself is src/state/local-state.ts.
 */
import type { EventView } from './view.ts';
import { CarestreamError } from '../errors.ts';
import { decisionLogEntry, serializeEntry, type DecisionLogEntry } from '../tasks/decision-log.ts';

export const STATUS = Object.freeze({ APPLIED: 1, DUPLICATE_OFFSET: 2, DUPLICATE_EVENT: 3, LATE: 4, STALE_PROFILE: 5, CONFLICT: 6 } as const);
export type Status = (typeof STATUS)[keyof typeof STATUS];

export interface Outcome {
  readonly status: Status;
  /** Features just before and just after the event; present when it was applied (not for profiles). */
  readonly before?: EventView;
  readonly after?: EventView;
  /** For a CONFLICT: the content digests of the event kept under this eventId and of this record. */
  readonly digests?: { readonly kept: string; readonly record: string };
  /** With timers on: the customer's tier as last evaluated when the event applied (the event's rules see no tier edge). */
  readonly tier?: CustomerTier;
}

/**
 * Who is writing: the owner of shard `partition` with the epoch it acquired.
 * Writes of an owner that lost the shard, or to a shard whose state Redis lost,
 * are refused (FencedError, StateLostError).
 */
export interface Fence {
  readonly partition: number;
  readonly epoch: number;
  /** Writing while the shard's state is rebuilt (allowed before it is complete). */
  readonly rebuilding?: boolean;
}

/** Another instance took the shard over: this one must stop writing for it. */
export class FencedError extends CarestreamError {
  constructor(message: string) {
    super('CS_ERR_STATE_FENCED', message);
  }
}

/** Redis lost the shard's state (flushed, restarted empty): it must be rebuilt. */
export class StateLostError extends CarestreamError {
  constructor(message: string) {
    super('CS_ERR_STATE_LOST', message);
  }
}

/** Turns the fence errors of the scripts (CS_FENCED, CS_STATE_LOST) into typed errors; others pass through. */
export function fenceError(err: Error): Error {
  const m = /(CS_FENCED|CS_STATE_LOST) (.*)$/.exec(err.message);
  if (!m) return err;
  return m[1] === 'CS_FENCED' ? new FencedError(m[2]!) : new StateLostError(m[2]!);
}

/** A value contact issued to a customer: what caps and cool-downs count. */
export interface StoredContact {
  readonly taskId: string;
  readonly ruleId: string;
  readonly kind: string;
  readonly at: number;
}

/** The customer as the rules and the policy need them, as of the end of the applied batch. */
export interface CustomerFacts {
  readonly profile: StoredProfile | null;
  readonly contacts: readonly StoredContact[];
  /** The tier as last evaluated (timers on: an event's rules see no tier edge, a day's close does). */
  readonly tier?: CustomerTier;
}

export interface StoredProfile {
  readonly updatedAt: number;
  readonly marketingConsent: boolean;
  readonly riskTolerance: number | null;
  readonly riskAssessedAt: number | null;
  readonly hasRelationshipManager: boolean;
  readonly preferredChannels: readonly string[];
}

export interface Applied {
  /** One per record, in the order given. */
  readonly outcomes: Outcome[];
  readonly customers: ReadonlyMap<string, CustomerFacts>;
}

/** What to record for one customer after the policy decided. */
export interface DecisionRecord {
  readonly customerId: string;
  readonly contacts: readonly StoredContact[];
  /** Decision-log entries, oldest first. */
  readonly log: readonly DecisionLogEntry[];
  /** With timers on: fraud checks to watch for an answer and outreach times for the care cadence (recordIssued in src/features/timers.ts). */
  readonly issued?: { readonly fraudChecks: readonly IssuedFraudCheck[]; readonly outreachAt: readonly number[] };
}

/** A customer's decision log as read: the entries that parse, and how many did not (never expected: each was checked when written). */
export interface DecisionLog {
  readonly entries: DecisionLogEntry[];
  readonly unreadable: number;
}

/** The decision log's stored entries (newest first), each checked against its schema. */
export function readDecisionLog(raw: readonly string[]): DecisionLog {
  const entries: DecisionLogEntry[] = [];
  let unreadable = 0;
  for (const text of raw) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      unreadable++;
      continue;
    }
    const e = decisionLogEntry.safeParse(json);
    if (e.success) entries.push(e.data);
    else unreadable++;
  }
  return { entries, unreadable };
}

/** A decision-log entry as stored, after checking it against its schema: a bad one is a bug and fails the chunk. */
export function checkedEntry(e: DecisionLogEntry): string {
  const r = decisionLogEntry.safeParse(e);
  if (!r.success) {
    const where = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.code}`).join('; ');
    throw new CarestreamError('CS_ERR_STATE_DECISION_ENTRY', `decision-log entry ${e.id} does not match its schema (${where})`);
  }
  return serializeEntry(r.data);
}

/** The field of a record's kept result: "<topic index>.<partition>@<offset>". */
export function resultField(topicIndex: number, partition: number, offset: string | number): string {
  return `${topicIndex}.${partition}@${offset}`;
}
