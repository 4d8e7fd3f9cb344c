import { z } from 'zod';
import { CONTACT_OUTCOMES, INTERACTION_CHANNELS, SUPPRESSION_REASONS } from '../events/types.ts';
import { CARE_TASK_STATUSES } from '../tasks/care-task-status.ts';
import { DECISION_TOPICS } from '../audit/reader.ts';
import { decisionCommon, instant } from './schemas.ts';

/**
 * The body of GET /v1/customers/{id}/audit: a customer's decisions from the
 * task and suppression topics (the durable audit trail), strict like every
 * API body.
 */

export const AUDIT_LIMIT = Object.freeze({ default: 100, max: 500 });

export const careStatusSchema = z
  .strictObject({
    status: z.enum(CARE_TASK_STATUSES),
    outcome: z.enum(CONTACT_OUTCOMES).nullable(),
    outcomeAt: instant.nullable(),
  })
  .meta({ description: 'the care task\'s status now, from the care-task index (open, overdue, answered with its outcome, escalated)' });

export const auditEntrySchema = z
  .strictObject({
    decision: z.enum(['ISSUED', 'SUPPRESSED']),
    ...decisionCommon,
    publishedAt: instant.meta({ description: 'when carestream published the record (its Kafka timestamp); the range selects on it' }),
    channel: z.enum(INTERACTION_CHANNELS).nullable().meta({ description: 'ISSUED only' }),
    dueBy: instant.nullable().meta({ description: 'ISSUED only' }),
    reason: z.enum(SUPPRESSION_REASONS).nullable().meta({ description: 'SUPPRESSED only: why the contact policy held it back' }),
    careStatus: careStatusSchema.nullable().meta({ description: 'ISSUED only; null for a suppression, or a task the care-task index no longer keeps (CARE_TASK_RETENTION_MS past its dueBy)' }),
    source: z.strictObject({ topic: z.enum(DECISION_TOPICS), partition: z.number().int().min(0), offset: z.string().regex(/^\d+$/) }),
  })
  .meta({ description: 'a task issued or held back, as its record on the topics says' });

export const customerAuditSchema = z
  .strictObject({
    customerId: z.string(),
    from: instant,
    to: instant,
    total: z.number().int().min(0),
    offset: z.number().int().min(0),
    nextOffset: z.number().int().min(0).nullable(),
    unreadable: z.number().int().min(0).meta({ description: 'records of the range that did not decode (left out; never expected)' }),
    entries: z.array(auditEntrySchema).meta({ description: 'oldest first, by publish time' }),
  })
  .meta({ description: 'every task and suppression of the customer published in [from, to)' });

export type CustomerAuditBody = z.output<typeof customerAuditSchema>;
export type AuditEntryBody = z.output<typeof auditEntrySchema>;
