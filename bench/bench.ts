// `npm run bench`: carestream's performance on the resolved stack, in one run
// (issue 7). Phases:
//   1. resolve the stack as the service does; a run id names the consumer
//      groups, the Redis key prefix and the latency events of this run;
//   2. generate a 90-day history of at least 1,000,000 events ending yesterday
//      and pre-load it into the input topics;
//   3. the ceiling: a consume-only KafkaJS consumer with the service's consumer
//      settings over exactly those records;
//   4. end-to-end: the real service (bench/service.ts, a child process) over
//      the same records, exactly-once, timed to its last committed chunk; its
//      group's committed offsets reaching the end of the pre-load ends the phase;
//   5. Redis memory after the history (INFO memory delta, MEMORY USAGE sample);
//   6. latency: the caught-up service under a paced 2,000 events/s for 60 s;
//   7. stop the service (peak RSS, CPU), read the outputs back read_committed,
//      print one markdown table on stdout, write JSON, delete the run's keys.
// Progress goes to stderr. Flags and BENCH_* variables: bench/options.ts.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadavg } from 'node:os';
import type { Admin, Kafka } from 'kafkajs';
import { loadConfig } from '../src/config.ts';
import { INPUT_TOPICS, OUTPUT_TOPICS } from '../src/events/topics.ts';
import { generate, MAX_DAYS } from '../src/generate/index.ts';
import { customerId } from '../src/generate/identity.ts';
import { connect } from '../src/kafka/bootstrap.ts';
import { produceReplayLines } from '../src/kafka/produce-lines.ts';
import { commitGroupOffsets, endOffsets, type Offsets } from '../src/kafka/read-committed.ts';
import { createLogger } from '../src/observability/logger.ts';
import { dayLabel } from '../src/state/calendar.ts';
import { StateKeys } from '../src/state/keys.ts';
import { createRedis, deleteKeysWithPrefix, primaries } from '../src/state/redis.ts';
import { scalingPass, type ScalingInputs } from './scaling.ts';
import { defaultStackDir, localStatus } from '../src/stack/local/index.ts';
import { consumeOnly } from './ceiling.ts';
import { liveEvents, offerLoad, type LiveEvent } from './latency.ts';
import { machine, processCpuSeconds } from './machine.ts';
import { parseOptions, type BenchOptions } from './options.ts';
import { countCommitted } from './outputs.ts';
import { formatSummary, summarise } from './profile-summary.ts';
import { countKeys, sampleKeys, sampleNumbers, slowlogSince, snapshot } from './redis-probe.ts';
import { goals, table, type BenchResult } from './report.ts';
import { ServiceProcess } from './service-process.ts';
import type { ServiceReport } from './service-protocol.ts';
import { commandStatsDelta, distribution, round } from './stats.ts';
import { dueIndexSize, timersCost, type TimersCost } from './timers-cost.ts';
import { createStore } from '../src/app.ts';
import { redactUrl } from '../src/security/redact.ts';

const DAY_MS = 86_400_000;
/** Give up when the service's committed offsets do not move for this long. */
const STALL_MS = 180_000;
const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const sum = (o: Offsets) => Object.values(o).flat().reduce((a, p) => a + Number(p.offset), 0);

/**
 * Customers needed for at least `events` over `days`: the generator's
 * background rate (measured on 200 customers) plus 2%, plus the customers that
 * carry planted scenarios instead of a background life.
 */
function customersFor(o: BenchOptions, start: string, timeZone: string): number {
  if (o.customers !== undefined) return o.customers;
  const probe = 200;
  const base = { seed: o.seed, days: o.days, start, timeZone };
  let lines = 0;
  for (const _ of generate({ ...base, customers: probe, scenarios: false }).lines) lines++;
  const background = Math.ceil((o.events / lines) * probe * 1.02);
  const planted = generate({ ...base, customers: background }).labels.planted.length;
  return Math.min(999_999, Math.max(1, background + planted));
}

