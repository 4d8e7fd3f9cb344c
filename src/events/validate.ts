// Validation of decoded input events. Avro already guarantees the shape; this
// adds the contract's value rules. A failure is data, not an exception, and
// its message names fields and rules but never values: events carry names,
// ID numbers and account data, and messages end up in logs and the DLQ.
import { z } from 'zod';
import { formatPath } from './field-path.ts';
import { DEFAULT_ID_RULES, idProblem, type IdRules } from './identifier.ts';
import { daysInMonth } from './time.ts';
import { TOPICS, isInputTopic, type InputTopic } from './topics.ts';
import {
  CHANNEL_ACTIONS,
  CONTACT_OUTCOMES,
  INTEREST_TOPICS,
  INTERACTION_CHANNELS,
  PRODUCT_CATEGORIES,
  TRANSACTION_CHANNELS,
  TRANSACTION_TYPES,
  type ChannelEvent,
  type CustomerProfile,
  type EventOf,
  type Transaction,
} from './types.ts';

export interface TimeBounds {
  /** The consumer's clock, epoch millis. */
  readonly nowMs: number;
  /** How far event time may run ahead of nowMs (producer clock skew). */
  readonly maxFutureSkewMs: number;
  /** Events older than this are LATE: their windows are gone. Not applied to profiles (compacted). */
  readonly maxAgeMs: number;
}

/** Limits of the values themselves, from the settings (src/config.ts). */
export interface InputLimits {
  /** What a customer id, an event id and a contact outcome's task id may be. */
  readonly ids: IdRules;
  /** Largest amount, and largest balance either side of zero, in minor units. */
  readonly maxAmountMinor: number;
}

/** 10^15 minor units (10 trillion CNY): sums of many such amounts still fit in 2^53 - 1 for a long while. */
export const DEFAULT_LIMITS: InputLimits = Object.freeze({ ids: DEFAULT_ID_RULES, maxAmountMinor: 1_000_000_000_000_000 });

export type ValidationResult<T> =
  | { readonly ok: true; readonly event: T }
  | { readonly ok: false; readonly reason: 'VALIDATION' | 'LATE'; readonly message: string };

// ---- field rules ----

// A rule's own message, except for an absent field, which says so.
const msg =
  (text: string) =>
  (issue: { readonly input?: unknown }): string =>
    issue.input === undefined ? 'required' : text;

const nonBlank = z.string().regex(/\S/, { error: msg('must not be empty') });
const epochMillis = z.int({ error: msg('must be integer epoch milliseconds') });
const level1to5 = z.int().min(1, { error: msg('must be 1..5') }).max(5, { error: msg('must be 1..5') });

/** A string that must be an identifier (identifier.ts); the message gives its length, never its value. */
const identifier = (rules: IdRules) =>
  z.string().check((ctx) => {
    const problem = idProblem(ctx.value, rules);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: undefined });
  });

/**
 * An amount in minor units within [min, max]. An input's Avro long beyond the
 * safe range decodes to a bigint (avro-long.ts): it is out of range like any
 * number past the limit, and the message names the limit, never the value.
 */
const minorUnits = (min: number, max: number, minRule: string) =>
  z
    .custom<number>((v) => typeof v === 'number' || typeof v === 'bigint', { error: msg('must be an integer amount in minor units') })
    .check((ctx) => {
      const v: unknown = ctx.value;
      if (typeof v !== 'number' && typeof v !== 'bigint') return; // the type's own issue says so
      const problem =
        typeof v === 'number' && !Number.isInteger(v) ? 'must be an integer amount in minor units'
        : v > max ? `must be at most ${max}`
        : v < min ? minRule
        : typeof v === 'bigint' ? 'must be an integer amount in minor units' // in range, yet not a number: no decoder of ours gives this
        : undefined;
      // continue: like zod's own number checks, so the record's other rules are still reported.
      if (problem) ctx.issues.push({ code: 'custom', message: problem, input: undefined, continue: true });
    });

