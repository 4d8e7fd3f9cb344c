import { z } from 'zod';
import { CUSTOMER_TIERS, INTERACTION_CHANNELS, OUTREACH_KINDS, PRIORITIES, SUPPRESSION_REASONS } from '../events/types.ts';

/**
 * One entry of a customer's decision log, as src/pipeline/decide.ts writes it
 * (FeatureStore.decisionLog returns them parsed but untyped). Read through this
 * schema so that a change of the log's shape is an error, not a silent gap.
 */
const common = {
  id: z.string(),
  at: z.number().int(),
  ruleId: z.string(),
  ruleVersion: z.number().int(),
  ruleSetVersion: z.string(),
  target: z.enum(['FRAUD_CHECK', ...OUTREACH_KINDS]),
  offerCode: z.string().nullable(),
  priority: z.enum(PRIORITIES),
  reasons: z.array(z.string()),
  evidence: z.record(z.string(), z.string()),
  tier: z.enum(CUSTOMER_TIERS),
  triggerEventId: z.string(),
};

export const decisionLogEntry = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('ISSUED'), ...common, channel: z.enum(INTERACTION_CHANNELS), dueBy: z.number().int() }),
  z.object({ decision: z.literal('SUPPRESSED'), ...common, reason: z.enum(SUPPRESSION_REASONS) }),
]);

export type DecisionLogEntry = z.output<typeof decisionLogEntry>;

/** Suppressed entries are logged under the id the task would have had, with this suffix. */
export const SUPPRESSED_SUFFIX = ':suppressed';
