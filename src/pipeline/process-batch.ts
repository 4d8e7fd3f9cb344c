import type { KafkaMessage } from 'kafkajs';
import { TOPICS, type InputTopic } from '../events/topics.ts';
import type { DeadLetter, DeadLetterReason, SuppressionReason } from '../events/types.ts';
import type { Serde } from '../kafka/serde.ts';
import { STATUS, type CustomerFacts, type Fence, type Outcome } from '../state/store.ts';
import type { DecideHooks, StateEngine, ShardState } from '../state/shard-state.ts';
import type { StoreRecord } from '../state/encode.ts';
import { decodeMessage, deadLetter, type DecodeResult } from './decode.ts';
import type { InputLimits } from '../events/validate.ts';
import { emptyTally, type Tally } from './tally.ts';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES, fitDeadLetter } from './dead-letter-fit.ts';

export interface OutputMessage {
  readonly topic: string;
  readonly key: Buffer | string | null;
  readonly value: Buffer;
  /** Kafka record headers (a dead letter that had to be cut says so here). */
  readonly headers?: Readonly<Record<string, string>>;
  /** What the message is, for metrics without decoding it (never sent to Kafka). */
  readonly meta?: OutputMeta;
}

/** Bounded, non-personal facts about an output: label values of the metrics. */
export type OutputMeta =
  | { readonly type: 'dead-letter'; readonly sourceTopic: string; readonly reason: DeadLetterReason }
  | { readonly type: 'task'; readonly kind: 'fraud_check' | 'outreach'; readonly rule: string; readonly eventTime: number | undefined }
  | { readonly type: 'suppression'; readonly rule: string; readonly reason: SuppressionReason };

export interface BatchDeps {
  readonly serde: Serde;
  readonly store: StateEngine;
  readonly maxFutureSkewMs: number;
  readonly maxEventAgeMs: number;
  /** Ids and amounts (src/config.ts); the defaults when absent. */
  readonly limits?: InputLimits;
  /** The dead-letter topic's `max.message.bytes` (read at start-up); Kafka's default when absent. */
  readonly maxDeadLetterBytes?: number;
  readonly now: () => number;
}

export interface BatchResult {
  readonly outputs: OutputMessage[];
  readonly tally: Tally;
  /** Applied records with the features around them, for the rules. */
  readonly applied: { record: StoreRecord; outcome: Outcome }[];
  /** Profile and contact history of every customer in the batch. */
  readonly customers: ReadonlyMap<string, CustomerFacts>;
  /** With decide hooks (timers on): the decisions taken on the records while applying, in order. */
  readonly decided?: readonly unknown[];
  /** With decide hooks: the decisions on timers that fired between a customer's records (published with the chunk's timer step). */
  readonly decidedTimers?: readonly unknown[];
}

/**
 * Drops the features around each applied record (before, after) once the
 * rules and the care-task index have read them: a chunk waiting for its
 * commit then holds only what it commits and counts (issue 12: two chunks
 * per shard in flight held some 60,000 pairs of views in catch-up).
 */
export function releaseViews(result: BatchResult): void {
  for (const a of result.applied) {
    const o = a.outcome;
    if (o.before === undefined && o.after === undefined) continue;
    a.outcome = { status: o.status, ...(o.digests !== undefined && { digests: o.digests }), ...(o.tier !== undefined && { tier: o.tier }) };
  }
}

/**
 * A batch of input records (one shard's, in time order): decode and validate every record, apply the
 * valid ones to the feature store in one round trip, and turn everything that
 * could not be applied into a dead letter. Publishing is the caller's, inside
 * the same Kafka transaction as the batch's offsets.
 */
export interface InputRecord {
  readonly topic: InputTopic;
  readonly partition: number;
  readonly message: KafkaMessage;
  /** The record decoded and validated (done when it was fetched, to order records by event time). */
  readonly decoded: DecodeResult;
}

