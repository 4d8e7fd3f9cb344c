import type { Config } from '../config.ts';
import { resolveStack } from '../stack/resolve.ts';
import { createRedis } from '../state/redis.ts';
import { createStore } from '../app.ts';
import { idProblem } from '../events/identifier.ts';
import { printable, printableJson } from '../text/escape.ts';
import { CareTaskIndex } from '../state/care-task-index.ts';
import type { CareTask } from '../tasks/care-task-status.ts';
import { taskIdOfEntry } from '../tasks/decision-log.ts';
import { CarestreamError } from '../errors.ts';
import { AgentApiClient, apiClientToken } from '../audit/api-client.ts';
import { explainDirect, explainLines, explainViaApi, type ExplainView } from '../audit/explain.ts';
import { openTrail } from '../audit/open-trail.ts';
import { EXIT, usageError, type Cli } from './context.ts';

export interface ExplainOptions {
  readonly json: boolean;
  readonly from?: number;
  readonly to?: number;
}

/**
 * `carestream explain <customerId> [--from] [--to] [--json]` — the compliance
 * officer's answer to "why was this customer called, or not called": tier
 * and key features, the tasks and suppressions with their reasons, evidence
 * and care status, the contacts that count against caps, and the outcomes.
 */
export async function explainCommand(config: Config, customerId: string, o: ExplainOptions, cli: Pick<Cli, 'say'>): Promise<number> {
  const idIssue = idProblem(customerId, config.validation.ids);
  if (idIssue) throw usageError(`customerId: ${idIssue}`);
  if (o.from !== undefined && o.to !== undefined && o.from >= o.to) throw usageError('--from must be before --to');
  const range = { ...(o.from !== undefined ? { from: o.from } : {}), ...(o.to !== undefined ? { to: o.to } : {}) };
  let view: ExplainView;
  if (config.apiClient.url) {
    const token = apiClientToken(config.apiClient);
    if (!token) throw new CarestreamError('CS_ERR_CONFIG', 'CARESTREAM_API_URL is set: set CARESTREAM_API_TOKEN or CARESTREAM_API_TOKEN_FILE too');
    view = await explainViaApi(new AgentApiClient(config.apiClient.url, token), customerId, range, config.businessTimeZone);
  } else {
    view = await explainFromStack(config, customerId, range, cli);
  }
  if (!view.features && view.decisions.length === 0 && view.contacts.length === 0) {
    cli.say(`carestream: nothing is known about customer ${customerId}`);
    return EXIT.failure;
  }
  // Values come from Redis, the topics and the rule file: no control character of theirs reaches the terminal.
  // Line by line: JSON.stringify escapes line breaks inside strings, so the only raw ones are the indentation's.
  process.stdout.write(`${(o.json ? JSON.stringify(view, null, 2).split('\n').map(printableJson) : explainLines(view).map(printable)).join('\n')}\n`);
  return EXIT.ok;
}

async function explainFromStack(config: Config, customerId: string, range: { from?: number; to?: number }, cli: Pick<Cli, 'say'>): Promise<ExplainView> {
  const stack = await resolveStack(config, cli.say);
  const redis = createRedis(stack.redisUrl, config);
  try {
    await redis.connect();
    const store = createStore(redis, config);
    const index = new CareTaskIndex(redis, config.state.keyPrefix);
    const now = Date.now();
    const [features, history, state] = await Promise.all([store.inspect(customerId), store.contactHistory(customerId), store.stateOf(customerId)]);
    const timers = state && ((state.timers?.length ?? 0) > 0 || (state.fraudChecks?.length ?? 0) > 0) ? { timers: { pending: state.timers ?? [], checks: state.fraudChecks ?? [] } } : {};
    const ranged = range.from !== undefined || range.to !== undefined;
    const decisions = ranged
      ? await (async () => {
          const r = { from: range.from ?? 0, to: range.to ?? now };
          const trail = await openTrail(config, stack);
          try {
            return { trail: await trail.customer(customerId, r), range: r };
          } finally {
            await trail.close();
          }
        })()
      : { log: await store.decisionLog(customerId) };
    const taskIds = 'log' in decisions
      ? decisions.log.entries.filter((e) => e.decision === 'ISSUED').map(taskIdOfEntry)
      : decisions.trail.entries.filter((e) => e.decision === 'ISSUED').map((e) => e.taskId);
    const care = new Map<string, CareTask>();
    for (const id of taskIds) {
      const t = await index.get(id);
      if (t) care.set(id, t);
    }
    return explainDirect(customerId, { features, history, decisions, care, now, ...timers }, config.businessTimeZone, config.validation.ids);
  } finally {
    redis.disconnect();
    await stack.release();
  }
}
