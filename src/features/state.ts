import type { CustomerTier } from '../events/types.ts';

/**
 * A customer's state: everything the features of docs/FEATURES.md are
 * computed from, with named fields. Plain data (JSON-serialisable numbers,
 * strings, arrays and objects), so a store can keep it as it likes.
 *
 * What it holds and why it is enough:
 * - only the days, slots and entries some window can still read (trimmed
 *   relative to the watermarks after every event, see apply.ts);
 * - account ids and counterparty refs only as pseudonyms (the caller's keyed
 *   hash), the birth date only as its month, no name or id number.
 *
 * Time as a trigger (issue 13, src/features/timers.ts): the optional fields
 * `timers`, `lastEvaluated`, `fraudChecks` and `lastContactAt` hold the
 * customer's pending timers, the tier as last evaluated (edges are judged
 * against it), the fraud checks whose answer is awaited and the last contact
 * (cadence). Optional, so a state stored before them reads as "none yet";
 * `version` says which layout a stored value has.
 *
 * Size: the largest part is the end-of-day series (up to 212 numbers); a
 * store should encode it as deltas (most days repeat or move a little), not
 * as 212 doubles.
 */

/** A balance after a transaction, for one account. */
export interface BalanceEntry {
  readonly at: number;
  readonly day: number;
  readonly balanceMinor: number;
}

/** Outflows in one 5-minute slot: all of them, and those to a counterparty new at the time. */
export interface OutflowSlot {
  readonly sumMinor: number;
  readonly count: number;
  readonly newCounterpartySumMinor: number;
  readonly newCounterpartyCount: number;
}

/** An eventId kept for duplicate detection: when it happened and a digest of its content. */
export interface KeptEventId {
  readonly at: number;
  readonly digest: string;
}

/**
 * Bytes of a content digest kept per event behind the lateness window. Only
 * an event that would otherwise be LATE is looked up, among the events of
 * its own UTC day (a few), so a false match — a genuinely late event counted
 * as a duplicate instead of dead-lettered; it is not applied either way — has
 * a chance of about (events that day) / 2^24 per late event (about 1.5 x 10^-7
 * at 2.5 events a day), and 3 bytes instead of 4 or 8 keep a week of them in
 * about 70 bytes a customer.
 */
export const FINGERPRINT_BYTES = 3;

/**
 * Events applied on one UTC day (`floor(occurredAt / 86,400,000)`) that are
 * behind their topic's lateness window: a short fingerprint of each one's
 * content digest (the digest covers the eventId too), so that the same event
 * published again is told from a late one (see CustomerState.olderDigests).
 */
export interface DigestDay {
  readonly day: number;
  /** The first FINGERPRINT_BYTES bytes of each content digest, as an unsigned integer, in the order kept. */
  readonly fingerprints: readonly number[];
}

export interface Watermark {
  readonly at: number;
  readonly day: number;
}

/** The profile as kept: no name, no id number, the birth date as its month index and day of month (docs/FEATURES.md, Profile). */
export interface KeptProfile {
  readonly updatedAt: number;
  /** year * 12 + (month - 1) of the birth date; null when unknown. */
  readonly birthMonth: number | null;
  /** Day of month (1-31) of the birth date, for the birthday and the exact age; absent on states kept before it, null when unknown. */
  readonly birthDay?: number | null;
  readonly marketingConsent: boolean;
  readonly riskTolerance: number | null;
  readonly riskAssessedAt: number | null;
  readonly preferredChannels: readonly string[];
  readonly hasRelationshipManager: boolean;
}

/** A value contact issued to the customer (what caps and cool-downs count). */
export interface KeptContact {
  readonly taskId: string;
  readonly ruleId: string;
  readonly kind: string;
  /** Event time of the task's trigger. */
  readonly at: number;
}

/** A CONTACT_OUTCOME channel event. */
export interface KeptOutcome {
  readonly at: number;
  readonly taskId: string;
  readonly outcome: string;
}

/** A product purchase, for the high-risk streak. */
export interface KeptPurchase {
  readonly at: number;
  readonly highRisk: boolean;
}

/** What a timer re-evaluates when it fires (src/features/timers.ts). */
export type TimerWhat = 'TIER' | 'CADENCE' | 'BIRTHDAY' | 'FRAUD_SLA';

/** A pending timer: fires once stream time reaches `dueAt`; `ref` names the fraud check of a FRAUD_SLA timer. */
export interface Timer {
  readonly dueAt: number;
  readonly what: TimerWhat;
  readonly ref?: string;
}

