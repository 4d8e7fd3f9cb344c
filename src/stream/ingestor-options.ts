import type { BatchResult, OutputMessage } from '../pipeline/process-batch.ts';
import type { Fence } from '../state/store.ts';
import type { DecideHooks, ShardState, TimerStep } from '../state/shard-state.ts';
import { DEFAULTS, STREAM_DEFAULTS } from '../options.ts';
import type { StartAt } from './committed-offsets.ts';
import type { IngestorObserver } from './ingestor-observer.ts';

export interface IngestorOptions {
  readonly groupId: string;
  /** Partitions processed at once. */
  readonly concurrency: number;
  /**
   * How long a shard waits for a topic whose records it cannot see yet before
   * going on without it. Default: no limit — a shard knows from the partition
   * ends whether a topic has records still to fetch, and waiting for them keeps
   * the order the same on every run (a replay, a rebuild, a take-over).
   */
  readonly maxIdleMs?: number;
  /** Records processed (and committed) together at most. */
  readonly maxChunk?: number;
  /** MAX_QUEUED_RECORDS: records a shard holds per topic before its partition pauses (resumes at half). */
  readonly maxQueued?: number;
  /** FETCH_MAX_BYTES_PER_PARTITION: what one fetch brings per partition at most. */
  readonly fetchMaxBytesPerPartition?: number;
  /** Turns a processed batch into the messages to publish (rules and policy plug in here). */
  readonly afterBatch?: (result: BatchResult, state: ShardState, fence: Fence) => Promise<OutputMessage[]> | OutputMessage[];
  /**
   * After a shard's features were rebuilt from the input topics: restore what
   * else the lost state held (contact history, from the care-task topics) for
   * the customers seen.
   */
  readonly restoreContacts?: (partition: number, customers: ReadonlySet<string>, state: ShardState, fence: Fence) => Promise<void>;
  /** Where to start instead of the committed offsets (tests start a new group at the end of the topics). */
  readonly startAt?: StartAt;
  /** Told about fetches, commits, failures and rebuilds (metrics). */
  readonly observer?: IngestorObserver;
  /** Called once when processing cannot go on (the process should exit non-zero and be restarted). */
  readonly onFatal?: (err: Error) => void;
  /** Consecutive failed chunks (other than fencing and lost state) before giving up. */
  readonly maxFailures?: number;
  readonly sessionTimeoutMs?: number;
  /** How often idle shards check that Redis still holds their state. */
  readonly stateCheckIntervalMs?: number;
  /** Time as a trigger: shards fire their customers' timers when given. */
  readonly timers?: TimerHooks;
}

export interface TimerHooks {
  /** STREAM_TIME_FOLLOWS_CLOCK: a caught-up shard's stream time follows the wall clock less the allowed lateness. */
  readonly followClock: boolean;
  readonly allowedLatenessMs: number;
  /** How often an idle shard looks whether the clock made a timer due. */
  readonly tickMs: number;
  /** The rules and policy, run item by item per customer while a chunk applies and while timers fire. */
  readonly hooks: DecideHooks;
  /** A timer step's decisions (step.decided) as messages. */
  readonly afterTimers: (step: TimerStep, state: ShardState, fence: Fence) => Promise<OutputMessage[]>;
}

/** The options with every default filled in (src/options.ts's STREAM_DEFAULTS). */
export type ResolvedIngestorOptions = IngestorOptions &
  Required<Pick<IngestorOptions, 'maxIdleMs' | 'maxChunk' | 'maxQueued' | 'fetchMaxBytesPerPartition' | 'maxFailures' | 'sessionTimeoutMs' | 'stateCheckIntervalMs'>>;

export function resolveIngestorOptions(o: IngestorOptions): ResolvedIngestorOptions {
  const d = STREAM_DEFAULTS;
  return Object.freeze({
    ...o,
    maxIdleMs: o.maxIdleMs ?? Number.POSITIVE_INFINITY,
    maxChunk: o.maxChunk ?? d.maxChunk,
    maxQueued: o.maxQueued ?? d.maxQueued,
    fetchMaxBytesPerPartition: o.fetchMaxBytesPerPartition ?? d.fetchMaxBytesPerPartition,
    maxFailures: o.maxFailures ?? d.maxFailures,
    sessionTimeoutMs: o.sessionTimeoutMs ?? DEFAULTS.KAFKA_SESSION_TIMEOUT_MS,
    stateCheckIntervalMs: o.stateCheckIntervalMs ?? d.stateCheckIntervalMs,
  });
}
