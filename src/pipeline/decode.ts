import type { KafkaMessage } from 'kafkajs';
import { TOPICS, type InputTopic } from '../events/topics.ts';
import { validateEvent, type InputLimits, type TimeBounds } from '../events/validate.ts';
import type { ChannelEvent, CustomerProfile, DeadLetter, DeadLetterReason, Transaction } from '../events/types.ts';
import type { Serde } from '../kafka/serde.ts';
import type { StoreRecord } from '../state/encode.ts';

export type DecodeResult = { readonly ok: true; readonly record: StoreRecord } | { readonly ok: false; readonly dead: DeadLetter };

function headersOf(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  }
  return out;
}

export function deadLetter(topic: InputTopic, partition: number, message: KafkaMessage, reason: DeadLetterReason, text: string, now: number): DeadLetter {
  return {
    sourceTopic: topic,
    sourcePartition: partition,
    sourceOffset: Number(message.offset),
    key: message.key ?? null,
    value: message.value ?? null,
    headers: headersOf(message),
    reason,
    message: text,
    failedAt: now,
  };
}

/**
 * Why a record's key rules it out, or undefined. The key decides the
 * partition, and a customer's order and ownership hold only inside their
 * partition: a record without a key, or keyed by someone else, may sit in
 * another customer's partition, so it is never applied.
 */
export function keyProblem(key: Buffer | null | undefined, customerId: string): string | undefined {
  if (key === null || key === undefined) return 'key: missing; records are keyed by their customerId';
  // Compared as bytes: a key that is not valid UTF-8 must not decode to the id by accident.
  if (!key.equals(Buffer.from(customerId, 'utf8'))) return `key: does not equal the customerId of the value (key length ${key.length})`;
  return undefined;
}

/**
 * Bytes to a validated event, or to a dead letter carrying the original bytes
 * and the reason. Never throws for bad input: only infrastructure failures
 * (the registry unreachable) reject, and those are retried by the caller.
 */
export async function decodeMessage(serde: Serde, topic: InputTopic, partition: number, message: KafkaMessage, bounds: TimeBounds, limits?: InputLimits): Promise<DecodeResult> {
  const ref = { topic, partition, offset: Number(message.offset) };
  const decoded = await serde.decode(topic, message.value);
  if (!decoded.ok) return { ok: false, dead: deadLetter(topic, partition, message, decoded.reason, decoded.message, bounds.nowMs) };
  const valid = validateEvent(topic, decoded.value, bounds, limits);
  if (!valid.ok) return { ok: false, dead: deadLetter(topic, partition, message, valid.reason, valid.message, bounds.nowMs) };
  const problem = keyProblem(message.key, (valid.event as { customerId: string }).customerId);
  if (problem) return { ok: false, dead: deadLetter(topic, partition, message, 'VALIDATION', problem, bounds.nowMs) };
  switch (topic) {
    case TOPICS.transactions:
      return { ok: true, record: { ref, kind: 'transaction', event: valid.event as Transaction } };
    case TOPICS.channelEvents:
      return { ok: true, record: { ref, kind: 'channel', event: valid.event as ChannelEvent } };
    default:
      return { ok: true, record: { ref, kind: 'profile', event: valid.event as CustomerProfile } };
  }
}
