import type { Producer } from 'kafkajs';
import { parseReplayLine } from '../src/events/json-form.ts';
import { TOPICS, type InputTopic } from '../src/events/topics.ts';
import type { ChannelEvent, Transaction } from '../src/events/types.ts';
import { topicMessages } from '../src/kafka/produce.ts';
import type { Serde } from '../src/kafka/serde.ts';
import { distribution, type Distribution } from './stats.ts';

const TICK_MS = 5;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export interface LiveEvent {
  readonly topic: InputTopic;
  readonly key: string;
  readonly value: Mutable<Transaction> | Mutable<ChannelEvent>;
}

/**
 * The events of the latency phase, taken from generated lines in order:
 * profiles are left out (the customers already have theirs) and every eventId
 * gets a prefix of the run, so none repeats an event of the history (the store
 * would skip it as a duplicate) and the service's probe can tell them apart.
 * occurredAt is set as each event is sent.
 */
export function liveEvents(lines: Iterable<string>, count: number, eventIdPrefix: string): LiveEvent[] {
  const out: LiveEvent[] = [];
  for (const line of lines) {
    if (out.length >= count) break;
    const r = parseReplayLine(line);
    if (r.topic !== TOPICS.transactions && r.topic !== TOPICS.channelEvents) continue;
    const value: LiveEvent['value'] = { ...(r.value as Transaction | ChannelEvent) };
    value.eventId = `${eventIdPrefix}${value.eventId}`;
    out.push({ topic: r.topic, key: r.key ?? value.customerId, value });
  }
  return out;
}

export interface OfferedLoad {
  readonly sent: number;
  /** From the first send to the last acknowledgement. */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Acknowledgement time of each produce request minus the timestamp its records carry (ms). */
  readonly produceAckMs: Distribution | undefined;
  /** Requests that took longer than a tick, delaying the next ones. */
  readonly lateTicks: number;
}

/**
 * Offers `rate` events/s: every few milliseconds, the events due by then are
 * stamped with the current time (occurredAt and the Kafka timestamp, so they
 * are neither LATE nor in the future) and sent as one request. A slow request
 * makes the next one bigger, so the average rate holds.
 */
export async function offerLoad(producer: Producer, serde: Serde, events: LiveEvent[], rate: number): Promise<OfferedLoad> {
  for (const t of [TOPICS.transactions, TOPICS.channelEvents]) await serde.schemaIdFor(t);
  const acks: number[] = [];
  let sent = 0;
  let lateTicks = 0;
  const t0 = Date.now();
  let last = t0;
  while (sent < events.length) {
    const due = Math.min(events.length, Math.floor(((Date.now() - t0) * rate) / 1000));
    if (due > sent) {
      const now = Date.now();
      const batch = events.slice(sent, due).map((e) => {
        e.value.occurredAt = now;
        return { topic: e.topic, key: e.key, value: serde.encodeKnown(e.topic, e.value as never) };
      });
      const tm = topicMessages(batch).map((t) => ({ ...t, messages: t.messages.map((m) => ({ ...m, timestamp: String(now) })) }));
      await producer.sendBatch({ acks: -1, topicMessages: tm });
      last = Date.now();
      acks.push(last - now);
      if (last - now > TICK_MS) lateTicks++;
      sent = due;
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  const seconds = (last - t0) / 1000;
  return { sent, seconds, eventsPerSecond: Math.round(sent / seconds), produceAckMs: distribution(acks), lateTicks };
}
