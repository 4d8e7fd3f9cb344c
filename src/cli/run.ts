import type { Config } from '../config.ts';
import { createApp } from '../app.ts';
import { createLogger } from '../observability/logger.ts';

/** `carestream run` — the service in the foreground until SIGTERM or SIGINT. */
export async function runCommand(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  const app = createApp(config, logger);
  await app.start();
  logger.info('carestream is running; stop with Ctrl-C (SIGINT) or SIGTERM');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info({ signal }, 'stopping');
  await app.stop();
  return 0;
}
