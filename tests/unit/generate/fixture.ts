// Shared helpers: generate once per test file and decode every line.
import { parseReplayLine, type ReplayRecord } from '../../../src/events/json-form.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import type { ChannelEvent, CustomerProfile, Transaction } from '../../../src/events/types.ts';
import { generate, type GenerateOptions, type Labels } from '../../../src/generate/index.ts';

export interface CustomerEvents {
  profile: CustomerProfile | null;
  /** Transactions and channel events in file order. */
  events: (Transaction | ChannelEvent)[];
}

export interface Decoded {
  readonly options: GenerateOptions;
  readonly lines: string[];
  readonly records: ReplayRecord[];
  readonly labels: Labels;
  readonly byCustomer: Map<string, CustomerEvents>;
  readonly planted: Map<string, string>;
}

export function decode(options: GenerateOptions): Decoded {
  const { lines, labels } = generate(options);
  const all = [...lines];
  const records = all.map((l) => parseReplayLine(l));
  const byCustomer = new Map<string, CustomerEvents>();
  for (const r of records) {
    const id = (r.value as { customerId: string }).customerId;
    let c = byCustomer.get(id);
    if (!c) {
      c = { profile: null, events: [] };
      byCustomer.set(id, c);
    }
    if (r.topic === TOPICS.customerProfiles) c.profile = r.value as CustomerProfile;
    else c.events.push(r.value as Transaction | ChannelEvent);
  }
  return { options, lines: all, records, labels, byCustomer, planted: new Map(labels.planted.map((p) => [p.customerId, p.scenario])) };
}

export const isTransaction = (e: Transaction | ChannelEvent): e is Transaction => 'amountMinor' in e;

export function eventTime(r: ReplayRecord): number {
  return r.topic === TOPICS.customerProfiles ? (r.value as CustomerProfile).updatedAt : (r.value as { occurredAt: number }).occurredAt;
}
