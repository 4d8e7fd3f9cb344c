import type { Config } from '../config.ts';
import { resolveStack } from '../stack/resolve.ts';
import { createRedis } from '../state/redis.ts';
import { createStore } from '../app.ts';
import { CarestreamError } from '../errors.ts';
import { printableFeatures } from '../api/present.ts';
import { idProblem } from '../events/identifier.ts';
import { printableJson } from '../text/escape.ts';

/** `carestream inspect <customerId>` — the customer's current features as JSON. */
export async function inspectCommand(config: Config, args: string[]): Promise<number> {
  const customerId = args[0];
  if (!customerId) throw new CarestreamError('CS_ERR_CLI_USAGE', 'usage: carestream inspect <customerId>');
  const idIssue = idProblem(customerId, config.validation.ids);
  if (idIssue) throw new CarestreamError('CS_ERR_CLI_USAGE', `customerId: ${idIssue}`);
  const stack = await resolveStack(config, () => {});
  const redis = createRedis(stack.redisUrl, config);
  try {
    await redis.connect();
    const view = await createStore(redis, config).inspect(customerId);
    if (!view) {
      process.stderr.write(`carestream: no features for customer ${customerId}\n`);
      return 1;
    }
    // The same form as the agent API's GET /v1/customers/{id}/features.
    process.stdout.write(`${printableJson(JSON.stringify(printableFeatures(view, config.businessTimeZone), null, 2))}\n`);
    return 0;
  } finally {
    redis.disconnect();
    await stack.release();
  }
}
