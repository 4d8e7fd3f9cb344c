// Builders of rule contexts for the unit tests: every field has a neutral
// default (an ORDINARY customer with nothing going on), tests override only
// what their case is about.
import type { ChannelEvent, CustomerTier, Transaction } from '../../../src/events/types.ts';
import { BusinessCalendar } from '../../../src/state/calendar.ts';
import type { EventView } from '../../../src/state/view.ts';
import type { ProfileFacts, RuleContext } from '../../../src/rules/types.ts';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const TZ = 'Asia/Shanghai';
export const calendar = new BusinessCalendar(TZ);

/** 2026-11-10T14:20:00+08:00 */
export const T0 = Date.parse('2026-11-10T06:20:00Z');

export function view(overrides: Partial<EventView> = {}): EventView {
  return {
    assetsMinor: 30_000_000,
    depositsMinor: 30_000_000,
    holdingsMinor: 0,
    avg30Minor: 30_000_000,
    avg30AgoMinor: 30_000_000,
    maxEodPrev7Minor: 30_000_000,
    outflow1h: { sumMinor: 0, count: 0 },
    newCounterpartyOutflow1h: { sumMinor: 0, count: 0 },
    outflow24h: { sumMinor: 0, count: 0 },
    maxOutflow90dMinor: 2_000_000,
    counterpartySeen: true,
    counterparties90d: 3,
    highRiskStreak: 0,
    mortgageInterest30d: 0,
    lastInvestmentAt: null,
    payrollMonth: null,
    babyMonths: [],
    salaryMonths: [],
    age: 40,
    ...overrides,
  };
}

export function profile(overrides: Partial<ProfileFacts> = {}): ProfileFacts {
  return {
    marketingConsent: true,
    age: 40,
    riskTolerance: 3,
    riskAssessedAt: T0 - 100 * DAY,
    preferredChannels: [],
    hasRelationshipManager: false,
    ...overrides,
  };
}

export function tx(overrides: Partial<Transaction> = {}): Transaction {
  return {
    eventId: 'tx-1',
    customerId: 'C-000001',
    accountId: 'ACC-SECRET-1',
    occurredAt: T0,
    type: 'TRANSFER_OUT',
    amountMinor: 6_000_000,
    currency: 'CNY',
    channel: 'APP',
    balanceAfterMinor: 24_000_000,
    counterparty: { accountRef: 'cp-1', ownAccount: false },
    merchantCategory: null,
    product: null,
    maskedAccountNo: '8812',
    ...overrides,
  };
}

export function channelEvent(overrides: Partial<ChannelEvent> = {}): ChannelEvent {
  return {
    eventId: 'ch-1',
    customerId: 'C-000001',
    occurredAt: T0,
    channel: 'APP',
    action: 'LOGIN',
    topic: null,
    attributes: {},
    ...overrides,
  };
}

export interface CtxSpec {
  readonly trigger?: Transaction | ChannelEvent;
  readonly before?: Partial<EventView>;
  readonly after?: Partial<EventView>;
  /** null: the profile has not arrived. */
  readonly profile?: Partial<ProfileFacts> | null;
  readonly tierBefore?: CustomerTier;
  readonly tierAfter?: CustomerTier;
}

const isTransaction = (e: Transaction | ChannelEvent): e is Transaction => 'accountId' in e;

/** A rule context; `after` defaults to `before` (an event that changes nothing). */
export function ctx(spec: CtxSpec = {}): RuleContext {
  const event = spec.trigger ?? tx();
  const before = view(spec.before);
  const after = view({ ...spec.before, ...spec.after });
  return {
    trigger: isTransaction(event) ? { kind: 'transaction', event } : { kind: 'channel', event },
    before,
    after,
    profile: spec.profile === null ? null : profile(spec.profile ?? {}),
    tierBefore: spec.tierBefore ?? 'ORDINARY',
    tierAfter: spec.tierAfter ?? spec.tierBefore ?? 'ORDINARY',
    day: calendar.day(event.occurredAt),
    month: calendar.month(event.occurredAt),
  };
}

/** Month index of a `YYYY-MM` label. */
export const monthOf = (label: string): number => {
  const [y, m] = label.split('-').map(Number);
  return y! * 12 + (m! - 1);
};
