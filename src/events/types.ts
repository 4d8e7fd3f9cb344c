import type { Topic } from './topics.ts';

// Decoded events as the application sees them (avsc's JS form with the
// timestamp-millis logical type mapped to numbers, see avro.ts):
// - timestamps are epoch milliseconds (UTC), never Date, so they compare,
//   hash and serialise without surprises;
// - money is an integer number of minor units, always a safe integer once
//   validated: an input's Avro long beyond the safe range decodes to a bigint
//   that validation refuses (VALIDATION), other topics' longs refuse it on
//   decode, and nothing beyond is ever encoded (avro-long.ts);
// - enums are string unions; the symbol lists below must equal the .avsc
//   enums (a unit test compares them).
// - nullable fields are `T | null`, never undefined.

/** Milliseconds since the Unix epoch, UTC. */
export type EpochMillis = number;
/** Integer amount in minor units (fen for CNY); always a safe integer. */
export type MinorUnits = number;
/**
 * Every sum of amounts the features keep (deposits, holdings, assets,
 * windows) saturates at ±this (90 trillion CNY): exact below it, never past
 * it (src/features/view.ts sat()).
 */
export const SUM_CAP_MINOR = 9_000_000_000_000_000;
export type StringMap = Readonly<Record<string, string>>;

export const TRANSACTION_TYPES = [
  'TRANSFER_OUT', 'TRANSFER_IN', 'SALARY_CREDIT', 'DEPOSIT', 'WITHDRAWAL',
  'CARD_PURCHASE', 'PRODUCT_PURCHASE', 'PRODUCT_REDEMPTION', 'LOAN_DISBURSEMENT', 'LOAN_REPAYMENT',
] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

export const TRANSACTION_CHANNELS = ['APP', 'WEB', 'WECHAT', 'BRANCH', 'ATM', 'POS', 'CALL_CENTER'] as const;
export type TransactionChannel = (typeof TRANSACTION_CHANNELS)[number];

/** Channels of channel events; also preferred and suggested contact channels. */
export const INTERACTION_CHANNELS = ['APP', 'WEB', 'WECHAT', 'BRANCH', 'CALL_CENTER', 'SMS', 'EMAIL', 'RM_VISIT'] as const;
export type InteractionChannel = (typeof INTERACTION_CHANNELS)[number];

export const PRODUCT_CATEGORIES = [
  'DEPOSIT', 'WEALTH_MANAGEMENT', 'FUND', 'BOND', 'INSURANCE', 'PRIVATE_EQUITY', 'STRUCTURED', 'PRECIOUS_METAL',
] as const;
export type ProductCategory = (typeof PRODUCT_CATEGORIES)[number];

export const CHANNEL_ACTIONS = [
  'LOGIN', 'PAGE_VIEW', 'RATE_QUERY', 'CALCULATOR', 'PRODUCT_VIEW', 'SEARCH',
  'ACCOUNT_OPENED', 'COMPLAINT', 'SURVEY_RESPONSE', 'CONTACT_OUTCOME',
] as const;
export type ChannelAction = (typeof CHANNEL_ACTIONS)[number];

export const INTEREST_TOPICS = [
  'MORTGAGE', 'CAR_LOAN', 'CONSUMER_LOAN', 'EDUCATION', 'RETIREMENT', 'WEALTH', 'INSURANCE', 'FX', 'CARD', 'OTHER',
] as const;
export type InterestTopic = (typeof INTEREST_TOPICS)[number];

/** Values of attributes.outcome on CONTACT_OUTCOME channel events. */
export const CONTACT_OUTCOMES = ['REACHED', 'NO_ANSWER', 'CONFIRMED_GENUINE', 'CONFIRMED_FRAUD', 'DECLINED'] as const;
export type ContactOutcome = (typeof CONTACT_OUTCOMES)[number];

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const OUTREACH_KINDS = [
  'RETENTION', 'VIP_UPGRADE', 'GROWTH_PLAN', 'RISK_REASSESSMENT',
  'SUITABILITY_REVIEW', 'LIFE_STAGE_OFFER', 'CARE', 'SERVICE_RECOVERY',
] as const;
export type OutreachKind = (typeof OUTREACH_KINDS)[number];

export const CUSTOMER_TIERS = ['VIP', 'POTENTIAL', 'ORDINARY'] as const;
export type CustomerTier = (typeof CUSTOMER_TIERS)[number];

