import type { Config } from '../config.ts';
import { createApp } from '../app.ts';
import { createLogger } from '../observability/logger.ts';
import { EXIT } from './context.ts';

/** `carestream run` (and `npm start`) — the service in the foreground until SIGTERM or SIGINT. */
export async function runCommand(config: Config): Promise<number> {
  // The service's log is its output: JSON on stdout, whatever the terminal.
  const logger = createLogger(config.logLevel);
  // An error the service cannot recover from stops it with a non-zero exit, so
  // its supervisor (Kubernetes, systemd) restarts it instead of it limping on.
  let fatal: ((err: Error) => void) | undefined;
  const failed = new Promise<Error>((resolve) => (fatal = resolve));
  const app = createApp(config, logger, { onFatal: (err) => fatal?.(err) });
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
  const reason = await Promise.race([signal, failed]);
  if (reason instanceof Error) {
    logger.fatal({ err: reason }, 'stopping after an unrecoverable error');
    await app.stop().catch(() => {});
    return EXIT.software;
  }
  logger.info({ signal: reason }, 'stopping');
  await app.stop();
  return EXIT.ok;
}
