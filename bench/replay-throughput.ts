// Ingestion throughput of the generated replay: `npm run bench:replay [-- --customers 1000 --days 60 --seed 42 --start 2026-06-01]`.
//
// A fair measurement, in four phases:
//   1. resolve the stack as the service does (loadConfig + connect), with a
//      consumer group and a Redis key prefix of its own;
//   2. generate the replay and pre-load every line into the input topics,
//      recording the topics' end offsets before and after;
//   3. start the service at the pre-load's first offsets and time it until it
//      has committed exactly the pre-loaded records (with and without start-up);
//   4. print a table (stdout) and the same as JSON (bench/results/), then delete
//      the run's Redis keys and release the stack.
// Progress and the service's warnings go to stderr, so stdout is only the table.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Admin, Producer } from 'kafkajs';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { parseReplayLine } from '../src/events/json-form.ts';
import { INPUT_TOPICS, isInputTopic, type InputTopic } from '../src/events/topics.ts';
import { generate } from '../src/generate/index.ts';
import { connect, type Connected } from '../src/kafka/bootstrap.ts';
import { topicMessages } from '../src/kafka/produce.ts';
import { createLogger } from '../src/observability/logger.ts';
import type { Tally } from '../src/pipeline/tally.ts';
import { createRedis, deleteKeysWithPrefix } from '../src/state/redis.ts';

const USAGE = 'usage: npm run bench:replay -- [--customers N] [--days D] [--seed S] [--start YYYY-MM-DD]';
/** Records per sendBatch during the pre-load (as `carestream replay`). */
const CHUNK = 2_000;
const POLL_MS = 50;
/** Give up when the service commits nothing new for this long. */
const STALL_MS = 120_000;
const RESULTS = new URL('./results/replay-throughput.json', import.meta.url);

type Offsets = Record<InputTopic, { partition: number; offset: string }[]>;

