import { createHash, randomBytes } from 'node:crypto';
import { printable } from '../text/escape.ts';
import { createApp } from '../app.ts';
import { connect } from '../kafka/bootstrap.ts';
import { produceReplayLines } from '../kafka/produce-lines.ts';
import { commitGroupOffsets, endOffsets, readCommitted } from '../kafka/read-committed.ts';
import { generate } from '../generate/index.ts';
import { expectedFor, fraudCheckTrigger } from '../generate/labels.ts';
import { INPUT_TOPICS, TOPICS } from '../events/topics.ts';
import type { DeadLetter, FraudCheckTask, OutreachTask, Suppression } from '../events/types.ts';
import { dayLabel } from '../state/calendar.ts';
import { createRedis, deleteKeysWithPrefix } from '../state/redis.ts';
import { formatAmountMinor } from '../tasks/format.ts';
import { formatInstant } from '../events/time.ts';
import { redactUrl } from '../security/redact.ts';
import { EXIT, type Cli } from './context.ts';

const DEMO_PREFIX = 'demo';
const DAY_MS = 86_400_000;
// The report shows ids and evidence from the generated topics; printed like every other text output.
const say = (line = '') => process.stdout.write(`${printable(line)}\n`);

export interface DemoOptions {
  readonly customers: number;
  readonly days: number;
  readonly seed: number;
  readonly serve: boolean;
}

const countBy = <T>(items: readonly T[], key: (t: T) => string) => {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1]);
};

/**
 * `carestream demo` — what carestream does, in a few minutes: a synthetic bank
 * (a few thousand customers over a few months, with planted scenarios for every
 * rule) is loaded into Kafka, the service processes it, and a report shows the
 * tasks, the suppressions and whether every planted scenario was found. The
 * stack is left running for exploration; the demo's features live under the
 * Redis prefix `demo`.
 */
