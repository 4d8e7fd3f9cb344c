import type { Config } from '../config.ts';
import { createApp } from '../app.ts';
import { createLogger } from '../observability/logger.ts';

/** `carestream run` — the service in the foreground until SIGTERM or SIGINT. */
export async function runCommand(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  const app = createApp(config, logger);
  // Listen before starting: a SIGTERM during start-up (a pod being rescheduled)
  // must stop the service once start-up settles, not be ignored.
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  try {
    await app.start();
  } catch (err) {
    logger.fatal({ err }, 'start-up failed');
    await app.stop().catch(() => {});
    throw err;
  }
  logger.info('carestream is running; stop with Ctrl-C (SIGINT) or SIGTERM');
  logger.info({ signal: await signal }, 'stopping');
  await app.stop();
  return 0;
}