/** Decodes and validates a fetched record; never throws for bad input. */
export function decodeInput(deps: BatchDeps, topic: InputTopic, partition: number, message: KafkaMessage): Promise<DecodeResult> {
  const bounds = { nowMs: deps.now(), maxFutureSkewMs: deps.maxFutureSkewMs, maxAgeMs: deps.maxEventAgeMs };
  return decodeMessage(deps.serde, topic, partition, message, bounds, deps.limits);
}

/**
 * The time a record is ordered by: its event time. A record that could not be
 * decoded or validated is taken as soon as it heads its topic (-Infinity): it
 * changes no state, and ordering it by its Kafka timestamp (when it was
 * produced, usually long after the events around it) held back every record
 * behind it in its topic until the other topics had caught up with that
 * time, out of event-time order (a year-old event refused as too old did it).
 */
export function eventTimeOf(d: DecodeResult, _message: KafkaMessage): number {
  if (!d.ok) return Number.NEGATIVE_INFINITY;
  return d.record.kind === 'profile' ? d.record.event.updatedAt : d.record.event.occurredAt;
}

/**
 * The same eventId with other content is not a re-delivery but a conflict
 * (the contract: a re-delivered event has the same eventId and content).
 * The digests let an operator find both records without the message
 * carrying any of their values.
 */
export function conflictMessage(outcome: Outcome): string {
  const d = outcome.digests;
  return `eventId: CONFLICT, seen before with other content (kept digest ${d?.kept ?? '?'}, this record ${d?.record ?? '?'}); not applied`;
}

/**
 * Decodes were done at fetch time; this applies the valid records to the
 * shard's state (in memory for the ts engine: the caller flushes it before the
 * chunk commits) and dead-letters the rest.
 */
export async function processBatch(deps: BatchDeps, records: readonly InputRecord[], state: ShardState, fence: Fence, hooks?: DecideHooks): Promise<BatchResult> {
  const nowMs = deps.now();
  const tally = emptyTally();
  const dead: DeadLetter[] = [];
  const valid: { record: StoreRecord; input: InputRecord }[] = [];
  tally.consumed = records.length;

  for (const input of records) {
    const d = input.decoded;
    if (d.ok) valid.push({ record: d.record, input });
    else dead.push(d.dead);
  }

  const { outcomes, customers, decided, decidedTimers } = valid.length > 0 ? await state.apply(valid.map((v) => v.record), fence, hooks) : { outcomes: [], customers: new Map<string, CustomerFacts>(), decided: undefined, decidedTimers: undefined };
  const applied: BatchResult['applied'] = [];
  outcomes.forEach((outcome, i) => {
    const v = valid[i]!;
    switch (outcome.status) {
      case STATUS.APPLIED:
        tally.applied++;
        applied.push({ record: v.record, outcome });
        break;
      case STATUS.LATE:
        dead.push(deadLetter(v.input.topic, v.input.partition, v.input.message, 'LATE', `occurredAt: older than the customer's latest event minus the allowed lateness`, nowMs));
        break;
      case STATUS.CONFLICT:
        dead.push(deadLetter(v.input.topic, v.input.partition, v.input.message, 'VALIDATION', conflictMessage(outcome), nowMs));
        break;
      default:
        tally.skipped++;
    }
  });

  const encode = (d: DeadLetter) => deps.serde.encodeKnown(TOPICS.dlq, d);
  const limit = deps.maxDeadLetterBytes ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  const outputs: OutputMessage[] = dead.map((d) => {
    const fitted = fitDeadLetter(d, encode, limit);
    return { topic: TOPICS.dlq, key: fitted.key, value: fitted.value, ...(fitted.headers && { headers: fitted.headers }), meta: { type: 'dead-letter', sourceTopic: d.sourceTopic, reason: d.reason } };
  });
  for (const d of dead) {
    tally.deadLettered++;
    tally.byReason[d.reason] = (tally.byReason[d.reason] ?? 0) + 1;
  }
  return { outputs, tally, applied, customers, ...(decided && { decided }), ...(decidedTimers && decidedTimers.length > 0 && { decidedTimers }) };
}
