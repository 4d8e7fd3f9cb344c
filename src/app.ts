import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { resolveStack, describeStack, type ResolvedStack } from './stack/resolve.ts';
import { createKafka, createRegistry } from './kafka/client.ts';
import { ensureTopics } from './kafka/topics.ts';
import { registerSchemas } from './kafka/schemas.ts';
import { startHttp, json, type HttpServer } from './observability/http.ts';

export interface App {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Wires the service together. Nothing happens until start(): building an App
 * connects to nothing, so tests and the CLI can construct one freely.
 */
export function createApp(config: Config, logger: Logger): App {
  let stack: ResolvedStack | undefined;
  let http: HttpServer | undefined;
  let ready = false;

  return {
    async start() {
      http = await startHttp(config.httpPort, {
        '/healthz': (_req, res) => json(res, 200, { status: 'alive' }),
        '/readyz': (_req, res) => json(res, ready ? 200 : 503, { ready }),
      });
      logger.info({ port: http.port }, 'health endpoints listening');
      stack = await resolveStack(config, (line) => logger.info(line));
      logger.info({ source: stack.source }, describeStack(stack));
      const kafka = createKafka(stack, config, logger);
      if (config.topics.create) {
        const admin = kafka.admin();
        await admin.connect();
        try {
          const topics = await ensureTopics(admin, config);
          logger.info({ created: topics.created, existing: topics.existing.length }, 'topics checked');
          for (const m of topics.mismatched) {
            logger.warn(m, 'existing topic has a different partition count than configured; left as it is');
          }
        } finally {
          await admin.disconnect();
        }
      }
      const schemas = await registerSchemas(createRegistry(stack));
      logger.info({ schemaIds: schemas.ids }, 'schemas registered');
      ready = true;
    },
    async stop() {
      ready = false;
      await http?.close();
      await stack?.release();
    },
  };
}