/** State conditions as carestream last evaluated them: rules edge on a change from these, not on the event's own "before". */
export interface LastEvaluated {
  readonly tier: CustomerTier;
  /** The last business day whose tier was evaluated (at its close). */
  readonly day: number;
  /** When the customer entered `tier` (the occurredAt of the evaluation that saw the change). */
  readonly since: number;
  /** When care-cadence last fired (the cadence counts from it too, so a held-back cadence task does not fire again at once). */
  readonly cadenceAt?: number;
  /** Business day of the last birthday handled (greeted or not). */
  readonly birthdayDay?: number;
}

/** A fraud check issued for the customer, watched for its answer until its dueBy passes. */
export interface WatchedFraudCheck {
  readonly taskId: string;
  readonly dueBy: number;
  readonly status: 'OPEN' | 'ANSWERED' | 'ESCALATED';
  /** What an escalation needs to name the same transaction (masked account: last four digits only). */
  readonly transactionEventId: string;
  readonly transactionType: 'TRANSFER_OUT' | 'WITHDRAWAL';
  readonly transactionAt: number;
  readonly amountMinor: number;
  readonly maskedAccountNo: string;
  /** When the answer or the escalation happened. */
  readonly closedAt?: number;
}

export interface CustomerState {
  readonly version: 1;
  /** Latest occurredAt applied over transactions and channel events, with its business day and month; features are read as of it. */
  readonly watermark: (Watermark & { readonly month: number }) | null;
  /** Latest occurredAt applied per input topic: lateness is judged per topic. */
  readonly transactionsWatermark: Watermark | null;
  readonly channelWatermark: Watermark | null;
  /** Business day of the customer's first transaction or channel event. */
  readonly firstDay: number | null;
  /** Highest applied offset per input topic-partition (`<topic>#<partition>`). */
  readonly offsets: Readonly<Record<string, number>>;
  /** EventIds applied within their topic's lateness window (`t:<eventId>` transactions, `c:<eventId>` channel events). */
  readonly eventIds: Readonly<Record<string, KeptEventId>>;
  /**
   * Fingerprints of the events that left `eventIds` (behind their topic's
   * lateness window), per UTC day, ascending, for DUPLICATE_WINDOW_DAYS
   * behind the older topic watermark: an event behind the lateness window
   * whose fingerprint is kept for its day is a duplicate, not late.
   */
  readonly olderDigests: readonly DigestDay[];
  /** Per pseudonymous account: the entries of the mutable days and the latest one before them, in time order. */
  readonly accounts: Readonly<Record<string, readonly BalanceEntry[]>>;
  /** Purchases minus redemptions, all time. */
  readonly holdingsNetMinor: number;
  /** Net product flow per day, for the mutable days (to get holdings at the end of an earlier day). */
  readonly holdingsFlowByDay: Readonly<Record<string, number>>;
  /** End-of-day assets from `firstDay` on (`values[i]` is day `firstDay + i`); later days carry the last value. */
  readonly endOfDay: { readonly firstDay: number; readonly values: readonly number[] } | null;
  /** Outflows per 5-minute slot (`floor(ms / 300000)`), the last 24 h. */
  readonly outflowSlots: Readonly<Record<string, OutflowSlot>>;
  /** Largest outflow per business day, the last 90 days. */
  readonly maxOutflowByDay: Readonly<Record<string, number>>;
  /** Last business day each pseudonymous counterparty was seen, the last 90 days. */
  readonly counterpartyLastDay: Readonly<Record<string, number>>;
  /** Mortgage-interest channel events per business day, the last 30 days. */
  readonly mortgageInterestByDay: Readonly<Record<string, number>>;
  /** The last purchases in event-time order (at most MAX_PURCHASES) ... */
  readonly recentPurchases: readonly KeptPurchase[];
  /** ... and the high-risk run of the purchases before them. */
  readonly highRiskRunBefore: number;
  readonly lastInvestmentAt: number | null;
  /** Months (year * 12 + month - 1) with a baby-MCC card purchase, ascending, the last 13. */
  readonly babyMonths: readonly number[];
  /** Months with a salary credit, ascending, the last 13. */
  readonly salaryMonths: readonly number[];
  /** Month at whose first salary the payroll condition last held. */
  readonly payrollMonth: number | null;
  readonly profile: KeptProfile | null;
  /** Value contacts issued recently (the contact policy's history; see recordContacts). */
  readonly contacts: readonly KeptContact[];
  /** The last contact outcomes (at most MAX_OUTCOMES). */
  readonly outcomes: readonly KeptOutcome[];
  /** Pending timers, earliest first (at most MAX_TIMERS; recomputed by schedule() in timers.ts). */
  readonly timers?: readonly Timer[];
  /** The tier as last evaluated; absent until the first evaluation. */
  readonly lastEvaluated?: LastEvaluated;
  /** Fraud checks watched for their answer (at most MAX_WATCHED_CHECKS, the newest). */
  readonly fraudChecks?: readonly WatchedFraudCheck[];
  /** Event time of the last contact for the care cadence: an issued outreach task (not a birthday greeting) or a REACHED outcome. */
  readonly lastContactAt?: number;
}

