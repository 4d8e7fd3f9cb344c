import type { Message, TopicMessages } from 'kafkajs';

export interface Outgoing {
  readonly topic: string;
  readonly key: Buffer | string | null;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Groups messages by topic for one sendBatch, keeping each topic's messages
 * (and so each partition's) in the order given.
 */
export function topicMessages(messages: readonly Outgoing[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const m of messages) {
    let list = byTopic.get(m.topic);
    if (!list) byTopic.set(m.topic, (list = []));
    list.push(m.headers ? { key: m.key, value: m.value, headers: { ...m.headers } } : { key: m.key, value: m.value });
  }
  return [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
}
