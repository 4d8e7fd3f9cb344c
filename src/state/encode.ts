import { createHmac } from 'node:crypto';
import { TOPICS, type InputTopic } from '../events/topics.ts';
import type { ChannelEvent, CustomerProfile, Transaction } from '../events/types.ts';
import { BusinessCalendar, monthOfDate } from './calendar.ts';
import { contentDigest } from '../events/digest.ts';

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

export interface EncodeOptions {
  readonly calendar: BusinessCalendar;
  readonly babyMccs: ReadonlySet<string>;
  /** Secret for pseudonymising account ids: Redis never sees an account number. */
  readonly pseudonymKey: string;
}

export const TOPIC_INDEX: Record<InputTopic, number> = {
  [TOPICS.transactions]: 0,
  [TOPICS.channelEvents]: 1,
  [TOPICS.customerProfiles]: 2,
};

const OUTFLOWS = new Set(['TRANSFER_OUT', 'WITHDRAWAL']);
const NOT_INVESTMENTS = new Set(['DEPOSIT', 'INSURANCE']);

/** A keyed hash, so the short pseudonym cannot be reversed by trying every account number. */
export function pseudonym(value: string, key: string): string {
  return createHmac('sha256', key).update(value).digest('base64url').slice(0, 12);
}

/** The JSON object apply-events-1.lua expects for one record (see its header). */
export function encodeForStore(r: StoreRecord, o: EncodeOptions): Record<string, unknown> {
  const tp = `${TOPIC_INDEX[r.ref.topic]}.${r.ref.partition}`;
  if (r.kind === 'profile') {
    const p = r.event;
    return {
      k: 'P', tp, off: r.ref.offset, up: p.updatedAt,
      bmo: p.birthDate ? monthOfDate(p.birthDate) : -1,
      mc: p.marketingConsent,
      rt: p.riskTolerance ?? -1,
      ra: p.riskAssessedAt ?? -1,
      pch: [...p.preferredChannels],
      rm: p.relationshipManagerId !== null,
    };
  }
  const ts = r.event.occurredAt;
  // dg tells a re-delivery (same content: a duplicate) from a conflict (same eventId, other content).
  const base = { tp, off: r.ref.offset, id: r.event.eventId, dg: contentDigest(r.event), ts, d: o.calendar.day(ts), m: o.calendar.month(ts) };
  if (r.kind === 'channel') {
    const e = r.event;
    const mort = (e.action === 'RATE_QUERY' || e.action === 'CALCULATOR') && e.topic === 'MORTGAGE';
    const outcome = e.action === 'CONTACT_OUTCOME' ? e.attributes.outcome : undefined;
    return {
      k: 'C', ...base, ref: '', mort: mort ? 1 : 0,
      ...(outcome ? { co: outcome, tid: e.attributes.taskId ?? '' } : {}),
    };
  }
  const t = r.event;
  const buy = t.type === 'PRODUCT_PURCHASE';
  const high = buy && t.product !== null && (t.product.riskLevel >= 4 || t.product.category === 'PRIVATE_EQUITY');
  const inv = buy && t.product !== null && !NOT_INVESTMENTS.has(t.product.category);
  return {
    k: 'T', ...base,
    amt: t.amountMinor,
    acct: pseudonym(t.accountId, o.pseudonymKey),
    bal: t.balanceAfterMinor,
    ref: t.counterparty ? pseudonym(t.counterparty.accountRef, o.pseudonymKey) : '',
    out: OUTFLOWS.has(t.type) ? 1 : 0,
    tin: t.type === 'TRANSFER_IN' ? 1 : 0,
    buy: buy ? 1 : 0,
    sell: t.type === 'PRODUCT_REDEMPTION' ? 1 : 0,
    sal: t.type === 'SALARY_CREDIT' ? 1 : 0,
    baby: t.type === 'CARD_PURCHASE' && t.merchantCategory !== null && o.babyMccs.has(t.merchantCategory) ? 1 : 0,
    high: high ? 1 : 0,
    inv: inv ? 1 : 0,
  };
}
