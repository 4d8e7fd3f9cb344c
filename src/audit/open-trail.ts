import type { Config } from '../config.ts';
import { createKafka, createRegistry, createRegistryConnection } from '../kafka/client.ts';
import { Serde, serdeOptions } from '../kafka/serde.ts';
import { createLogger } from '../observability/logger.ts';
import { dueHoursIn } from '../pipeline/restore-contacts.ts';
import { RuleSetHolder } from '../rules/holder.ts';
import type { StackEndpoints } from '../stack/types.ts';
import { AuditTrail } from './trail.ts';

/**
 * The audit trail for a CLI command on a resolved stack: reads only (no
 * topics created, no schemas registered; writers' schemas are fetched by id),
 * due hours from the rule file in force.
 */
export async function openTrail(config: Config, stack: StackEndpoints): Promise<AuditTrail> {
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const kafka = createKafka(stack, config, logger);
  const serde = new Serde(createRegistry(stack, config), createRegistryConnection(stack, config), serdeOptions(config));
  const rules = await RuleSetHolder.create(config.rulesFile, logger);
  return new AuditTrail(kafka, serde, { audit: config.audit, dueHoursOf: (ruleId) => dueHoursIn(rules.current)(ruleId) });
}