const BIRTH_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isCalendarDate(text: string): boolean {
  const m = BIRTH_DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

const PRODUCT_TYPES: ReadonlySet<string> = new Set(['PRODUCT_PURCHASE', 'PRODUCT_REDEMPTION']);

const transactionSchema = (l: InputLimits): z.ZodType<Transaction> => z
  .object({
    eventId: identifier(l.ids),
    customerId: identifier(l.ids),
    accountId: nonBlank,
    occurredAt: epochMillis,
    type: z.enum(TRANSACTION_TYPES),
    amountMinor: minorUnits(1, l.maxAmountMinor, 'must be greater than 0'),
    currency: z.string().regex(/^[A-Z]{3}$/, { error: msg('must be an ISO 4217 code of three capital letters') }),
    channel: z.enum(TRANSACTION_CHANNELS),
    balanceAfterMinor: minorUnits(-l.maxAmountMinor, l.maxAmountMinor, `must be at least -${l.maxAmountMinor}`),
    counterparty: z.object({ accountRef: nonBlank, ownAccount: z.boolean() }).nullable(),
    merchantCategory: z.string().regex(/^\d{4}$/, { error: msg('must be a four-digit ISO 18245 code') }).nullable(),
    product: z
      .object({ productId: nonBlank, category: z.enum(PRODUCT_CATEGORIES), riskLevel: level1to5 })
      .nullable(),
    maskedAccountNo: z.string().regex(/^\d{4}$/, { error: msg('must be exactly four digits') }),
  })
  .check((ctx) => {
    if (PRODUCT_TYPES.has(ctx.value.type) && ctx.value.product === null) {
      ctx.issues.push({
        code: 'custom',
        path: ['product'],
        message: 'required when type is PRODUCT_PURCHASE or PRODUCT_REDEMPTION',
        input: undefined,
      });
    }
  });

const channelEventSchema = (l: InputLimits): z.ZodType<ChannelEvent> => z
  .object({
    eventId: identifier(l.ids),
    customerId: identifier(l.ids),
    occurredAt: epochMillis,
    channel: z.enum(INTERACTION_CHANNELS),
    action: z.enum(CHANNEL_ACTIONS),
    topic: z.enum(INTEREST_TOPICS).nullable(),
    attributes: z.record(z.string(), z.string()),
  })
  .check((ctx) => {
    // The outcome is what the pipeline acts on; taskId may be absent when an
    // agent called on their own initiative, but must not be blank.
    // Checks also run when a field failed, so attributes may be malformed.
    const attrs: unknown = ctx.value.attributes;
    if (ctx.value.action !== 'CONTACT_OUTCOME' || typeof attrs !== 'object' || attrs === null) return;
    const { outcome, taskId } = attrs as Record<string, unknown>;
    if (!(CONTACT_OUTCOMES as readonly unknown[]).includes(outcome)) {
      ctx.issues.push({
        code: 'custom',
        path: ['attributes', 'outcome'],
        message: `required on CONTACT_OUTCOME, one of ${CONTACT_OUTCOMES.join(', ')}`,
        input: undefined,
      });
    }
    // The task id is stored with the outcome and shown by the API and explain.
    const problem = taskId === undefined ? undefined : idProblem(taskId, l.ids);
    if (problem) ctx.issues.push({ code: 'custom', path: ['attributes', 'taskId'], message: problem, input: undefined });
  });

const customerProfileSchema = (l: InputLimits): z.ZodType<CustomerProfile> => z.object({
  customerId: identifier(l.ids),
  updatedAt: epochMillis,
  birthDate: z
    .string()
    .refine(isCalendarDate, { error: msg('must be a valid date in YYYY-MM-DD form'), abort: true })
    .refine((s) => s >= '1900-01-01', { error: msg('must not be before 1900-01-01') })
    .nullable(),
  riskTolerance: level1to5.nullable(),
  riskAssessedAt: epochMillis.nullable(),
  marketingConsent: z.boolean(),
  preferredChannels: z.array(z.enum(INTERACTION_CHANNELS)),
  relationshipManagerId: nonBlank.nullable(),
  idNumber: nonBlank,
  fullName: nonBlank,
});

// ---- time rules, which depend on the caller's clock ----

interface TimeIssue {
  readonly reason: 'VALIDATION' | 'LATE';
  readonly message: string;
}

const DAY_MS = 86_400_000;

function notInFuture(field: string, ms: number, b: TimeBounds): TimeIssue | undefined {
  return ms > b.nowMs + b.maxFutureSkewMs
    ? { reason: 'VALIDATION', message: `${field}: is more than ${b.maxFutureSkewMs} ms in the future` }
    : undefined;
}

function eventTime(ms: number, b: TimeBounds): TimeIssue | undefined {
  return (
    notInFuture('occurredAt', ms, b) ??
    (ms < b.nowMs - b.maxAgeMs
      ? { reason: 'LATE', message: `occurredAt: is older than the maximum age of ${b.maxAgeMs} ms` }
      : undefined)
  );
}

function profileTimes(p: CustomerProfile, b: TimeBounds): TimeIssue | undefined {
  // A day of slack: the date is local to an unknown zone, nowMs is UTC.
  const born = p.birthDate === null ? undefined : Date.parse(`${p.birthDate}T00:00:00Z`);
  return (
    notInFuture('updatedAt', p.updatedAt, b) ??
    (p.riskAssessedAt === null ? undefined : notInFuture('riskAssessedAt', p.riskAssessedAt, b)) ??
    (born !== undefined && born > b.nowMs + DAY_MS
      ? { reason: 'VALIDATION', message: 'birthDate: is in the future' }
      : undefined)
  );
}

type Rules = { readonly [T in InputTopic]: { schema: z.ZodType<EventOf<T>>; time: (e: EventOf<T>, b: TimeBounds) => TimeIssue | undefined } };

const rulesByLimits = new WeakMap<InputLimits, Rules>();

/** The schemas for a set of limits, built once per limits object (the config's is frozen and lives as long as the process). */
function rulesFor(l: InputLimits): Rules {
  let r = rulesByLimits.get(l);
  if (!r) {
    r = {
      [TOPICS.transactions]: { schema: transactionSchema(l), time: (e, b) => eventTime(e.occurredAt, b) },
      [TOPICS.channelEvents]: { schema: channelEventSchema(l), time: (e, b) => eventTime(e.occurredAt, b) },
      [TOPICS.customerProfiles]: { schema: customerProfileSchema(l), time: profileTimes },
    };
    rulesByLimits.set(l, r);
  }
  return r;
}

// ---- value-free messages for zod's own issues ----

const MAX_ISSUES = 5;

function describe(issue: z.core.$ZodRawIssue): string {
  if (issue.input === undefined) return 'required';
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${issue.expected === 'int' ? 'an integer' : `of type ${issue.expected}`}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}${issue.origin === 'string' ? ' characters long' : ''}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}${issue.origin === 'string' ? ' characters long' : ''}`;
    case 'invalid_format':
      return `must be in ${issue.format} format`;
    default:
      return 'is invalid';
  }
}

function summarise(issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, MAX_ISSUES).map((i) => `${formatPath(i.path)}: ${i.message}`);
  if (issues.length > MAX_ISSUES) parts.push(`and ${issues.length - MAX_ISSUES} more`);
  return parts.join('; ');
}

/**
 * Checks a decoded input event against the contract. Never throws; a failure
 * carries a DLQ reason (LATE for events older than maxAgeMs) and a message
 * without personal data. On success `event` is a plain-object copy.
 */
export function validateEvent<T extends InputTopic>(
  topic: T,
  decoded: unknown,
  bounds: TimeBounds,
  limits: InputLimits = DEFAULT_LIMITS,
): ValidationResult<EventOf<T>> {
  try {
    if (!isInputTopic(topic)) return { ok: false, reason: 'VALIDATION', message: 'no validation rules for this topic' };
    const all = rulesFor(limits);
    const rules = all[topic] as unknown as Rules[T];
    const parsed = rules.schema.safeParse(decoded, { error: describe, reportInput: false });
    if (!parsed.success) return { ok: false, reason: 'VALIDATION', message: summarise(parsed.error.issues) };
    const late = rules.time(parsed.data, bounds);
    return late ? { ok: false, ...late } : { ok: true, event: parsed.data };
  } catch {
    // Defensive: a hostile object (throwing getter, proxy) must not crash the consumer.
    return { ok: false, reason: 'VALIDATION', message: 'event could not be inspected' };
  }
}