interface Result {
  readonly runId: string;
  readonly finishedAt: string;
  readonly replay: { readonly customers: number; readonly days: number; readonly seed: number; readonly start: string };
  readonly records: number;
  readonly recordsByTopic: Record<InputTopic, number>;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly secondsWithStartup: number;
  readonly recordsPerSecondWithStartup: number;
  readonly preloadSeconds: number;
  readonly applied: number;
  readonly skipped: number;
  readonly deadLettered: number;
  readonly deadLetterReasons: Tally['byReason'];
  readonly redisUsedMemoryBefore: number;
  readonly redisUsedMemoryAfter: number;
  readonly redisUsedMemoryDelta: number;
  readonly redisBytesPerCustomer: number;
  readonly redisKeys: number;
  readonly consumerConcurrency: number;
  readonly inputPartitions: number;
  readonly stack: string;
  readonly node: string;
  readonly nproc: number;
}

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        customers: { type: 'string', default: '1000' },
        days: { type: 'string', default: '60' },
        seed: { type: 'string', default: '42' },
        start: { type: 'string', default: '2026-06-01' },
      },
    }));
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${USAGE}`);
  }
  const int = (name: string, v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new Error(`--${name} must be an integer\n${USAGE}`);
    return n;
  };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(values.start)) throw new Error(`--start must be YYYY-MM-DD\n${USAGE}`);
  return { customers: int('customers', values.customers), days: int('days', values.days), seed: int('seed', values.seed), start: values.start };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function endOffsets(admin: Admin): Promise<Offsets> {
  const out = {} as Offsets;
  for (const t of INPUT_TOPICS) out[t] = (await admin.fetchTopicOffsets(t)).map((p) => ({ partition: p.partition, offset: p.high }));
  return out;
}

/** Records between two end-offset snapshots, per input topic. */
function newRecords(before: Offsets, after: Offsets): Record<InputTopic, number> {
  const out = {} as Record<InputTopic, number>;
  for (const t of INPUT_TOPICS) {
    const from = new Map(before[t].map((p) => [p.partition, BigInt(p.offset)]));
    out[t] = Number(after[t].reduce((n, p) => n + BigInt(p.offset) - (from.get(p.partition) ?? 0n), 0n));
  }
  return out;
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const m = /^used_memory:(\d+)\r?$/m.exec(info);
  if (!m?.[1]) throw new Error('INFO memory has no used_memory');
  return Number(m[1]);
}

async function preload(connected: Connected, o: ReturnType<typeof options>, timeZone: string, producer: Producer): Promise<Record<InputTopic, number>> {
  const { serde } = connected;
  const sent = Object.fromEntries(INPUT_TOPICS.map((t) => [t, 0])) as Record<InputTopic, number>;
  let chunk: { topic: InputTopic; key: string | null; value: Buffer }[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    for (const m of chunk) sent[m.topic]++;
    await producer.sendBatch({ acks: -1, topicMessages: topicMessages(chunk) });
    chunk = [];
  };
  let lineNo = 0;
  for (const line of generate({ seed: o.seed, customers: o.customers, days: o.days, start: o.start, timeZone }).lines) {
    lineNo++;
    const rec = parseReplayLine(line);
    if (!isInputTopic(rec.topic)) throw new Error(`generated line ${lineNo} is for ${rec.topic}, not an input topic`);
    chunk.push({ topic: rec.topic, key: rec.key, value: await serde.encode(rec.topic, rec.value) });
    if (chunk.length >= CHUNK) {
      await flush();
      if (lineNo % 50_000 < CHUNK) progress(`pre-loaded ${lineNo} records`);
    }
  }
  await flush();
  return sent;
}

function nproc(): number {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return availableParallelism();
  }
}

function table(r: Result): string {
  const n = (x: number, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const reasons = Object.entries(r.deadLetterReasons).map(([k, v]) => `${k} ${v}`).join(', ');
  const rows: [string, string][] = [
    ['replay', `${n(r.replay.customers)} customers, ${r.replay.days} days, seed ${r.replay.seed}, from ${r.replay.start}`],
    ['records', n(r.records)],
    ['seconds', n(r.seconds, 2)],
    ['records/s', n(r.recordsPerSecond)],
    ['seconds incl. start-up', n(r.secondsWithStartup, 2)],
    ['records/s incl. start-up', n(r.recordsPerSecondWithStartup)],
    ['applied', n(r.applied)],
    ['skipped', n(r.skipped)],
    ['dead-lettered', reasons ? `${n(r.deadLettered)} (${reasons})` : n(r.deadLettered)],
    ['redis used_memory delta', `${n(r.redisUsedMemoryDelta)} B (${(r.redisUsedMemoryDelta / 1024 / 1024).toFixed(1)} MiB, ${n(r.redisKeys)} keys)`],
    ['redis bytes/customer', n(r.redisBytesPerCustomer)],
    ['CONSUMER_CONCURRENCY', `${r.consumerConcurrency} (${r.inputPartitions} input partitions)`],
    ['node', r.node],
    ['nproc', String(r.nproc)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const v = Math.max(...rows.map(([, x]) => x.length));
  const rule = `+-${'-'.repeat(w)}-+-${'-'.repeat(v)}-+`;
  return [rule, ...rows.map(([k, x]) => `| ${k.padEnd(w)} | ${x.padEnd(v)} |`), rule].join('\n');
}

async function main(): Promise<number> {
  const o = options();
  const runId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const env = { ...process.env, KAFKA_GROUP_ID: `carestream-bench-${runId}`, REDIS_KEY_PREFIX: `bench-${runId}`, LOG_LEVEL: 'warn', HTTP_PORT: '0' };
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, process.stderr);

  const connected = await connect(config, logger);
  const { stack, kafka } = connected;
  progress(`run ${runId} on the ${stack.source} stack (kafka ${stack.kafkaBrokers.join(',')}, redis ${stack.redisUrl})`);
  // The service gets the endpoints just resolved, so it reads the topics the
  // pre-load wrote even where resolving twice would start a second stack.
  const appConfig = loadConfig({ ...env, KAFKA_BROKERS: stack.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: stack.registryUrl, REDIS_URL: stack.redisUrl });

  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const redis = createRedis(stack.redisUrl);
  let app: App | undefined;
  try {
    await Promise.all([admin.connect(), producer.connect(), redis.connect()]);

    // ---- pre-load ----
    const before = await endOffsets(admin);
    progress(`generating and pre-loading ${o.customers} customers x ${o.days} days (seed ${o.seed}, from ${o.start})`);
    const preloadStarted = performance.now();
    const sent = await preload(connected, o, config.businessTimeZone, producer);
    const preloadSeconds = (performance.now() - preloadStarted) / 1000;
    const after = await endOffsets(admin);
    const added = newRecords(before, after);
    const records = INPUT_TOPICS.reduce((n, t) => n + added[t], 0);
    const produced = INPUT_TOPICS.reduce((n, t) => n + sent[t], 0);
    progress(`pre-loaded ${produced} records in ${preloadSeconds.toFixed(1)} s; end offsets moved by ${records}`);
    if (records !== produced) {
      progress(`warning: the input topics grew by ${records} records but the bench produced ${produced}: someone else is producing to them; the count includes theirs`);
    }
    await producer.disconnect();

    // ---- measured run ----
    const memoryBefore = await usedMemory(redis);
    app = createApp(appConfig, logger, { startAt: before });
    const startCalled = performance.now();
    await app.start();
    const started = performance.now();
    progress(`service started in ${((started - startCalled) / 1000).toFixed(2)} s; consuming ${records} records`);
    let last = 0;
    let lastChange = started;
    let lastReport = started;
    while (app.tally.consumed < records) {
      await sleep(POLL_MS);
      const now = performance.now();
      const consumed = app.tally.consumed;
      if (consumed !== last) {
        last = consumed;
        lastChange = now;
      } else if (now - lastChange > STALL_MS) {
        throw new Error(`the service committed nothing for ${STALL_MS / 1000} s at ${consumed} of ${records} records`);
      }
      if (now - lastReport >= 10_000) {
        progress(`${consumed} of ${records} records`);
        lastReport = now;
      }
    }
    const finished = performance.now();
    const tally: Tally = { ...app.tally, byReason: { ...app.tally.byReason } };
    const memoryAfter = await usedMemory(redis);
    await app.stop();
    app = undefined;

    if (tally.consumed !== records) progress(`warning: the service consumed ${tally.consumed} records, ${tally.consumed - records} more than were pre-loaded`);
    if (tally.deadLettered > 0) progress(`warning: ${tally.deadLettered} records were dead-lettered (${JSON.stringify(tally.byReason)}); is the replay older than MAX_EVENT_AGE_MS?`);

    const keys = await deleteKeysWithPrefix(redis, config.state.keyPrefix);
    const seconds = (finished - started) / 1000;
    const secondsWithStartup = (finished - startCalled) / 1000;
    const delta = memoryAfter - memoryBefore;
    const result: Result = {
      runId,
      finishedAt: new Date().toISOString(),
      replay: o,
      records,
      recordsByTopic: added,
      seconds: round(seconds, 3),
      recordsPerSecond: Math.round(records / seconds),
      secondsWithStartup: round(secondsWithStartup, 3),
      recordsPerSecondWithStartup: Math.round(records / secondsWithStartup),
      preloadSeconds: round(preloadSeconds, 3),
      applied: tally.applied,
      skipped: tally.skipped,
      deadLettered: tally.deadLettered,
      deadLetterReasons: tally.byReason,
      redisUsedMemoryBefore: memoryBefore,
      redisUsedMemoryAfter: memoryAfter,
      redisUsedMemoryDelta: delta,
      redisBytesPerCustomer: Math.round(delta / o.customers),
      redisKeys: keys,
      consumerConcurrency: config.consumer.concurrency,
      inputPartitions: INPUT_TOPICS.reduce((n, t) => n + after[t].length, 0),
      stack: stack.source,
      node: process.version,
      nproc: nproc(),
    };
    await mkdir(new URL('.', RESULTS), { recursive: true });
    await writeFile(RESULTS, `${JSON.stringify(result, null, 2)}\n`, 'utf8');
    process.stdout.write(`${table(result)}\n`);
    progress(`wrote ${RESULTS.pathname}; deleted ${keys} Redis keys of prefix ${config.state.keyPrefix}`);
    return 0;
  } finally {
    // On failure too: stop the service, drop the run's keys, let go of the stack.
    if (app) await app.stop().catch((err: unknown) => progress(`stopping the service: ${(err as Error).message}`));
    if (redis.status === 'ready') {
      await deleteKeysWithPrefix(redis, config.state.keyPrefix).catch((err: unknown) => progress(`deleting Redis keys: ${(err as Error).message}`));
    }
    await redis.quit().catch(() => {});
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
    await stack.release();
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