export const SUPPRESSION_REASONS = ['NO_CONSENT', 'CONTACT_CAP', 'COOLDOWN'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export const DEAD_LETTER_REASONS = ['BAD_FRAMING', 'UNKNOWN_SCHEMA', 'AVRO_DECODE', 'VALIDATION', 'LATE'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

// ---- input events ----

export interface Counterparty {
  readonly accountRef: string;
  readonly ownAccount: boolean;
}

export interface Product {
  readonly productId: string;
  readonly category: ProductCategory;
  readonly riskLevel: number;
}

export interface Transaction {
  readonly eventId: string;
  readonly customerId: string;
  readonly accountId: string;
  readonly occurredAt: EpochMillis;
  readonly type: TransactionType;
  readonly amountMinor: MinorUnits;
  readonly currency: string;
  readonly channel: TransactionChannel;
  readonly balanceAfterMinor: MinorUnits;
  readonly counterparty: Counterparty | null;
  readonly merchantCategory: string | null;
  readonly product: Product | null;
  readonly maskedAccountNo: string;
}

export interface ChannelEvent {
  readonly eventId: string;
  readonly customerId: string;
  readonly occurredAt: EpochMillis;
  readonly channel: InteractionChannel;
  readonly action: ChannelAction;
  readonly topic: InterestTopic | null;
  readonly attributes: StringMap;
}

export interface CustomerProfile {
  readonly customerId: string;
  readonly updatedAt: EpochMillis;
  readonly birthDate: string | null;
  readonly riskTolerance: number | null;
  readonly riskAssessedAt: EpochMillis | null;
  readonly marketingConsent: boolean;
  readonly preferredChannels: readonly InteractionChannel[];
  readonly relationshipManagerId: string | null;
  /** Sensitive: never store, log or emit unmasked. */
  readonly idNumber: string;
  /** Sensitive: never store, log or emit unmasked. */
  readonly fullName: string;
}

// ---- output events ----

export interface FraudCheckTask {
  readonly taskId: string;
  readonly customerId: string;
  readonly transactionEventId: string;
  readonly createdAt: EpochMillis;
  readonly dueBy: EpochMillis;
  readonly priority: Priority;
  readonly amountMinor: MinorUnits;
  readonly maskedAccountNo: string;
  readonly reasons: readonly string[];
  readonly ruleId: string;
  readonly ruleVersion: number;
  readonly evidence: StringMap;
  readonly suggestedScript: string;
  readonly ruleSetVersion: string | null;
  /** null on records written before the field existed (as for the fields below). */
  readonly tier: CustomerTier | null;
  /** occurredAt of the triggering transaction. */
  readonly triggeredAt: EpochMillis | null;
}

export interface OutreachTask {
  readonly taskId: string;
  readonly customerId: string;
  readonly kind: OutreachKind;
  readonly offerCode: string | null;
  readonly tier: CustomerTier;
  readonly channel: InteractionChannel;
  readonly priority: Priority;
  readonly createdAt: EpochMillis;
  readonly dueBy: EpochMillis;
  readonly reasons: readonly string[];
  readonly ruleId: string;
  readonly ruleVersion: number;
  readonly evidence: StringMap;
  readonly sourceEventIds: readonly string[];
  readonly ruleSetVersion: string | null;
  /** occurredAt of the triggering event; null on records written before the field existed. */
  readonly triggeredAt: EpochMillis | null;
}

export interface Suppression {
  readonly customerId: string;
  readonly ruleId: string;
  readonly ruleVersion: number;
  readonly kind: OutreachKind;
  readonly offerCode: string | null;
  readonly reason: SuppressionReason;
  readonly createdAt: EpochMillis;
  readonly evidence: StringMap;
  readonly sourceEventIds: readonly string[];
  readonly ruleSetVersion: string | null;
  /** What the held-back task would have carried; null on records written before these fields existed. */
  readonly priority: Priority | null;
  readonly reasons: readonly string[] | null;
  readonly tier: CustomerTier | null;
  readonly triggeredAt: EpochMillis | null;
}

export interface DeadLetter {
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: number;
  /** Original bytes; avsc decodes and encodes `bytes` as Buffer. */
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: StringMap;
  readonly reason: DeadLetterReason;
  readonly message: string;
  readonly failedAt: EpochMillis;
}

// Indexing this map with a Topic fails to compile if a topic is missing.
export interface EventByTopic {
  'bank.transactions.v1': Transaction;
  'bank.channel-events.v1': ChannelEvent;
  'bank.customer-profiles.v1': CustomerProfile;
  'bank.fraud-check-tasks.v1': FraudCheckTask;
  'bank.outreach-tasks.v1': OutreachTask;
  'bank.carestream.suppressions.v1': Suppression;
  'bank.carestream.dlq.v1': DeadLetter;
}

export type EventOf<T extends Topic> = EventByTopic[T];
export type InputEvent = Transaction | ChannelEvent | CustomerProfile;
