import type { KafkaMessage } from 'kafkajs';
import { TOPICS, type InputTopic } from '../events/topics.ts';
import type { DeadLetter } from '../events/types.ts';
import type { Serde } from '../kafka/serde.ts';
import { STATUS, type CustomerFacts, type FeatureStore, type Outcome } from '../state/store.ts';
import type { StoreRecord } from '../state/encode.ts';
import { decodeMessage, deadLetter } from './decode.ts';
import { emptyTally, type Tally } from './tally.ts';

export interface OutputMessage {
  readonly topic: string;
  readonly key: Buffer | string | null;
  readonly value: Buffer;
}

export interface BatchDeps {
  readonly serde: Serde;
  readonly store: FeatureStore;
  readonly maxFutureSkewMs: number;
  readonly maxEventAgeMs: number;
  readonly now: () => number;
}

export interface BatchResult {
  readonly outputs: OutputMessage[];
  readonly tally: Tally;
  /** Applied records with the features around them, for the rules. */
  readonly applied: { record: StoreRecord; outcome: Outcome }[];
  /** Profile and contact history of every customer in the batch. */
  readonly customers: ReadonlyMap<string, CustomerFacts>;
}

/**
 * One partition's batch, in order: decode and validate every record, apply the
 * valid ones to the feature store in one round trip, and turn everything that
 * could not be applied into a dead letter. Publishing is the caller's, inside
 * the same Kafka transaction as the batch's offsets.
 */
export async function processBatch(deps: BatchDeps, topic: InputTopic, partition: number, messages: readonly KafkaMessage[]): Promise<BatchResult> {
  const nowMs = deps.now();
  const bounds = { nowMs, maxFutureSkewMs: deps.maxFutureSkewMs, maxAgeMs: deps.maxEventAgeMs };
  const tally = emptyTally();
  const dead: DeadLetter[] = [];
  const valid: { record: StoreRecord; message: KafkaMessage }[] = [];
  tally.consumed = messages.length;

  for (const message of messages) {
    const d = await decodeMessage(deps.serde, topic, partition, message, bounds);
    if (d.ok) valid.push({ record: d.record, message });
    else dead.push(d.dead);
  }

  const { outcomes, customers } = valid.length > 0 ? await deps.store.apply(valid.map((v) => v.record)) : { outcomes: [], customers: new Map<string, CustomerFacts>() };
  const applied: BatchResult['applied'] = [];
  outcomes.forEach((outcome, i) => {
    const v = valid[i]!;
    switch (outcome.status) {
      case STATUS.APPLIED:
        tally.applied++;
        applied.push({ record: v.record, outcome });
        break;
      case STATUS.LATE:
        dead.push(deadLetter(topic, partition, v.message, 'LATE', `occurredAt: older than the customer's latest event minus the allowed lateness`, nowMs));
        break;
      default:
        tally.skipped++;
    }
  });

  const outputs: OutputMessage[] = dead.map((d) => ({ topic: TOPICS.dlq, key: d.key, value: deps.serde.encodeKnown(TOPICS.dlq, d) }));
  for (const d of dead) {
    tally.deadLettered++;
    tally.byReason[d.reason] = (tally.byReason[d.reason] ?? 0) + 1;
  }
  return { outputs, tally, applied, customers };
}
