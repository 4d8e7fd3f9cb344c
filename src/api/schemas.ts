import { z } from 'zod';
import { DEFAULT_ID_RULES, idPattern } from '../events/identifier.ts';
import { isAmountEvidence } from './present.ts';
import { CONTACT_OUTCOMES, CUSTOMER_TIERS, INTERACTION_CHANNELS, OUTREACH_KINDS, PRIORITIES, SUPPRESSION_REASONS } from '../events/types.ts';

/**
 * The agent API's response bodies. Every body is parsed with its schema before
 * it is sent (a body that does not match is a 500), and the OpenAPI document's
 * schemas are generated from these (src/api/openapi.ts), so the document and
 * the responses cannot drift apart. Objects are strict: a field nobody listed
 * here — a name, an ID number — makes the response fail instead of leaking.
 */

/**
 * A customer id in a path, as the OpenAPI document describes it with the
 * default rules. The router checks ids with the configured ones
 * (src/events/identifier.ts, ID_PATTERN, ID_MAX_LENGTH, ID_MAX_DIGIT_RUN).
 */
export const customerIdSchema = z
  .string()
  .min(1)
  .max(DEFAULT_ID_RULES.maxLength)
  .regex(idPattern(DEFAULT_ID_RULES.pattern), 'a customer id is letters, digits, . _ : or -, starting with a letter or digit')
  .meta({ description: `an identifier: by default 1-${DEFAULT_ID_RULES.maxLength} letters, digits, . _ : or -, starting with a letter or digit, with no run of more than ${DEFAULT_ID_RULES.maxDigitRun} digits` });

export const LIMIT = Object.freeze({ default: 20, max: 50 });
export const limitSchema = z.coerce.number().int().min(1).max(LIMIT.max);

export const instant = z.iso.datetime({ offset: true }).meta({ description: 'ISO-8601 with the business time zone\'s offset' });
const minor = z.number().int().meta({ description: 'amount in minor units (fen)' });
const count = z.number().int().min(0);
const month = z.string().regex(/^\d{4}-\d{2}$/);
const tier = z.enum(CUSTOMER_TIERS);
const taskKind = z.enum(['FRAUD_CHECK', ...OUTREACH_KINDS]);

// Evidence and reasons are free text filled by rules; a long run of digits
// there would be an ID or account number that escaped masking.
const noLongDigits = (s: string) => !/\d{15,}/.test(s);
const evidenceText = z.string().refine(noLongDigits, 'looks like an unmasked ID or account number');
// Amounts (keys ending in Minor, integer values) may have 15 digits or more: 10^14 fen is one.
export const evidence = z
  .record(z.string(), z.string())
  .check((ctx) => {
    for (const [k, v] of Object.entries(ctx.value)) {
      if (!isAmountEvidence(k, v) && !noLongDigits(v)) ctx.issues.push({ code: 'custom', path: [k], message: 'looks like an unmasked ID or account number', input: undefined });
    }
  })
  .meta({ description: 'what the rule saw, as strings; account references masked to their last four digits' });

export const tallySchema = z.strictObject({ sumMinor: minor, count });

export const profileSchema = z
  .strictObject({
    updatedAt: instant,
    marketingConsent: z.boolean(),
    riskTolerance: z.number().int().nullable(),
    riskAssessedAt: instant.nullable(),
    hasRelationshipManager: z.boolean(),
    preferredChannels: z.array(z.string()),
    age: z.number().int().nullable().meta({ description: 'whole years from the birth month; the birth date itself is not kept' }),
  })
  .meta({ description: 'derived profile facts; no name, ID number or account number' });

export const featuresSchema = z
  .strictObject({
    customerId: z.string(),
    asOf: instant.nullable().meta({ description: 'the watermark: the latest event time applied; null before any event' }),
    depositsMinor: minor,
    holdingsMinor: minor,
    assetsMinor: minor,
    avg30Minor: minor,
    avg30AgoMinor: minor,
    tier,
    outflow1h: tallySchema,
    outflow24h: tallySchema,
    newCounterpartyOutflow1h: tallySchema,
    maxOutflow90dMinor: minor,
    counterparties90d: count,
    highRiskStreak: count,
    mortgageInterest30d: count,
    babyMonths: z.array(month),
    salaryMonths: z.array(month),
    lastInvestmentAt: instant.nullable(),
    profile: profileSchema.nullable(),
  })
  .meta({ description: 'the customer\'s features as `carestream inspect` shows them' });

