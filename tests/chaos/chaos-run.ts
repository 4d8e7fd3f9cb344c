import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { loadConfig } from '../../src/config.ts';
import { connect } from '../../src/kafka/bootstrap.ts';
import { topicMessages } from '../../src/kafka/produce.ts';
import { endOffsets, readToEnd } from '../../src/kafka/read-committed.ts';
import { defaultStackDir } from '../../src/stack/local/index.ts';
import type { Serde } from '../../src/kafka/serde.ts';
import { INPUT_TOPICS, OUTPUT_TOPICS, TOPICS, type OutputTopic } from '../../src/events/topics.ts';
import type { DeadLetter, EventOf, FraudCheckTask, OutreachTask, Suppression } from '../../src/events/types.ts';
import { parseReplayLine } from '../../src/events/json-form.ts';
import { generate } from '../../src/generate/index.ts';
import { Rng } from '../../src/generate/prng.ts';
import { dayLabel } from '../../src/state/calendar.ts';
import { freeClusterPorts, freePort } from '../support/free-port.ts';
import { clusterDown, clusterUp } from '../../src/stack/local/redis-cluster.ts';
import { createRedis, primaries } from '../../src/state/redis.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { kafkaDown, kafkaUp } from '../../src/stack/local/kafka.ts';
import { createStore } from '../../src/app.ts';
import { StateKeys } from '../../src/state/keys.ts';
import type { FeatureView } from '../../src/state/feature-view.ts';
import { createHash } from 'node:crypto';
import { formatInstant } from '../../src/events/time.ts';
import { customerAnswers, type CustomerAnswer } from './api-answers.ts';

/**
 * The fault-injection suite: one generated stream, processed once by a single
 * instance with no faults (the baseline), then again by several instances
 * while instances are killed with SIGKILL and restarted, the broker is
 * restarted and Redis is flushed. The committed outputs and every customer's
 * features must come out the same.
 *
 * It runs its own Kafka broker (a second local KRaft node, from the jars the
 * local stack fetched), so restarting it disturbs nobody and its topics hold
 * only this run's records; the schema registry is the resolved stack's. Redis
 * is a database of its own on the stack's Redis, or with `redisCluster` a
 * Redis Cluster of its own (three primaries on free ports); what gets flushed
 * is that database, or every primary of that cluster.
 */
export interface ChaosOptions {
  readonly customers: number;
  readonly days: number;
  readonly instances: number;
  readonly kills: number;
  readonly brokerRestarts: number;
  readonly redisFlushes: number;
  /** Undecodable records mixed into the inputs (they must be dead-lettered once). */
  readonly garbage: number;
  readonly seed: number;
  readonly registryUrl: string;
  readonly redisUrl: string;
  /** Redis database the run owns and flushes (on the stack's Redis; a cluster has database 0 only). */
  readonly redisDb: number;
  /** A Redis Cluster of three primaries of the run's own instead of the stack's Redis. */
  readonly redisCluster?: boolean;
  readonly workDir: string;
  /**
   * Timers on in both runs (TIMERS_ENABLED), with stream time from the events
   * only: the wall clock would make the fault-free and the faulted run fire
   * idle timers at different points, so they could not be compared.
   */
  readonly timers?: boolean;
  readonly log: (line: string) => void;
}

export interface ChaosTally {
  eventsIn: number;
  garbageIn: number;
  baselineOutputs: Record<string, number>;
  chaosOutputs: Record<string, number>;
  tasksOut: number;
  duplicates: number;
  missing: number;
  unexpected: number;
  contentDiffers: number;
  customers: number;
  featuresDiffer: number;
  /** Customers whose agent API answers were compared (tasks and audit trail, each run). */
  apiCustomers: number;
  /** Customers whose GET /v1/customers/{id}/tasks answer differs from the fault-free run's. */
  tasksAnswersDiffer: number;
  /** Customers whose audit trail (GET /v1/customers/{id}/audit over the run's range) differs. */
  auditAnswersDiffer: number;
  /** Answers with a status of 500 or more, in either run. */
  apiServerErrors: number;
  /** Statuses of the chaos run's answers, e.g. {"tasks 200": 240, "tasks 404": 10, "audit 200": 250}. */
  apiStatuses: Record<string, number>;
  /** Entries of the chaos run's audit answers, all customers. */
  auditEntries: number;
  kills: number;
  instanceRestarts: number;
  unexpectedExits: number;
  brokerRestarts: number;
  redisFlushes: number;
  faultsDuringProcessing: number;
  baselineSeconds: number;
  chaosSeconds: number;
  examples: string[];
}

