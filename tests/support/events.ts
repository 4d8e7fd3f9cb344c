import type { ChannelEvent, CustomerProfile, Transaction } from '../../src/events/types.ts';

let seq = 0;

/** A valid transaction with sensible defaults; override what the test is about. */
export function tx(customerId: string, at: string, over: Partial<Transaction> = {}): Transaction {
  return {
    eventId: `${customerId}-t${++seq}`,
    customerId,
    accountId: 'ACC6222021234568812',
    occurredAt: Date.parse(at),
    type: 'DEPOSIT',
    amountMinor: 100_000,
    currency: 'CNY',
    channel: 'APP',
    balanceAfterMinor: 100_000,
    counterparty: null,
    merchantCategory: null,
    product: null,
    maskedAccountNo: '8812',
    ...over,
  };
}

export function channel(customerId: string, at: string, over: Partial<ChannelEvent> = {}): ChannelEvent {
  return {
    eventId: `${customerId}-c${++seq}`,
    customerId,
    occurredAt: Date.parse(at),
    channel: 'APP',
    action: 'LOGIN',
    topic: null,
    attributes: {},
    ...over,
  };
}

export function profile(customerId: string, over: Partial<CustomerProfile> = {}): CustomerProfile {
  return {
    customerId,
    updatedAt: Date.parse('2026-01-01T00:00:00+08:00'),
    birthDate: '1985-06-15',
    riskTolerance: 3,
    riskAssessedAt: Date.parse('2026-01-01T00:00:00+08:00'),
    marketingConsent: true,
    preferredChannels: [],
    relationshipManagerId: null,
    idNumber: '110101198506151234',
    fullName: 'Li Si',
    ...over,
  };
}
