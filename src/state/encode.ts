import { createHmac } from 'node:crypto';
import { TOPICS, type InputTopic } from '../events/topics.ts';
import type { ChannelEvent, CustomerProfile, Transaction } from '../events/types.ts';

/** Where a record came from: the idempotence of the store is keyed on it. */
export interface RecordRef {
  readonly topic: InputTopic;
  readonly partition: number;
  readonly offset: number;
}

export type StoreRecord =
  | { readonly ref: RecordRef; readonly kind: 'transaction'; readonly event: Transaction }
  | { readonly ref: RecordRef; readonly kind: 'channel'; readonly event: ChannelEvent }
  | { readonly ref: RecordRef; readonly kind: 'profile'; readonly event: CustomerProfile };

export const TOPIC_INDEX: Record<InputTopic, number> = {
  [TOPICS.transactions]: 0,
  [TOPICS.channelEvents]: 1,
  [TOPICS.customerProfiles]: 2,
};

/** A keyed hash, so the short pseudonym cannot be reversed by trying every account number. */
export function pseudonym(value: string, key: string): string {
  return createHmac('sha256', key).update(value).digest('base64url').slice(0, 12);
}