const DAY_MS = 86_400_000;
const REPO = new URL('../../', import.meta.url).pathname;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const API_TOKEN = 'chaos-run-api-token';

/** The HTTP port an instance took (HTTP_PORT=0), from its log's start-up line; undefined before it logged it. */
function portOf(root: string, inst: { name: string; incarnation: number }): number | undefined {
  let text = '';
  try {
    text = readFileSync(join(root, `${inst.name}.${inst.incarnation}.log`), 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    if (!line.includes('health endpoints listening')) continue;
    const port = (JSON.parse(line) as { port?: number }).port;
    if (port) return port;
  }
  return undefined;
}

/** Waits for an instance's HTTP port. */
async function portWhenListening(root: string, inst: { name: string; incarnation: number }): Promise<number> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const port = portOf(root, inst);
    if (port) return port;
    if (Date.now() > deadline) throw new Error(`${inst.name} did not log its HTTP port; see ${root}`);
    await sleep(200);
  }
}


interface Instance {
  readonly name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  incarnation: number;
  killedOnPurpose: boolean;
}

/** Committed records of the outputs, by a key that identifies the decision, with the content that must match. */
interface OutputSet {
  readonly counts: Map<string, number>;
  readonly content: Map<string, string>;
  readonly perTopic: Record<string, number>;
}

/**
 * What identifies an output (the same decision published twice has the same
 * key) and what must match between runs: everything but the wall-clock time.
 */
function identify(topic: string, v: EventOf<OutputTopic>): [string, unknown] {
  if (topic === TOPICS.dlq) {
    const { failedAt: _f, ...rest } = v as DeadLetter;
    return [`dead|${rest.sourceTopic}|${rest.sourcePartition}|${rest.sourceOffset}`, { ...rest, key: rest.key?.toString('base64') ?? null, value: rest.value?.toString('base64') ?? null }];
  }
  const { createdAt: _c, ...rest } = v as FraudCheckTask | OutreachTask | Suppression;
  if (topic === TOPICS.suppressions) {
    const s = rest as Omit<Suppression, 'createdAt'>;
    return [`suppression|${s.evidence['taskId']}|${s.reason}`, rest];
  }
  return [`task|${(rest as { taskId: string }).taskId}`, rest];
}

async function readOutputs(kafka: Kafka, serde: Serde, from: ReadonlyMap<string, bigint>): Promise<OutputSet> {
  const raw: { topic: string; value: Buffer }[] = [];
  await readToEnd(kafka, [...OUTPUT_TOPICS], (topic, _key, value, at) => {
    if (at.offset >= (from.get(`${topic}:${at.partition}`) ?? 0n)) raw.push({ topic, value });
  });
  const counts = new Map<string, number>();
  const content = new Map<string, string>();
  const perTopic: Record<string, number> = {};
  for (const { topic, value } of raw) {
    perTopic[topic] = (perTopic[topic] ?? 0) + 1;
    const d = await serde.decode(topic as OutputTopic, value);
    if (!d.ok) throw new Error(`${topic}: ${d.message}`);
    const [key, body] = identify(topic, d.value);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    content.set(key, JSON.stringify(body));
  }
  return { counts, content, perTopic };
}

/** Where each output partition ends now: the chaos run's outputs come after the baseline's. */
async function outputEnds(kafka: Kafka): Promise<Map<string, bigint>> {
  const ends = await endOffsets(kafka, [...OUTPUT_TOPICS]);
  return new Map(Object.entries(ends).flatMap(([t, ps]) => ps.map((p) => [`${t}:${p.partition}`, BigInt(p.offset)] as const)));
}