// Nullable where records published by older versions lack the field (src/tasks/decision-log.ts).
const notRecorded = 'null on decisions recorded before carestream kept this field';
export const decisionCommon = {
  taskId: z.string(),
  at: instant.meta({ description: 'event time of the trigger' }),
  decidedAt: instant.nullable().meta({ description: `when carestream decided (its clock); ${notRecorded}` }),
  kind: taskKind,
  offerCode: z.string().nullable(),
  ruleId: z.string(),
  ruleVersion: z.number().int(),
  ruleSetVersion: z.string().nullable(),
  priority: z.enum(PRIORITIES).nullable().meta({ description: notRecorded }),
  reasons: z.array(evidenceText).nullable().meta({ description: notRecorded }),
  evidence,
  tier: tier.nullable().meta({ description: `the tier when decided; ${notRecorded}` }),
  triggerEventId: z.string().nullable(),
};

export const taskSchema = z
  .strictObject({ ...decisionCommon, channel: z.enum(INTERACTION_CHANNELS).nullable(), dueBy: instant })
  .meta({ description: 'a task issued (fraud check or outreach)' });

export const suppressionSchema = z
  .strictObject({ ...decisionCommon, reason: z.enum(SUPPRESSION_REASONS) })
  .meta({ description: 'a task the contact policy held back; taskId is the id it would have had' });

export const contactSchema = z
  .strictObject({ taskId: z.string(), ruleId: z.string(), kind: taskKind, at: instant })
  .meta({ description: 'a value contact counting against caps and cool-downs' });

export const outcomeSchema = z.strictObject({ taskId: z.string().nullable(), outcome: z.enum(CONTACT_OUTCOMES), at: instant });

export const timerSchema = z
  .strictObject({
    what: z.enum(['TIER', 'CADENCE', 'BIRTHDAY', 'FRAUD_SLA']).meta({ description: "TIER: the tier judged again at a day's close; CADENCE: the tier's care cadence; BIRTHDAY: the birthday greeting; FRAUD_SLA: a fraud check's deadline" }),
    due: instant.meta({ description: 'when it fires (stream time)' }),
    ref: z.string().nullable().meta({ description: 'FRAUD_SLA: the fraud check\'s task id' }),
  })
  .meta({ description: 'a pending timer (timers on)' });

export const watchedCheckSchema = z
  .strictObject({
    taskId: z.string(),
    dueBy: instant,
    status: z.enum(['OPEN', 'ANSWERED', 'ESCALATED']),
    closedAt: instant.nullable().meta({ description: 'when it was answered or escalated' }),
  })
  .meta({ description: 'a fraud check watched for an answer by its dueBy' });

export const tasksSchema = z.strictObject({
  customerId: z.string(),
  tasks: z.array(taskSchema).meta({ description: 'newest first' }),
  suppressions: z.array(suppressionSchema).meta({ description: 'newest first' }),
  contacts: z.array(contactSchema).meta({ description: 'newest first' }),
  outcomes: z.array(outcomeSchema).meta({ description: 'newest first' }),
  timers: z.array(timerSchema).meta({ description: 'pending, soonest first; empty with timers off' }),
  watchedChecks: z.array(watchedCheckSchema).meta({ description: 'fraud checks watched for an answer, in due order' }),
});

export const ERROR_CODES = ['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'INTERNAL', 'UNAVAILABLE'] as const;
export type ApiErrorCode = (typeof ERROR_CODES)[number];

export const errorSchema = z.strictObject({ error: z.strictObject({ code: z.enum(ERROR_CODES), message: z.string() }) });

export type FeaturesBody = z.output<typeof featuresSchema>;
export type TasksBody = z.output<typeof tasksSchema>;
export type ErrorBody = z.output<typeof errorSchema>;