/** Polls the group's committed offsets until they reach `target` on every partition; returns when they did. */
async function waitForCommitted(admin: Admin, groupId: string, target: Offsets, label: string): Promise<number> {
  const want = new Map(Object.entries(target).flatMap(([t, ps]) => ps.map((p) => [`${t}:${p.partition}`, Number(p.offset)] as const)));
  const total = [...want.values()].reduce((a, b) => a + b, 0);
  let lastSum = -1;
  let lastMove = Date.now();
  let lastReport = Date.now();
  for (;;) {
    const got = await admin.fetchOffsets({ groupId, topics: Object.keys(target) });
    let behind = 0;
    let s = 0;
    for (const t of got) {
      for (const p of t.partitions) {
        const w = want.get(`${t.topic}:${p.partition}`);
        if (w === undefined) continue;
        const o = Math.max(0, Number(p.offset));
        s += Math.min(o, w);
        if (o < w) behind += w - o;
      }
    }
    const now = Date.now();
    if (behind === 0) return now;
    if (s !== lastSum) {
      lastSum = s;
      lastMove = now;
    } else if (now - lastMove > STALL_MS) {
      throw new Error(`${label}: the service committed nothing for ${STALL_MS / 1000} s, ${behind} records behind`);
    }
    if (now - lastReport >= 10_000) {
      progress(`${label}: ${behind.toLocaleString('en')} records behind (${((1 - behind / Math.max(1, total)) * 100).toFixed(0)}% of the offsets)`);
      lastReport = now;
    }
    await sleep(100);
  }
}

async function stackPids(source: string, dir: string | undefined): Promise<{ kafka?: number; registry?: number }> {
  if (source !== 'local') return {};
  const status = await localStatus(dir ?? defaultStackDir());
  const pid = (name: string) => status.find((c) => c.name === name)?.pid;
  return { ...(pid('kafka') ? { kafka: pid('kafka')! } : {}), ...(pid('registry') ? { registry: pid('registry')! } : {}) };
}

const cpuOf = (r: ServiceReport) => (r.userCpuMicros + r.systemCpuMicros) / 1e6;

async function latestProfile(dir: string): Promise<string | undefined> {
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.cpuprofile')).sort();
  return files.length ? join(dir, files.at(-1)!) : undefined;
}