/** The state of a customer nothing is known about. */
export function emptyState(): CustomerState {
  return {
    version: 1,
    watermark: null,
    transactionsWatermark: null,
    channelWatermark: null,
    firstDay: null,
    offsets: {},
    eventIds: {},
    olderDigests: [],
    accounts: {},
    holdingsNetMinor: 0,
    holdingsFlowByDay: {},
    endOfDay: null,
    outflowSlots: {},
    maxOutflowByDay: {},
    counterpartyLastDay: {},
    mortgageInterestByDay: {},
    recentPurchases: [],
    highRiskRunBefore: 0,
    lastInvestmentAt: null,
    babyMonths: [],
    salaryMonths: [],
    payrollMonth: null,
    profile: null,
    contacts: [],
    outcomes: [],
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The state while apply.ts changes it: the same shape, writable at the top and in its containers. */
export interface Draft extends Omit<Mutable<CustomerState>, 'offsets' | 'eventIds' | 'olderDigests' | 'accounts' | 'holdingsFlowByDay' | 'endOfDay' | 'outflowSlots' | 'maxOutflowByDay' | 'counterpartyLastDay' | 'mortgageInterestByDay' | 'recentPurchases' | 'babyMonths' | 'salaryMonths' | 'contacts' | 'outcomes' | 'timers' | 'fraudChecks'> {
  offsets: Record<string, number>;
  eventIds: Record<string, KeptEventId>;
  /** Days are replaced, never changed in place (they may be shared with the state drafted from). */
  olderDigests: DigestDay[];
  accounts: Record<string, BalanceEntry[]>;
  holdingsFlowByDay: Record<string, number>;
  endOfDay: { firstDay: number; values: number[] } | null;
  outflowSlots: Record<string, OutflowSlot>;
  maxOutflowByDay: Record<string, number>;
  counterpartyLastDay: Record<string, number>;
  mortgageInterestByDay: Record<string, number>;
  recentPurchases: KeptPurchase[];
  babyMonths: number[];
  salaryMonths: number[];
  contacts: KeptContact[];
  outcomes: KeptOutcome[];
  timers?: Timer[];
  fraudChecks?: WatchedFraudCheck[];
}

/**
 * A writable copy: containers are copied, their entries (frozen-by-convention
 * value objects) are shared, so a copy costs one pass over the keys.
 */
export function draftOf(s: CustomerState): Draft {
  const accounts: Record<string, BalanceEntry[]> = {};
  for (const k in s.accounts) accounts[k] = s.accounts[k]!.slice();
  const { timers, fraudChecks, ...rest } = s;
  return {
    ...rest,
    // optional fields stay absent when absent (a stored state without them reads back the same)
    ...(timers && { timers: timers.slice() }),
    ...(fraudChecks && { fraudChecks: fraudChecks.slice() }),
    offsets: { ...s.offsets },
    eventIds: { ...s.eventIds },
    olderDigests: s.olderDigests.slice(),
    accounts,
    holdingsFlowByDay: { ...s.holdingsFlowByDay },
    endOfDay: s.endOfDay && { firstDay: s.endOfDay.firstDay, values: s.endOfDay.values.slice() },
    outflowSlots: { ...s.outflowSlots },
    maxOutflowByDay: { ...s.maxOutflowByDay },
    counterpartyLastDay: { ...s.counterpartyLastDay },
    mortgageInterestByDay: { ...s.mortgageInterestByDay },
    recentPurchases: s.recentPurchases.slice(),
    babyMonths: s.babyMonths.slice(),
    salaryMonths: s.salaryMonths.slice(),
    contacts: s.contacts.slice(),
    outcomes: s.outcomes.slice(),
  };
}
