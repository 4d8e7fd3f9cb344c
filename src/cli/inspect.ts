import type { Config } from '../config.ts';
import { resolveStack } from '../stack/resolve.ts';
import { createRedis } from '../state/redis.ts';
import { createStore } from '../app.ts';
import { printableFeatures } from '../api/present.ts';
import { idProblem } from '../events/identifier.ts';
import { printableJson } from '../text/escape.ts';
import { EXIT, usageError, type Cli } from './context.ts';

/** `carestream inspect <customerId>` — the customer's current features as JSON. */
export async function inspectCommand(config: Config, customerId: string, cli: Pick<Cli, 'say'>): Promise<number> {
  const idIssue = idProblem(customerId, config.validation.ids);
  if (idIssue) throw usageError(`customerId: ${idIssue}`);
  const stack = await resolveStack(config, cli.say);
  const redis = createRedis(stack.redisUrl, config);
  try {
    await redis.connect();
    const view = await createStore(redis, config).inspect(customerId);
    if (!view) {
      cli.say(`carestream: no features for customer ${customerId}`);
      return EXIT.failure;
    }
    // The same form as the agent API's GET /v1/customers/{id}/features.
    process.stdout.write(`${printableJson(JSON.stringify(printableFeatures(view, config.businessTimeZone), null, 2))}\n`);
    return EXIT.ok;
  } finally {
    redis.disconnect();
    await stack.release();
  }
}