async function deleteGroups(kafka: Kafka, groups: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups(groups);
  } catch {
    // Groups still settling are left to the broker's offsets retention.
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2), process.env);
  const began = Date.now();
  const runId = `${began.toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const groupId = `carestream-bench-${runId}`;
  const prefix = `bench-${runId}`;
  const warnings: string[] = [];
  const warn = (w: string) => {
    warnings.push(w);
    progress(`warning: ${w}`);
  };
  const host = machine();
  const config = loadConfig({ ...process.env, KAFKA_GROUP_ID: groupId, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'warn', HTTP_PORT: '0' });
  const logger = createLogger(config.logLevel, process.stderr);
  const { stack, kafka, serde } = await connect(config, logger);
  progress(`run ${runId} on the ${stack.source} stack (kafka ${stack.kafkaBrokers.join(',')}, redis ${redactUrl(stack.redisUrl)}); ${host.uptime}`);
  const serviceEnv = {
    ...process.env,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack.registryUrl,
    REDIS_URL: stack.redisUrl,
    KAFKA_GROUP_ID: groupId,
    REDIS_KEY_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    HTTP_PORT: '0',
    // The figures are those of the default, said explicitly so a setting in the caller's environment cannot change what they mean.
    TIMERS_ENABLED: 'true',
  };
  const profileDir = join(dirname(new URL(import.meta.url).pathname), '..', '.cache', 'bench', runId);
  // The service's heap limit, as a deployment's NODE_OPTIONS would set it (deploy/k8s).
  const heapArgs = [
    ...(o.serviceHeapMiB > 0 ? [`--max-old-space-size=${o.serviceHeapMiB}`] : []),
    ...(o.serviceSemiSpaceMiB > 0 ? [`--max-semi-space-size=${o.serviceSemiSpaceMiB}`] : []),
  ];

  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  // One server, or a cluster (its primaries' INFO summed: docs/operations/redis-cluster.md).
  const redis = createRedis(stack.redisUrl, config);
  let service: ServiceProcess | undefined;
  let scalingServices: ServiceProcess[] = [];
  const offGroupId = `${groupId}-timers-off`;
  const offPrefix = `${prefix}-timers-off`;
  const scalingGroupId = `${groupId}-scaling`;
  const scalingPrefix = `${prefix}-scaling`;
  const groups = [groupId, `${groupId}-ceiling`, `${groupId}-outputs`, offGroupId, scalingGroupId];
  let cleaning: Promise<void> | undefined;
  // Once, on success, failure or Ctrl-C: stop the service, drop the run's keys and groups.
  const cleanUp = () =>
    (cleaning ??= (async () => {
      if (service) await service.kill().catch(() => {});
      await Promise.all(scalingServices.map((s) => s.kill().catch(() => {})));
      if (redis.status === 'ready') {
        for (const p of [prefix, offPrefix, scalingPrefix]) {
          const n = await deleteKeysWithPrefix(redis, p).catch(() => -1);
          progress(n >= 0 ? `deleted ${n} Redis keys of prefix ${p}` : `could not delete the Redis keys of prefix ${p}`);
        }
      }
      await deleteGroups(kafka, groups).catch(() => {});
      await redis.quit().catch(() => {});
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
      await stack.release();
    })());
  const interrupt = () => {
    progress('interrupted: cleaning up');
    void cleanUp().finally(() => process.exit(130));
  };
  process.on('SIGINT', interrupt);
  try {
    await Promise.all([admin.connect(), producer.connect(), redis.connect()]);
    const pids = await stackPids(stack.source, config.stack.dir);

    // ---- 2. history ----
    const endDay = Math.floor(Date.now() / DAY_MS) - 1; // ends yesterday: nothing is LATE or in the future
    const historyFrom = dayLabel(endDay - o.days + 1);
    const customers = customersFor(o, historyFrom, config.businessTimeZone);
    const before = await endOffsets(kafka, [...INPUT_TOPICS, ...OUTPUT_TOPICS]);
    const inputsBefore = Object.fromEntries(INPUT_TOPICS.map((t) => [t, before[t]!]));
    progress(`generating ${customers.toLocaleString('en')} customers x ${o.days} days (${historyFrom} .. ${dayLabel(endDay)}) and pre-loading them`);
    const preloadStarted = Date.now();
    let shown = 0;
    const byTopic = await produceReplayLines(producer, serde, generate({ seed: o.seed, customers, days: o.days, start: historyFrom, timeZone: config.businessTimeZone }).lines, {
      onProgress: (n) => {
        if (n - shown >= 200_000) progress(`pre-loaded ${(shown = n).toLocaleString('en')}`);
      },
    });
    const preloadSeconds = (Date.now() - preloadStarted) / 1000;
    const preloaded = Object.values(byTopic).reduce((a, b) => a + b, 0);
    const inputsAfter = await endOffsets(kafka, INPUT_TOPICS);
    const records = sum(inputsAfter) - sum(inputsBefore);
    progress(`pre-loaded ${preloaded.toLocaleString('en')} events in ${preloadSeconds.toFixed(1)} s`);
    if (preloaded < o.events) warn(`the history has ${preloaded} events, fewer than the ${o.events} asked for`);
    if (records !== preloaded) warn(`the input topics grew by ${records} records while the bench produced ${preloaded}: someone else is producing to them, and both phases count theirs too`);

    // ---- 3. ceiling ----
    progress('consume-only ceiling');
    const ceiling = await consumeOnly(kafka, `${groupId}-ceiling`, inputsBefore, inputsAfter, config.consumer.concurrency);
    progress(`ceiling: ${ceiling.recordsPerSecond.toLocaleString('en')} records/s`);

    const failureNote = (r: ServiceReport, phase: string) => {
      if (r.failedChunks > 0) warn(`${phase}: ${r.failedChunks} chunks failed and were read again (${Object.entries(r.failures).map(([m, k]) => `${k} x ${m}`).join('; ')})`);
      if (r.assignments > 1) warn(`${phase}: the service's partitions were assigned ${r.assignments} times (rebalances)`);
    };

    // ---- 4. end-to-end ----
    // A prefix without shard hashes reads to the ingestor as Redis having lost
    // its state, and it would rebuild from the very start of the shared topics.
    // This run's state before its pre-load is empty by construction: declared built.
    const shards = Math.max(...Object.values(inputsAfter).map((ps) => ps.length));
    const declareBuilt = async (p: string) => {
      const keys = new StateKeys(p);
      for (let n = 0; n < shards; n++) await redis.hset(keys.shard(n), 'built', '1');
    };
    // 4a. The same records with timers off, first, so the figure of record (timers on) is the pass the later phases continue.
    let timersOff: TimersCost['off'] | undefined;
    if (o.timersOffPass) {
      await commitGroupOffsets(kafka, offGroupId, inputsBefore);
      await declareBuilt(offPrefix);
      const r0 = await snapshot(redis);
      progress('end-to-end with timers off: starting the service');
      service = await ServiceProcess.start({ ...serviceEnv, KAFKA_GROUP_ID: offGroupId, REDIS_KEY_PREFIX: offPrefix, TIMERS_ENABLED: 'false' }, heapArgs);
      await waitForCommitted(admin, offGroupId, inputsAfter, 'end-to-end, timers off');
      const off = await service.stop();
      service = undefined;
      const r1 = await snapshot(redis);
      const seconds = (off.lastCommitAt! - off.assignedAt!) / 1000;
      timersOff = { seconds: round(seconds, 3), serviceCpuSeconds: round(cpuOf(off), 2), redisCpuSeconds: round(r1.cpuSeconds - r0.cpuSeconds, 2), outputsCommitted: off.outputs };
      progress(`end-to-end with timers off: ${Math.round(records / seconds).toLocaleString('en')} records/s`);
      failureNote(off, 'end-to-end, timers off');
    }
    // 4b. The same records by several instances in one group (issue 12: how far more instances go on this machine and Redis).
    let scalingRaw: Omit<ScalingInputs, 'singleEventsPerSecond'> | undefined;
    if (o.scalingInstances > 1) {
      await commitGroupOffsets(kafka, scalingGroupId, inputsBefore);
      await declareBuilt(scalingPrefix);
      const r0 = await snapshot(redis);
      const k0 = pids.kafka ? processCpuSeconds(pids.kafka) : undefined;
      progress(`end-to-end with ${o.scalingInstances} instances: starting them`);
      const env = { ...serviceEnv, KAFKA_GROUP_ID: scalingGroupId, REDIS_KEY_PREFIX: scalingPrefix };
      scalingServices = await Promise.all(Array.from({ length: o.scalingInstances }, () => ServiceProcess.start(env, heapArgs)));
      await waitForCommitted(admin, scalingGroupId, inputsAfter, `end-to-end, ${o.scalingInstances} instances`);
      const reports = await Promise.all(scalingServices.map((s) => s.stop()));
      scalingServices = [];
      const r1 = await snapshot(redis);
      const k1 = pids.kafka ? processCpuSeconds(pids.kafka) : undefined;
      const working = reports.filter((r) => r.assignedAt !== undefined && r.lastCommitAt !== undefined);
      if (working.length < reports.length) warn(`end-to-end, ${o.scalingInstances} instances: ${reports.length - working.length} of them committed nothing`);
      scalingRaw = {
        records,
        instances: working.map((r) => ({ records: r.records, assignedAt: r.assignedAt!, lastCommitAt: r.lastCommitAt!, cpuSeconds: cpuOf(r), assignments: r.assignments, maxRssKiB: r.maxRssKiB })),
        redisCpuSeconds: r1.cpuSeconds - r0.cpuSeconds,
        kafkaCpuSeconds: k0 !== undefined && k1 !== undefined ? k1 - k0 : null,
        machineCores: host.nproc,
        redisPrimaries: primaries(redis).length,
      };
      for (const r of reports) failureNote(r, `end-to-end, ${o.scalingInstances} instances (pid ${r.pid})`);
    }
    await commitGroupOffsets(kafka, groupId, inputsBefore);
    await declareBuilt(prefix);
    const redis0 = await snapshot(redis);
    const slowSince = Math.floor(Date.now() / 1000);
    const kafka0 = pids.kafka ? processCpuSeconds(pids.kafka) : undefined;
    const registry0 = pids.registry ? processCpuSeconds(pids.registry) : undefined;
    progress(`end-to-end: starting the service${o.profile ? ` under --cpu-prof (${profileDir})` : ''}`);
    service = await ServiceProcess.start(serviceEnv, [...heapArgs, ...(o.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])]);
    progress(`service pid ${service.pid} started in ${((service.startedAt - service.spawnedAt) / 1000).toFixed(2)} s`);
    await waitForCommitted(admin, groupId, inputsAfter, 'end-to-end');
    const e2e = await service.report();
    const redis1 = await snapshot(redis);
    const kafka1 = pids.kafka ? processCpuSeconds(pids.kafka) : undefined;
    const registry1 = pids.registry ? processCpuSeconds(pids.registry) : undefined;
    const outputsAfter = await endOffsets(kafka, OUTPUT_TOPICS);
    const e2eSeconds = (e2e.lastCommitAt! - e2e.assignedAt!) / 1000;
    const e2eWithStartup = (e2e.lastCommitAt! - service.spawnedAt) / 1000;
    progress(`end-to-end: ${Math.round(records / e2eSeconds).toLocaleString('en')} records/s`);
    if (e2e.records !== records) warn(`the service consumed ${e2e.records} records, the pre-load ${records}`);
    failureNote(e2e, 'end-to-end');
    if (e2e.tally.deadLettered > 0) warn(`${e2e.tally.deadLettered} history records were dead-lettered: ${JSON.stringify(e2e.tally.byReason)}`);

    // ---- 5. memory ----
    const keys = await countKeys(redis, prefix);
    const sampleIds = sampleNumbers(customers, o.memorySample, o.seed).map(customerId);
    const sample = await sampleKeys(redis, prefix, sampleIds);
    const delta = redis1.usedMemory - redis0.usedMemory;
    progress(`memory: ${keys.total} keys, MEMORY USAGE mean ${Math.round(sample.perCustomer?.mean ?? 0)} B/customer, used_memory delta ${Math.round(delta / customers)} B/customer`);
    let timers: TimersCost | null = null;
    if (timersOff) {
      const offSample = await sampleKeys(redis, offPrefix, sampleIds);
      const store = createStore(redis, config);
      const pending: number[] = [];
      for (const id of sampleIds) {
        const t = await store.timersOf(id);
        if (t) pending.push(t.pending.length);
      }
      timers = timersCost({
        records,
        on: { seconds: e2eSeconds },
        off: timersOff,
        customers,
        pending,
        stateKeyMeanOn: sample.stateKey?.mean ?? 0,
        stateKeyMeanOff: offSample.stateKey?.mean ?? 0,
        dueIndex: await dueIndexSize(redis, prefix, shards),
      });
      progress(`timers: on/off throughput ${timers.ratio}, ${timers.bytesPerCustomer} B/customer, ${timers.bytesPerPendingTimer ?? 'n/a'} B per pending timer`);
    }

    // ---- 6. latency ----
    let latency: BenchResult['latency'] = null;
    if (o.latencySeconds > 0) {
      const need = o.latencyRate * o.latencySeconds;
      const probePrefix = `L${runId}-`;
      const events: LiveEvent[] = [];
      // The stream goes on from today with the same customers; a small population repeats it under a new prefix.
      for (let pass = 0; events.length < need; pass++) {
        const lines = generate({ seed: o.seed, customers, days: MAX_DAYS, start: dayLabel(endDay + 1), timeZone: config.businessTimeZone, scenarios: false }).lines;
        events.push(...liveEvents(lines, need - events.length, `${probePrefix}${pass}.`));
      }
      service.probe(probePrefix);
      const commands0 = await snapshot(redis);
      progress(`latency: offering ${o.latencyRate} events/s for ${o.latencySeconds} s`);
      const offered = await offerLoad(producer, serde, events, o.latencyRate);
      await waitForCommitted(admin, groupId, await endOffsets(kafka, INPUT_TOPICS), 'latency');
      const l = await service.report();
      const commands1 = await snapshot(redis);
      if (l.failedChunks > e2e.failedChunks || l.assignments > e2e.assignments) failureNote(l, 'latency');
      const ms = distribution([...l.latencies]);
      if ((ms?.count ?? 0) !== offered.sent) warn(`the latency probe saw ${ms?.count ?? 0} of the ${offered.sent} events offered`);
      latency = {
        what: 'per event: commit time of the chunk (transaction) that carried it, minus its Kafka timestamp. The shared input topics use CreateTime (their names are fixed, so the bench cannot create LogAppendTime ones); the bench stamps each event as it hands it to the producer, so the figure includes the produce round trip (shown below) and is an upper bound on append-to-commit. The events are the following days of the same customers\' generated lives, stamped now: each customer gets about rate / customers events per second, far denser than real life, so the per-customer dedup ids and outflow slots are larger than they would be',
        offeredRate: o.latencyRate,
        offered: { sent: offered.sent, seconds: round(offered.seconds, 2), eventsPerSecond: offered.eventsPerSecond, lateTicks: offered.lateTicks },
        ms,
        parts: { fetch: distribution([...l.parts.fetch]), queued: distribution([...l.parts.queued]), processing: distribution([...l.parts.processing]) },
        produceAckMs: offered.produceAckMs,
        chunkRecords: distribution(l.probeChunks.map((c) => c.records)),
        chunkMs: distribution(l.probeChunks.map((c) => c.ms)),
        serviceCores: round((cpuOf(l) - cpuOf(e2e)) / offered.seconds, 2),
        applyCalls: l.applyCalls - e2e.applyCalls,
        redisCpuSeconds: round(commands1.cpuSeconds - commands0.cpuSeconds, 2),
        redisCommands: commandStatsDelta(commands0.commandStats, commands1.commandStats).slice(0, 8),
      };
      progress(`latency: p50 ${ms?.p50} ms, p99 ${ms?.p99} ms, max ${ms?.max} ms`);
    }

    // ---- 7. stop, read back, report ----
    const final = await service.stop();
    service = undefined;
    const slowlog = await slowlogSince(redis, slowSince);
    const keep = (key: string | null) => key !== null && /^C\d{6}$/.test(key) && Number(key.slice(1)) <= customers;
    const outputsRead = await countCommitted(kafka, `${groupId}-outputs`, Object.fromEntries(OUTPUT_TOPICS.map((t) => [t, before[t]!])), outputsAfter, keep);
    let profile = null;
    if (o.profile) {
      const file = await latestProfile(profileDir);
      if (file) {
        profile = summarise(file);
        progress(formatSummary(profile));
      } else warn(`no .cpuprofile was written in ${profileDir}`);
    }
    const partial: Omit<BenchResult, 'goals'> = {
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}${Object.keys(process.env).filter((k) => k.startsWith('BENCH_')).sort().map((k) => ` (${k}=${process.env[k]})`).join('')}`,
      date: new Date().toISOString(),
      runId,
      totalSeconds: round((Date.now() - began) / 1000, 1),
      machine: host,
      loadAverageAtEnd: loadavg().map((x) => round(x, 2)),
      stack: { source: stack.source, kafka: stack.kafkaBrokers.join(','), registry: stack.registryUrl, redis: stack.redisUrl, redisPrimaries: primaries(redis).length },
      isolation: `input topic names are fixed (src/events/topics.ts has no override), so the bench shares them: its consumer groups start at the inputs' end offsets before its pre-load and count only its range; groups ${groups.join(', ')}; Redis prefix ${prefix} (deleted at the end); latency events carry the eventId prefix ${`L${runId}-`}`,
      settings: {
        consumerConcurrency: config.consumer.concurrency,
        maxQueuedRecords: config.consumer.maxQueuedRecords,
        serviceHeapMiB: o.serviceHeapMiB > 0 ? o.serviceHeapMiB : null,
        serviceSemiSpaceMiB: o.serviceSemiSpaceMiB > 0 ? o.serviceSemiSpaceMiB : null,
        inputPartitions: Object.values(inputsAfter).flat().length,
        exactlyOnce: 'on: every chunk commits its outputs and input offsets in one Kafka transaction (transactional id per shard); Redis updates are idempotent',
        customers,
        days: o.days,
        seed: o.seed,
        historyFrom,
        historyTo: dayLabel(endDay),
        minimumEvents: o.events,
      },
      preload: { records: preloaded, byTopic, seconds: round(preloadSeconds, 2), recordsPerSecond: Math.round(preloaded / preloadSeconds) },
      ceiling: { what: 'KafkaJS consumer with the service consumer settings, eachBatch only counting; from its group join (partitions assigned) to the last pre-loaded record', ...ceiling, seconds: round(ceiling.seconds, 3) },
      endToEnd: {
        what: 'the service (child process) from its group join (partitions assigned) to the commit of the chunk holding the last pre-loaded record; decode, validate, Redis features, rules, policy, tasks, one transaction per chunk',
        records,
        seconds: round(e2eSeconds, 3),
        recordsPerSecond: Math.round(records / e2eSeconds),
        secondsWithStartup: round(e2eWithStartup, 3),
        recordsPerSecondWithStartup: Math.round(records / e2eWithStartup),
        ratioToCeiling: round(records / e2eSeconds / ceiling.recordsPerSecond, 3),
        tally: e2e.tally,
        chunks: e2e.chunks,
        applyCalls: e2e.applyCalls,
        recordsPerApplyCall: round(e2e.records / Math.max(1, e2e.applyCalls), 2),
        outputsCommitted: e2e.outputs,
        outputsReadCommitted: outputsRead,
        serviceCpuSeconds: round(cpuOf(e2e), 2),
        serviceCores: round(cpuOf(e2e) / e2eWithStartup, 2),
        redisCpuSeconds: round(redis1.cpuSeconds - redis0.cpuSeconds, 2),
        kafkaCpuSeconds: kafka0 !== undefined && kafka1 !== undefined ? round(kafka1 - kafka0, 2) : null,
        registryCpuSeconds: registry0 !== undefined && registry1 !== undefined ? round(registry1 - registry0, 2) : null,
        redisCommands: commandStatsDelta(redis0.commandStats, redis1.commandStats).slice(0, 8),
      },
      latency,
      timers,
      scaling: scalingRaw ? scalingPass({ ...scalingRaw, singleEventsPerSecond: Math.round(records / e2eSeconds) }) : null,
      memory: {
        customers,
        usedMemoryBefore: redis0.usedMemory,
        usedMemoryAfter: redis1.usedMemory,
        usedMemoryDelta: delta,
        usedMemoryDeltaPerCustomer: Math.round(delta / customers),
        fragmentationRatio: redis1.fragmentationRatio,
        keys,
        sample,
        bytesPerCustomer: Math.round(sample.perCustomer?.mean ?? 0),
      },
      service: { peakRssBytes: final.maxRssKiB * 1024, cpuSeconds: round(cpuOf(final), 2) },
      slowlog: { threshold: slowlog.threshold, entries: slowlog.entries.slice(0, 20) },
      warnings,
      profile,
    };
    const result: BenchResult = { ...partial, goals: goals(partial) };
    await mkdir(dirname(o.out), { recursive: true });
    await writeFile(o.out, `${JSON.stringify(result, null, 2)}\n`, 'utf8');
    process.stdout.write(`${table(result)}\n`);
    progress(`wrote ${o.out}`);
    return 0;
  } finally {
    process.off('SIGINT', interrupt);
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
