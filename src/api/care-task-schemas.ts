import { z } from 'zod';
import { CONTACT_OUTCOMES, CUSTOMER_TIERS, INTERACTION_CHANNELS, OUTREACH_KINDS, PRIORITIES, SUPPRESSION_REASONS } from '../events/types.ts';
import { KPI_TIERS } from '../tasks/care-kpis.ts';
import { CARE_TASK_STATUSES } from '../tasks/care-task-status.ts';

/**
 * Bodies of the contact centre's queue (GET /v1/tasks) and of posting an
 * outcome (POST /v1/tasks/{taskId}/outcome); strict like every API body, so a
 * field nobody listed cannot leak.
 */

const instant = z.iso.datetime({ offset: true }).meta({ description: 'ISO-8601 with the business time zone\'s offset' });
const kind = z.enum(['FRAUD_CHECK', ...OUTREACH_KINDS]);

/** A task id in a path: carestream's ids are `T-` and hex; this accepts what a hash tag and a URL segment carry unambiguously. */
export const careTaskIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'a task id is 1-128 letters, digits, . _ : or -, starting with a letter or digit');

export const QUEUE_LIMIT = Object.freeze({ default: 50, max: 200 });

const outcomeAt = z.strictObject({ outcome: z.enum(CONTACT_OUTCOMES), at: instant });

export const careTaskSchema = z
  .strictObject({
    taskId: z.string(),
    customerId: z.string(),
    kind,
    ruleId: z.string(),
    priority: z.enum(PRIORITIES),
    tier: z.enum(CUSTOMER_TIERS).nullable().meta({ description: 'the tier when the task was issued; null for a fraud check restored from the topics' }),
    channel: z.enum(INTERACTION_CHANNELS),
    dueBy: instant,
    status: z.enum(CARE_TASK_STATUSES),
    timeLeftMinutes: z.number().int().meta({ description: 'whole minutes from the answer\'s time to dueBy; negative once overdue' }),
    outcome: outcomeAt.nullable().meta({ description: 'the outcome that answered the task' }),
    lastAttempt: outcomeAt.nullable().meta({ description: 'the latest attempt that did not answer it (NO_ANSWER)' }),
    escalatedBy: z.string().nullable().meta({ description: 'the fraud check that escalated this one (SLA missed)' }),
  })
  .meta({ description: 'a care task as the contact centre follows it up' });

export const careTaskQueueSchema = z.strictObject({
  asOf: instant.meta({ description: 'the time statuses and time left are judged at' }),
  total: z.number().int().min(0),
  offset: z.number().int().min(0),
  nextOffset: z.number().int().min(0).nullable(),
  tasks: z.array(careTaskSchema).meta({ description: 'by dueBy, earliest first' }),
});

export const outcomeRequestSchema = z.strictObject({
  outcome: z.enum(CONTACT_OUTCOMES),
  channel: z.enum(INTERACTION_CHANNELS).optional().meta({ description: 'where the contact happened; default the task\'s channel' }),
});

export const outcomeAcceptedSchema = z.strictObject({
  eventId: z.string(),
  taskId: z.string(),
  outcome: z.enum(CONTACT_OUTCOMES),
  at: instant,
});

const byPriority = z.strictObject(Object.fromEntries(PRIORITIES.map((p) => [p, z.number().int().min(0)])) as Record<(typeof PRIORITIES)[number], z.ZodNumber>);
const percent = z.number().min(0).max(100).nullable();

export const careKpisSchema = z
  .strictObject({
    tier: z.enum(KPI_TIERS).meta({ description: 'UNKNOWN: fraud checks restored from the topics after Redis lost its data (they carry no tier)' }),
    tasksIssued: z.number().int().min(0),
    reached: z.number().int().min(0),
    reachedPercent: percent,
    fraudChecksDecided: z.number().int().min(0).meta({ description: 'fraud checks answered or past dueBy' }),
    fraudChecksAnsweredInTime: z.number().int().min(0),
    fraudChecksAnsweredInTimePercent: percent,
    escalations: z.number().int().min(0),
    complaints: z.number().int().min(0),
    vipDowngrades: z.number().int().min(0),
  })
  .meta({ description: 'care KPIs of one tier over the care tasks the status index holds' });

export const overviewSchema = z.strictObject({
  asOf: instant,
  health: z.strictObject({ ready: z.boolean(), failing: z.array(z.string()) }),
  queue: z.strictObject({ open: byPriority, overdue: byPriority }),
  suppressionsByReason: z
    .strictObject(Object.fromEntries(SUPPRESSION_REASONS.map((r) => [r, z.number().int().min(0)])) as Record<(typeof SUPPRESSION_REASONS)[number], z.ZodNumber>)
    .meta({ description: 'held back by this instance since it started' }),
  kpis: z.array(careKpisSchema),
});

export type CareTaskQueueBody = z.output<typeof careTaskQueueSchema>;