export async function runChaos(o: ChaosOptions): Promise<ChaosTally> {
  const log = o.log;
  // The fault schedule is reproducible from the seed.
  const random = new Rng(o.seed);
  const root = o.workDir;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const brokerDir = join(root, 'kafka');
  mkdirSync(brokerDir, { recursive: true });
  const ports = { kafka: await freePort(), controller: await freePort() };
  // The broker runs from the jars the local stack fetched (linked, not fetched again).
  const downloads = join(defaultStackDir(), 'downloads');
  mkdirSync(join(brokerDir, 'downloads'), { recursive: true });
  if (existsSync(downloads)) for (const d of readdirSync(downloads)) symlinkSync(join(downloads, d), join(brokerDir, 'downloads', d));
  const stackLog = (line: string) => log(`[broker] ${line}`);
  const broker = await kafkaUp(brokerDir, stackLog, ports);
  log(`a broker of its own at ${broker}`);

  const clusterDir = join(root, 'redis-cluster');
  const clusterPorts = o.redisCluster ? await freeClusterPorts(3) : [];
  let redisUrl: string;
  if (o.redisCluster) {
    redisUrl = await clusterUp(clusterDir, (line) => log(`[redis] ${line}`), clusterPorts);
    log(`a Redis Cluster of its own at ${redisUrl}`);
  } else {
    const db = new URL(o.redisUrl);
    db.pathname = `/${o.redisDb}`;
    redisUrl = db.toString();
  }
  const redis = createRedis(redisUrl, loadConfig({}));
  await redis.connect();
  const flush = async () => {
    await Promise.all(primaries(redis).map((node) => node.flushdb()));
  };
  await flush();

  const env = {
    KAFKA_BROKERS: broker,
    SCHEMA_REGISTRY_URL: o.registryUrl,
    REDIS_URL: redisUrl,
    CARESTREAM_STACK: 'explicit',
    // The explicit stack refuses the development key.
    PSEUDONYM_KEY: 'chaos-run-pseudonym-key-0123456789',
    LOG_LEVEL: 'info',
    HTTP_PORT: '0',
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    TOPIC_PARTITIONS: '6',
    CONSUMER_CONCURRENCY: '3',
    LOG_SUMMARY_INTERVAL_MS: '10000',
    // Many small commits: progress moves in small steps, so faults land
    // between commits, and more commit points are put to the test.
    MAX_CHUNK_RECORDS: '500',
    // The agent API's answers are compared too (tasks and audit trail of every customer).
    API_TOKENS: JSON.stringify([{ name: 'chaos', sha256: createHash('sha256').update(API_TOKEN).digest('hex'), scopes: ['tasks:read'] }]),
    AUDIT_MAX_CONCURRENT_READS: '4',
    ...(o.timers ? { TIMERS_ENABLED: 'true', STREAM_TIME_FOLLOWS_CLOCK: 'false' } : { TIMERS_ENABLED: 'false' }),
  };
  const config = loadConfig({ ...env, LOG_LEVEL: 'warn' });
  const { kafka, serde } = await connect(config, createLogger('warn'));
  const admin = kafka.admin();
  await admin.connect();
  const instances: Instance[] = [];
  const tally: ChaosTally = {
    eventsIn: 0, garbageIn: 0, baselineOutputs: {}, chaosOutputs: {}, tasksOut: 0, duplicates: 0, missing: 0, unexpected: 0,
    contentDiffers: 0, customers: 0, featuresDiffer: 0, apiCustomers: 0, tasksAnswersDiffer: 0, auditAnswersDiffer: 0, apiServerErrors: 0, apiStatuses: {}, auditEntries: 0, kills: 0, instanceRestarts: 0, unexpectedExits: 0, brokerRestarts: 0,
    redisFlushes: 0, faultsDuringProcessing: 0, baselineSeconds: 0, chaosSeconds: 0, examples: [],
  };

  const spawnInstance = (inst: Pick<Instance, 'name'> & Partial<Instance>, group: string, prefix: string): Instance => {
    const incarnation = (inst.incarnation ?? 0) + 1;
    const logFile = join(root, `${inst.name}.${incarnation}.log`);
    const out = createWriteStream(logFile);
    const child = spawn(process.execPath, ['src/main.ts'], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, KAFKA_GROUP_ID: group, REDIS_KEY_PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const next: Instance = Object.assign(inst as Instance, { child, exited, incarnation, killedOnPurpose: false });
    return next;
  };

  /** Sum over the input partitions of what the group has still to commit; null while the broker does not answer. */
  const remaining = async (group: string, ends: Map<string, bigint>): Promise<bigint | null> => {
    try {
      const committed = await admin.fetchOffsets({ groupId: group, topics: [...INPUT_TOPICS] });
      let left = 0n;
      for (const { topic, partitions } of committed) {
        for (const p of partitions) {
          const end = ends.get(`${topic}:${p.partition}`) ?? 0n;
          const c = BigInt(p.offset) < 0n ? 0n : BigInt(p.offset);
          if (end > c) left += end - c;
        }
      }
      return left;
    } catch {
      return null;
    }
  };

  try {
    // 1. The input: a generated bank ending yesterday, plus undecodable records.
    const endDay = Math.floor(Date.now() / DAY_MS) - 1;
    const { lines } = generate({ seed: o.seed, customers: o.customers, days: o.days, start: dayLabel(endDay - o.days + 1) });
    const customers = new Set<string>();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let batch: { topic: string; key: string | null; value: Buffer }[] = [];
    const garbageEvery = o.garbage > 0 ? Math.max(1, Math.floor((o.customers * o.days * 2) / o.garbage)) : Number.POSITIVE_INFINITY;
    let n = 0;
    for (const line of lines) {
      const r = parseReplayLine(line);
      if (r.key) customers.add(r.key);
      batch.push({ topic: r.topic, key: r.key, value: await serde.encode(r.topic, r.value) });
      tally.eventsIn++;
      if (++n % garbageEvery === 0 && tally.garbageIn < o.garbage) {
        batch.push({ topic: INPUT_TOPICS[n % INPUT_TOPICS.length]!, key: r.key, value: Buffer.from(`not avro ${n}`) });
        tally.garbageIn++;
      }
      if (batch.length >= 5000) {
        await producer.sendBatch({ acks: -1, topicMessages: topicMessages(batch) });
        batch = [];
      }
    }
    if (batch.length > 0) await producer.sendBatch({ acks: -1, topicMessages: topicMessages(batch) });
    await producer.disconnect();
    tally.customers = customers.size;
    const ends = new Map<string, bigint>();
    for (const t of INPUT_TOPICS) for (const p of await admin.fetchTopicOffsets(t)) ends.set(`${t}:${p.partition}`, BigInt(p.high));
    const total = [...ends.values()].reduce((a, b) => a + b, 0n);
    log(`input: ${tally.eventsIn} events of ${customers.size} customers over ${o.days} days and ${tally.garbageIn} undecodable records (${total} records)`);

    // 2. The baseline: one instance, no faults.
    const t0 = Date.now();
    const base = spawnInstance({ name: 'baseline' }, 'chaos-baseline', 'base');
    for (;;) {
      const left = await remaining('chaos-baseline', ends);
      if (left === 0n) break;
      if (base.child.exitCode !== null) throw new Error(`the baseline instance exited with ${base.child.exitCode}; see ${root}/baseline.1.log`);
      await sleep(200);
    }
    tally.baselineSeconds = (Date.now() - t0) / 1000;
    // The agent API's answers of the fault-free run: tasks (Redis) and the audit trail of what it published (the topics).
    const baselineRange = { from: formatInstant(t0 - 1000, 'UTC'), to: formatInstant(Date.now() + 1, 'UTC') };
    const baselineAnswers = await customerAnswers(`http://127.0.0.1:${await portWhenListening(root, base)}`, API_TOKEN, [...customers].sort(), baselineRange);
    log(`baseline: the agent API answered for ${baselineAnswers.size} customers`);
    base.child.kill('SIGTERM');
    await base.exited;
    const baselineEnds = await outputEnds(kafka);
    const baseline = await readOutputs(kafka, serde, new Map());
    tally.baselineOutputs = baseline.perTopic;
    const baseStore = createStore(redis, loadConfig({ ...env, REDIS_KEY_PREFIX: 'base' }));
    const baselineFeatures = new Map<string, FeatureView | null>();
    for (const c of customers) baselineFeatures.set(c, await baseStore.inspect(c));
    log(`baseline: ${total} records in ${tally.baselineSeconds.toFixed(1)} s; outputs ${JSON.stringify(baseline.perTopic)}`);

    // 3. The chaos run: several instances; faults at random points of its progress.
    type Fault = 'kill' | 'broker' | 'flush';
    const faults: { at: number; kind: Fault }[] = [
      ...Array.from({ length: o.kills }, () => 'kill' as const),
      ...Array.from({ length: o.brokerRestarts }, () => 'broker' as const),
      ...Array.from({ length: o.redisFlushes }, () => 'flush' as const),
    ].map((kind) => ({ kind, at: 0.05 + random.next() * 0.85 })).sort((a, b) => a.at - b.at);
    log(`fault schedule (fraction of the input committed): ${faults.map((f) => `${f.kind}@${f.at.toFixed(2)}`).join(' ')}`);

    const t1 = Date.now();
    for (let i = 0; i < o.instances; i++) instances.push(spawnInstance({ name: `instance-${i + 1}` }, 'chaos-run', 'run'));
    const restarts: Promise<void>[] = [];
    const watchExits = () => {
      for (const inst of instances) {
        if (inst.child.exitCode !== null || inst.child.signalCode !== null) {
          if (!inst.killedOnPurpose) {
            tally.unexpectedExits++;
            log(`${inst.name} exited by itself (code ${inst.child.exitCode}); restarting it as a supervisor would`);
            spawnInstance(inst, 'chaos-run', 'run');
            tally.instanceRestarts++;
          }
        }
      }
    };
    const allShardsBuilt = async () => {
      const keys = new StateKeys('run');
      for (let p = 0; p < 6; p++) if ((await redis.hget(keys.shard(p), 'built')) !== '1') return false;
      return true;
    };
    let done = false;
    while (!done) {
      const left = await remaining('chaos-run', ends);
      if (left !== null) {
        const progress = Number(total - left) / Number(total);
        while (faults.length > 0 && progress >= faults[0]!.at) {
          const f = faults.shift()!;
          if (left > 0n) tally.faultsDuringProcessing++;
          if (f.kind === 'kill') {
            // A running instance: one killed a moment ago may not be back yet.
            const alive = () => instances.filter((i) => i.child.exitCode === null && i.child.signalCode === null);
            while (alive().length === 0) await sleep(100);
            const candidates = alive();
            const victim = random.pick(candidates);
            {
              victim.killedOnPurpose = true;
              victim.child.kill('SIGKILL');
              await victim.exited;
              tally.kills++;
              log(`kill -9 ${victim.name} (pid ${victim.child.pid}) at ${(progress * 100).toFixed(1)}%`);
              const delay = random.int(200, 2199);
              restarts.push(sleep(delay).then(() => {
                spawnInstance(victim, 'chaos-run', 'run');
                tally.instanceRestarts++;
              }));
            }
          } else if (f.kind === 'broker') {
            log(`restarting the broker at ${(progress * 100).toFixed(1)}%`);
            await kafkaDown(brokerDir, false);
            await sleep(1000);
            await kafkaUp(brokerDir, stackLog, ports);
            tally.brokerRestarts++;
          } else {
            log(`${o.redisCluster ? 'FLUSHDB on every primary of the cluster' : `FLUSHDB on Redis database ${o.redisDb}`} at ${(progress * 100).toFixed(1)}%`);
            await flush();
            tally.redisFlushes++;
          }
        }
        // Done when everything is committed and no shard is still rebuilding
        // lost state (a rebuild commits nothing, so offsets alone do not tell).
        if (left === 0n && faults.length === 0) done = await allShardsBuilt();
      }
      watchExits();
      if (Date.now() - t1 > 30 * 60_000) throw new Error(`the chaos run did not finish in 30 minutes; logs in ${root}`);
      if (!done) await sleep(100);
    }
    await Promise.all(restarts);
    tally.chaosSeconds = (Date.now() - t1) / 1000;
    // The chaos run's answers, from an instance that is up (every instance answers for every customer).
    const answering = instances.find((i) => i.child.exitCode === null && i.child.signalCode === null)!;
    const chaosRange = { from: formatInstant(t1, 'UTC'), to: formatInstant(Date.now() + 1, 'UTC') };
    const chaosAnswers = await customerAnswers(`http://127.0.0.1:${await portWhenListening(root, answering)}`, API_TOKEN, [...customers].sort(), chaosRange);
    for (const inst of instances) {
      inst.killedOnPurpose = true;
      inst.child.kill('SIGTERM');
    }
    await Promise.all(instances.map((i) => i.exited));
    log(`chaos run: all committed and rebuilt after ${tally.chaosSeconds.toFixed(1)} s; instances stopped; comparing`);

    // 4. Compare.
    const chaos = await readOutputs(kafka, serde, baselineEnds);
    tally.chaosOutputs = chaos.perTopic;
    for (const [key, count] of chaos.counts) {
      if (key.startsWith('task|')) tally.tasksOut += count;
      if (count > 1) {
        tally.duplicates += count - 1;
        if (tally.examples.length < 10) tally.examples.push(`duplicate ${key} ×${count}`);
      }
      if (!baseline.counts.has(key)) {
        tally.unexpected++;
        if (tally.examples.length < 10) tally.examples.push(`unexpected ${key}`);
      } else if (baseline.content.get(key) !== chaos.content.get(key)) {
        tally.contentDiffers++;
        if (tally.examples.length < 10) tally.examples.push(`differs ${key}`);
      }
    }
    for (const key of baseline.counts.keys()) {
      if (!chaos.counts.has(key)) {
        tally.missing++;
        if (tally.examples.length < 10) tally.examples.push(`missing ${key}`);
      }
    }
    log(`outputs compared: ${JSON.stringify(chaos.perTopic)}`);
    const runStore = createStore(redis, loadConfig({ ...env, REDIS_KEY_PREFIX: 'run' }));
    for (const c of customers) {
      const a = JSON.stringify(baselineFeatures.get(c) ?? null);
      const b = JSON.stringify(await runStore.inspect(c));
      if (a !== b) {
        tally.featuresDiffer++;
        if (tally.examples.length < 10) tally.examples.push(`features of ${c} differ`);
      }
    }
    // The agent API: for every customer, the same answers as the fault-free run's, and never a 5xx.
    const status = (kind: string, n: number) => {
      tally.apiStatuses[`${kind} ${n}`] = (tally.apiStatuses[`${kind} ${n}`] ?? 0) + 1;
    };
    for (const c of customers) {
      const a: CustomerAnswer | undefined = baselineAnswers.get(c);
      const b: CustomerAnswer | undefined = chaosAnswers.get(c);
      if (!a || !b) throw new Error(`no agent API answer for ${c}`);
      tally.apiCustomers++;
      tally.auditEntries += b.auditEntries;
      status('tasks', b.tasksStatus);
      status('audit', b.auditStatus);
      for (const x of [a.tasksStatus, a.auditStatus, b.tasksStatus, b.auditStatus]) if (x >= 500) tally.apiServerErrors++;
      if (a.tasksStatus !== b.tasksStatus || a.tasks !== b.tasks) {
        tally.tasksAnswersDiffer++;
        if (tally.examples.length < 10) tally.examples.push(`tasks answer of ${c} differs (${a.tasksStatus} vs ${b.tasksStatus})`);
      }
      if (a.auditStatus !== b.auditStatus || a.audit !== b.audit) {
        tally.auditAnswersDiffer++;
        if (tally.examples.length < 10) tally.examples.push(`audit answer of ${c} differs (${a.auditStatus} vs ${b.auditStatus})`);
      }
    }
    log(`agent API answers compared for ${tally.apiCustomers} customers: ${JSON.stringify(tally.apiStatuses)}`);
    return tally;
  } catch (err) {
    for (const inst of instances) {
      log(`--- last lines of ${inst.name}.${inst.incarnation}.log ---`);
      try {
        log(readFileSync(join(root, `${inst.name}.${inst.incarnation}.log`), 'utf8').split('\n').slice(-15).join('\n'));
      } catch {
        /* no log */
      }
    }
    throw err;
  } finally {
    for (const inst of instances) if (inst.child.exitCode === null && inst.child.signalCode === null) inst.child.kill('SIGKILL');
    await admin.disconnect().catch(() => {});
    await flush().catch(() => {});
    redis.disconnect();
    if (o.redisCluster) await clusterDown(clusterDir, clusterPorts).catch(() => {});
    await kafkaDown(brokerDir, true).catch(() => {});
  }
}
