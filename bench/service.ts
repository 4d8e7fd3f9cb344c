// The service as the benchmark runs it: a child process (so its CPU and peak
// RSS are its own, and --cpu-prof profiles only it) that is the real createApp
// with the settings of its environment, plus an ingestor observer that keeps
// the figures the benchmark asks for over IPC. Not an entry point of its own.
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { IngestorObserver } from '../src/stream/ingestor-observer.ts';
import { createLogger } from '../src/observability/logger.ts';
import { addTally, emptyTally } from '../src/pipeline/tally.ts';
import type { FromService, ServiceReport, ToService } from './service-protocol.ts';

if (!process.send) throw new Error('bench/service.ts is run by bench/bench.ts over IPC');
const send = (m: FromService): Promise<void> => new Promise((resolve) => process.send!(m, undefined, undefined, () => resolve()));

let assignedAt: number | undefined;
let firstFetchAt: number | undefined;
let lastCommitAt: number | undefined;
let chunks = 0;
let failedChunks = 0;
const failures: Record<string, number> = {};
let assignments = 0;
let records = 0;
let applyCalls = 0;
const outputs: Record<string, number> = {};
const tally = emptyTally();
let probePrefix: string | undefined;
let latencies: number[] = [];
let parts = { fetch: [] as number[], queued: [] as number[], processing: [] as number[] };
/** Per input partition while probing: the last offset of each fetched batch and when it came. */
const fetches = new Map<string, { last: number; at: number }[]>();

/** When the batch holding this offset was fetched (the first logged batch ending at or after it). */
function fetchedAt(topic: string, partition: number, offset: number): number | undefined {
  const log = fetches.get(`${topic}:${partition}`);
  if (!log) return undefined;
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log[mid]!.last < offset) lo = mid + 1;
    else hi = mid;
  }
  return log[lo]?.at;
}
let probeChunks: { records: number; ms: number }[] = [];

const observer: IngestorObserver = {
  assigned() {
    assignedAt ??= Date.now();
    assignments++;
  },
  chunkFailed(e) {
    failedChunks++;
    const m = e.error.message.slice(0, 200);
    if (m in failures || Object.keys(failures).length < 10) failures[m] = (failures[m] ?? 0) + 1;
  },
  fetched(e) {
    const now = Date.now();
    firstFetchAt ??= now;
    if (probePrefix === undefined) return;
    const key = `${e.topic}:${e.partition}`;
    let log = fetches.get(key);
    if (!log) fetches.set(key, (log = []));
    log.push({ last: Number(e.lastOffset), at: now });
  },
  chunkCommitted(e) {
    chunks++;
    records += e.records.length;
    const customers = new Set<string>();
    for (const r of e.records) if (r.decoded.ok) customers.add(r.decoded.record.event.customerId);
    applyCalls += customers.size;
    lastCommitAt = e.committedAt;
    addTally(tally, e.result.tally);
    for (const o of e.outputs) outputs[o.topic] = (outputs[o.topic] ?? 0) + 1;
    if (probePrefix === undefined) return;
    probeChunks.push({ records: e.records.length, ms: e.committedAt - e.startedAt });
    for (const r of e.records) {
      if (!r.decoded.ok || r.decoded.record.kind === 'profile' || !r.decoded.record.event.eventId.startsWith(probePrefix)) continue;
      const ts = Number(r.message.timestamp);
      latencies.push(e.committedAt - ts);
      const at = fetchedAt(r.topic, r.partition, Number(r.message.offset));
      if (at === undefined) continue;
      parts.fetch.push(at - ts);
      parts.queued.push(e.startedAt - at);
      parts.processing.push(e.committedAt - e.startedAt);
    }
  },
};

function report(): ServiceReport {
  const u = process.resourceUsage();
  const m = process.memoryUsage();
  return {
    pid: process.pid,
    assignedAt,
    firstFetchAt,
    lastCommitAt,
    chunks,
    failedChunks,
    failures: { ...failures },
    assignments,
    records,
    applyCalls,
    outputs: { ...outputs },
    tally: { ...tally, byReason: { ...tally.byReason } },
    userCpuMicros: u.userCPUTime,
    systemCpuMicros: u.systemCPUTime,
    maxRssKiB: u.maxRSS,
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    latencies,
    parts,
    probeChunks,
  };
}

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel, process.stderr);
const app = createApp(config, logger, { observer });
let stopping = false;

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await app.stop();
  await send({ type: 'stopped', report: report() });
  process.disconnect();
  // A normal exit (which also writes --cpu-prof's file), even if a handle lingers.
  setTimeout(() => process.exit(0), 3_000).unref();
}

process.on('message', (m: ToService) => {
  switch (m.type) {
    case 'probe':
      probePrefix = m.eventIdPrefix;
      latencies = [];
      parts = { fetch: [], queued: [], processing: [] };
      fetches.clear();
      probeChunks = [];
      break;
    case 'report':
      void send({ type: 'report', report: report() });
      break;
    case 'stop':
      void stop();
      break;
  }
});
// The benchmark went away: stop cleanly rather than consume on for no one.
process.on('disconnect', () => void stop().catch(() => process.exit(1)));

try {
  await app.start();
  await send({ type: 'started', at: Date.now() });
} catch (err) {
  await send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exitCode = 1;
  process.disconnect();
  setTimeout(() => process.exit(1), 3_000).unref();
}