export async function demoCommand(cli: Cli, values: DemoOptions): Promise<number> {
  const { customers, days } = values;
  // A new group each run: it starts where the demo's records begin (below), so every run is a first run.
  const runId = Date.now().toString(36);
  const config = cli.config({ KAFKA_GROUP_ID: `carestream-demo-${runId}`, REDIS_KEY_PREFIX: DEMO_PREFIX });
  const logger = cli.logger(config);
  const progress = cli.say;
  const started = Date.now();

  progress('carestream demo');
  progress(`  resolving the stack (explicit settings, else containers, else local processes)...`);
  const connected = await connect(config, logger, (line) => progress(`  ${line}`));
  const { kafka, serde, stack } = connected;
  progress(`  stack: ${stack.source} — kafka ${stack.kafkaBrokers.join(',')}, registry ${stack.registryUrl}, redis ${redactUrl(stack.redisUrl)}`);
  const explicitEnv = { KAFKA_BROKERS: stack.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: stack.registryUrl, REDIS_URL: stack.redisUrl };
  // With --serve and no tokens of your own, a one-off token for the console (printed below).
  const consoleToken = values.serve && config.api.tokens.length === 0 && !config.api.tokensFile ? randomBytes(24).toString('base64url') : undefined;
  const demoTokens = consoleToken ? { API_TOKENS: JSON.stringify([{ name: 'demo-console', sha256: createHash('sha256').update(consoleToken).digest('hex'), scopes: ['features:read', 'tasks:read', 'outcomes:write'] }]) } : {};
  // Port 0 unless HTTP_PORT is set: the report scrapes whichever port it gets.
  const serviceConfig = cli.config({ ...explicitEnv, ...demoTokens, KAFKA_GROUP_ID: config.kafka.groupId, REDIS_KEY_PREFIX: DEMO_PREFIX, HTTP_PORT: process.env.HTTP_PORT ?? '0' });

  const redis = createRedis(stack.redisUrl, config);
  await redis.connect();
  await deleteKeysWithPrefix(redis, DEMO_PREFIX);

  // The stream ends yesterday, so every event is recent enough to be accepted.
  const endDay = Math.floor(Date.now() / DAY_MS) - 1;
  const start = dayLabel(endDay - days + 1);
  const { lines, labels } = generate({ seed: values.seed, customers, days, start, timeZone: config.businessTimeZone });
  const outputs = [TOPICS.fraudCheckTasks, TOPICS.outreachTasks, TOPICS.suppressions, TOPICS.dlq];
  const before = await endOffsets(kafka, [...INPUT_TOPICS, ...outputs]);

  // The consumer group starts where the demo's records begin.
  await commitGroupOffsets(kafka, config.kafka.groupId, Object.fromEntries(INPUT_TOPICS.map((t) => [t, before[t]!])));

  progress(`  generating ${customers.toLocaleString('en')} customers over ${days} days (from ${start}) and loading them into Kafka...`);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const sent = await produceReplayLines(producer, serde, lines);
  const produced = Object.values(sent).reduce((a, b) => a + b, 0);
  await producer.disconnect();
  progress(`  loaded ${produced.toLocaleString('en')} events`);

  progress('  starting carestream and processing them...');
  const app = createApp(serviceConfig, logger, { agentApiUnused: !values.serve });
  const t0 = Date.now();
  await app.start();
  let lastShown = 0;
  let peakLag = 0;
  while (app.tally.consumed < produced) {
    await new Promise((r) => setTimeout(r, 250));
    if (Date.now() - lastShown > 5000) {
      lastShown = Date.now();
      peakLag = Math.max(peakLag, await scrapeLag(app.httpPort));
      progress(`    ${app.tally.consumed.toLocaleString('en')} / ${produced.toLocaleString('en')} processed`);
    }
  }
  const secs = (Date.now() - t0) / 1000;
  const tally = app.tally;
  const metrics = await scrapeMetrics(app.httpPort, peakLag);
  if (!values.serve) await app.stop();

  const decode = async <T>(topic: (typeof outputs)[number]) =>
    Promise.all((await readCommitted(kafka, topic, before)).map(async (m) => {
      const d = await serde.decode(topic, m.value);
      if (!d.ok) throw new Error(d.message);
      return d.value as T;
    }));
  const [fraud, outreach, suppressions, dead] = await Promise.all([
    decode<FraudCheckTask>(TOPICS.fraudCheckTasks),
    decode<OutreachTask>(TOPICS.outreachTasks),
    decode<Suppression>(TOPICS.suppressions),
    decode<DeadLetter>(TOPICS.dlq),
  ]);

  const key = (topic: string, c: string, rule: string, trigger: string) => `${topic}|${c}|${rule}|${trigger}`;
  const got = new Set([
    ...fraud.map((t) => key(TOPICS.fraudCheckTasks, t.customerId, t.ruleId, fraudCheckTrigger(t))),
    ...outreach.map((t) => key(TOPICS.outreachTasks, t.customerId, t.ruleId, t.sourceEventIds.at(-1)!)),
    ...suppressions.map((s) => key(TOPICS.suppressions, s.customerId, s.ruleId, s.sourceEventIds.at(-1)!)),
  ]);
  // The planted outputs of the pipeline this service runs: the timers' (the default), or with TIMERS_ENABLED=false the event path's.
  const expected = expectedFor(labels, config.timers.enabled ? 'timers' : 'events');
  const found = expected.filter((e) => got.has(key(e.topic, e.customerId, e.ruleId, e.triggerEventId))).length;
  const tz = config.businessTimeZone;

  say();
  say('== what happened ==');
  say(`  events processed   ${tally.consumed.toLocaleString('en')} in ${secs.toFixed(1)} s (${Math.round(tally.consumed / secs).toLocaleString('en')}/s): ${tally.applied.toLocaleString('en')} applied, ${tally.skipped} skipped, ${tally.deadLettered} dead-lettered (${dead.length} on ${TOPICS.dlq})`);
  say(`  fraud checks       ${fraud.length}`);
  for (const [r, n] of countBy(fraud, (t) => t.ruleId)) say(`    ${String(n).padStart(5)}  ${r}`);
  say(`  outreach tasks     ${outreach.length}`);
  for (const [r, n] of countBy(outreach, (t) => `${t.kind}${t.offerCode ? ` ${t.offerCode}` : ''} (${t.ruleId})`)) say(`    ${String(n).padStart(5)}  ${r}`);
  say(`  suppressions       ${suppressions.length}`);
  for (const [r, n] of countBy(suppressions, (s) => `${s.reason} (${s.ruleId})`)) say(`    ${String(n).padStart(5)}  ${r}`);
  say(`  planted scenarios  ${found} of ${expected.length} expected outputs found; ${got.size - found} outputs not in the labels`);
  say();
  say('== three example tasks ==');
  const examples: (FraudCheckTask | OutreachTask)[] = [fraud.find((t) => t.priority === 'P1') ?? fraud[0], outreach.find((t) => t.kind === 'LIFE_STAGE_OFFER'), outreach.find((t) => t.kind === 'RISK_REASSESSMENT') ?? outreach[0]].filter((t): t is FraudCheckTask | OutreachTask => t !== undefined);
  for (const t of examples) {
    if ('suggestedScript' in t) {
      say(`  FRAUD CHECK ${t.taskId} for ${t.customerId}, ${t.priority}, due ${formatInstant(t.dueBy, tz)}: ${formatAmountMinor(t.amountMinor)} CNY from account ****${t.maskedAccountNo}`);
      say(`    reasons  ${t.reasons.join(', ')}`);
      say(`    script   ${t.suggestedScript}`);
    } else {
      say(`  ${t.kind}${t.offerCode ? ` ${t.offerCode}` : ''} ${t.taskId} for ${t.customerId} (${t.tier}), ${t.priority} via ${t.channel}, due ${formatInstant(t.dueBy, tz)}`);
      say(`    reasons  ${t.reasons.join(', ')}`);
    }
    say(`    evidence ${Object.entries(t.evidence).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  }
  const suppressedCustomer = suppressions[0]?.customerId;
  say();
  say(`== metrics (scraped from the service's /metrics) ==`);
  for (const line of metrics) say(`  ${line}`);
  say();
  say('== where to look next ==');
  say(`  why was a customer (not) called:  REDIS_KEY_PREFIX=${DEMO_PREFIX} npx carestream explain ${suppressedCustomer ?? examples[0]?.customerId ?? 'C000001'}`);
  say(`  a customer's features:            REDIS_KEY_PREFIX=${DEMO_PREFIX} npx carestream inspect ${examples[0]?.customerId ?? 'C000001'}`);
  say(`  the fraud desk's queue:           npx carestream tail ${TOPICS.fraudCheckTasks} --from-beginning --max 5 --format text`);
  if (values.serve) say(`  the service, still running:        http://127.0.0.1:${app.httpPort}/metrics and /readyz (Ctrl-C stops it)`);
  if (values.serve) say(`  the console:                      http://127.0.0.1:${app.httpPort}/console${consoleToken ? ` (token ${consoleToken})` : ' (with one of your API_TOKENS)'}`);
  else say(`  the service itself:               npm start, or npm run demo -- --serve (metrics on http://127.0.0.1:9464/metrics)`);
  say(`  stop the stack:                   npm run stack:down`);
  say(`  (the demo took ${((Date.now() - started) / 1000).toFixed(0)} s; the stack is still running)`);

  redis.disconnect();
  if (values.serve) {
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await app.stop();
  }
  return found === expected.length ? EXIT.ok : EXIT.failure;
}

const seriesOf = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
const totalOf = (text: string, name: string) => seriesOf(text, name).reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

/** The service's total consumer lag from its /metrics (0 when it cannot be read). */
async function scrapeLag(port: number | undefined): Promise<number> {
  if (port === undefined) return 0;
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text().catch(() => '');
  return totalOf(text, 'carestream_consumer_lag');
}

/** A few series of the service's /metrics, summed over their labels: what a dashboard would show first. */
async function scrapeMetrics(port: number | undefined, peakLag: number): Promise<string[]> {
  if (port === undefined) return ['(no HTTP listener)'];
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const series = (name: string) => seriesOf(text, name);
  const total = (name: string) => totalOf(text, name);
  const fmt = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 3 });
  const latencyCount = total('carestream_append_to_commit_seconds_count');
  const latencySum = total('carestream_append_to_commit_seconds_sum');
  return [
    `carestream_records_consumed_total         ${fmt(total('carestream_records_consumed_total'))}`,
    `carestream_tasks_total                    ${fmt(total('carestream_tasks_total'))}`,
    `carestream_suppressions_total             ${fmt(total('carestream_suppressions_total'))}`,
    `carestream_append_to_commit_seconds       ${fmt(latencyCount)} records, mean ${fmt(latencyCount ? latencySum / latencyCount : 0)} s`,
    `carestream_event_to_commit_seconds        ${fmt(total('carestream_event_to_commit_seconds_count'))} tasks`,
    `carestream_consumer_lag                   ${series('carestream_consumer_lag').length} partition series, ${fmt(total('carestream_consumer_lag'))} records behind now (${fmt(peakLag)} at most while processing)`,
  ];
}
