import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { INPUT_TOPICS, isInputTopic } from '../events/topics.ts';
import { settledOffsets } from './settled-offsets.ts';
import { decodeInput, eventTimeOf, processBatch, releaseViews, type BatchDeps, type BatchResult, type InputRecord, type OutputMessage, type OutputMeta } from '../pipeline/process-batch.ts';
import { addTally, emptyTally, type Tally } from '../pipeline/tally.ts';
import { TaskQueue, type QueuedRecord } from '../pipeline/task-queue.ts';
import { coPartitionAssigner } from './copartition-assigner.ts';
import { topicMessages } from './produce.ts';
import type { IngestorObserver } from './ingestor-observer.ts';
import { originMetadata, parseOrigin, parseStreamTime, parseTimerStep, type TimerStepId } from './origin.ts';
import { advanceStreamTime } from '../features/stream-time.ts';
import { FencedError, StateLostError, type Fence } from '../state/store.ts';
import type { CommittedTimers, DecideHooks, TaskState, TimerStep } from '../state/task-state.ts';
import { CarestreamError } from '../errors.ts';
import { TOPIC_INDEX } from '../state/encode.ts';
import { RECORD_OVERHEAD_BYTES } from '../pipeline/dead-letter-fit.ts';
import { backoffDelayMs } from './backoff.ts';

export interface IngestorOptions {
  readonly groupId: string;
  readonly concurrency: number;
  /**
   * How long a task waits for a topic whose records it cannot see yet before
   * going on without it. Default: no limit — a task knows from the partition
   * ends whether a topic has records still to fetch, and waiting for them keeps
   * the order the same on every run (a replay, a rebuild, a take-over).
   */
  readonly maxIdleMs?: number;
  /** Records processed (and committed) together at most. */
  readonly maxChunk?: number;
  /** MAX_QUEUED_RECORDS: records a task holds per topic before its partition pauses (resumes at half). */
  readonly maxQueued?: number;
  /** FETCH_MAX_BYTES_PER_PARTITION: what one fetch brings per partition at most. */
  readonly fetchMaxBytesPerPartition?: number;
  /** Turns a processed batch into the messages to publish (rules and policy plug in here). */
  readonly afterBatch?: (result: BatchResult, state: TaskState, fence: Fence) => Promise<OutputMessage[]> | OutputMessage[];
  /**
   * After a task's features were rebuilt from the input topics: restore what
   * else the lost state held (contact history, from the task topics) for the
   * customers seen.
   */
  readonly restoreContacts?: (partition: number, customers: ReadonlySet<string>, state: TaskState, fence: Fence) => Promise<void>;
  /** Where to start instead of the committed offsets (tests start a new group at the end of the topics). */
  readonly startAt?: Readonly<Record<string, readonly { partition: number; offset: string }[]>>;
  /** Told about fetches, commits, failures and rebuilds (metrics). */
  readonly observer?: IngestorObserver;
  /** Called once when processing cannot go on (the process should exit non-zero and be restarted). */
  readonly onFatal?: (err: Error) => void;
  /** Consecutive failed chunks (other than fencing and lost state) before giving up; default 10. */
  readonly maxFailures?: number;
  readonly sessionTimeoutMs?: number;
  /** How often idle tasks check that Redis still holds their state; default 5 s. */
  readonly stateCheckIntervalMs?: number;
  /** Time as a trigger (issue 13): tasks fire their customers' timers when given. */
  readonly timers?: TimerHooks;
}

export interface TimerHooks {
  /** STREAM_TIME_FOLLOWS_CLOCK: a caught-up task's stream time follows the wall clock less the allowed lateness. */
  readonly followClock: boolean;
  readonly allowedLatenessMs: number;
  /** How often an idle task looks whether the clock made a timer due. */
  readonly tickMs: number;
  /** The rules and policy, run item by item per customer while a chunk applies and while timers fire. */
  readonly hooks: DecideHooks;
  /** A timer step's decisions (step.decided) as messages. */
  readonly afterTimers: (step: TimerStep, state: TaskState, fence: Fence) => Promise<OutputMessage[]>;
}

/**
 * A task goes through three modes: `acquiring` (its partitions paused while it
 * takes ownership: a fresh transactional producer that fences earlier owners,
 * a new Redis epoch, the committed offsets read afresh), `rebuilding` (when
 * Redis lost its state: the input topics are replayed from their start up to
 * the committed offsets into the features, nothing is published) and `live`.
 */
type Mode = 'acquiring' | 'rebuilding' | 'live';

interface Task {
  readonly queue: TaskQueue<InputRecord>;
  /** The chain of drains: one chunk of a task at a time, in order. */
  running: Promise<void>;
  timer: NodeJS.Timeout | undefined;
  /** Bumped when the task is dropped at a rebalance, so stale work stops. */
  generation: number;
  mode: Mode;
  fence: Fence | undefined;
  /** The task's customers for this ownership (opened when acquired; a take-over or failure starts a new one). */
  state: TaskState | undefined;
  /** Records below these offsets are not taken (committed, or stale fetches). */
  readonly floor: Map<string, bigint>;
  /** While rebuilding: where the replay stops (the committed offsets). */
  readonly ceiling: Map<string, bigint>;
  /** Where the group's state begins, when not at the start of the topics (carried in every commit). */
  readonly origin: Map<string, bigint>;
  rebuild: { total: number; done: number; customers: Set<string>; streamTime: number | null } | undefined;
  /** Stream time (issue 13): the largest event time applied, or the clock less the lateness once caught up; null before any. */
  streamTime: number | null;
  /**
   * What the last commit before this ownership carried: its stream time (a
   * rebuild fires timers up to it) and its timer step (which kept outputs
   * were published).
   */
  acquiredTimers: CommittedTimers;
  /** This ownership's last timer step (one per chunk prepared and per idle step). */
  step: number;
  /**
   * With timers: the next offset per input topic once the chunks prepared so
   * far commit. Every commit carries all of them, so every input topic's
   * metadata holds the last commit's timer step.
   */
  readonly position: Map<string, bigint>;
}

interface PreparedChunk {
  readonly chunk: QueuedRecord<InputRecord>[];
  readonly result: BatchResult;
  readonly outputs: OutputMessage[];
  /** Next offset to read per input topic once this chunk commits. */
  readonly next: Map<string, bigint>;
  readonly startedAt: number;
  /** The task's stream time once this chunk commits (carried in the commit's offset metadata). */
  readonly streamTime: number | null;
  /** With timers: the chunk's timer step (carried in the commit's offset metadata). */
  readonly step?: number;
}

/** An output as kept with a customer until its timer step commits (JSON: Buffers in base64). */
interface KeptOutput {
  readonly topic: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly meta?: OutputMeta;
}

const keptText = (outputs: readonly OutputMessage[]): string =>
  JSON.stringify(outputs.map((m): KeptOutput => ({ topic: m.topic, key: m.key === null ? null : m.key.toString(), value: m.value.toString('base64'), ...(m.headers && { headers: m.headers }), ...(m.meta && { meta: m.meta }) })));

const fromKept = (text: string): OutputMessage[] =>
  (JSON.parse(text) as KeptOutput[]).map((k) => ({ topic: k.topic, key: k.key, value: Buffer.from(k.value, 'base64'), ...(k.headers && { headers: k.headers }), ...(k.meta && { meta: k.meta }) }));

/** The largest event time among applied transactions and channel events (profiles carry an update time, not a stream event). */
function maxAppliedTime(result: BatchResult): number | null {
  let max: number | null = null;
  for (const a of result.applied) if (a.record.kind !== 'profile' && (max === null || a.record.event.occurredAt > max)) max = a.record.event.occurredAt;
  return max;
}

/**
 * Queue bound and fetch size when the caller gives none: src/config.ts's
 * defaults of MAX_QUEUED_RECORDS and FETCH_MAX_BYTES_PER_PARTITION (measured
 * in docs/operations/performance.md, 2026-12-03).
 */
const DEFAULT_MAX_QUEUED = 2_000;
const DEFAULT_FETCH_MAX_BYTES_PER_PARTITION = 256 * 1024;
/** How a take-over reads the committed offsets: until two reads this far apart agree. */
const OFFSETS_SETTLE = { waitMs: 250, maxReads: 8 } as const;

const isRetryableOwnership = (err: unknown): boolean => err instanceof FencedError || err instanceof StateLostError;

/**
 * One step of a transaction, again while the coordinator answers
 * CONCURRENT_TRANSACTIONS: it is still completing the previous commit (writing
 * its markers), which takes a few milliseconds. The request changed nothing,
 * so the step is simply repeated, as the Java client does, rather than
 * aborting or failing the chunk.
 */
async function retryConcurrent<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!isConcurrentTransactions(err) || attempt >= 50) throw err;
      // Not faster: a tight loop loads the coordinator it is waiting for.
      await new Promise((r) => setTimeout(r, Math.min(50, 5 * attempt)));
    }
  }
}

/** kafkajs wraps broker errors; CONCURRENT_TRANSACTIONS may sit at any depth of the cause chain. */
function isConcurrentTransactions(err: unknown): boolean {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.type === 'CONCURRENT_TRANSACTIONS') return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}

/**
 * Consume → process → publish, exactly once, per task: a task is partition
 * number p of every input topic (the co-partition assigner keeps them on one
 * member). Records of a task are taken in time order across its topics, so a
 * customer's profile, transactions and channel events are seen in the order
 * they happened; each chunk's outputs and input offsets commit in one Kafka
 * transaction whose transactional id belongs to the task, so an instance that
 * takes a task over fences the one that lost it — in Kafka through the
 * producer epoch, in Redis through the task epoch every write carries.
 */
export class Ingestor {
  private readonly kafka: Kafka;
  private readonly deps: BatchDeps;
  private readonly o: IngestorOptions;
  /** Records queued per task and topic before its partition pauses. */
  private readonly maxQueued: number;
  private readonly log: Logger;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly producers = new Map<number, Promise<Producer>>();
  private readonly tasks = new Map<number, Task>();
  /** Work of tasks dropped at a rebalance, still finishing: a new owner of the partition waits for it. */
  private readonly retiring = new Map<number, Promise<void>>();
  private readonly paused = new Set<string>();
  private generation = 0;
  private stopping = false;
  private fatal = false;
  /** Failures in a row per task, for the retry backoff and giving up (reset when the task commits or goes live). */
  private readonly failures = new Map<number, number>();
  /** Looks for lost Redis state of idle tasks (a chunk would notice it only when records arrive). */
  private stateWatch: NodeJS.Timeout | undefined;
  readonly tally: Tally = emptyTally();
  private assigned = 0;
  private readonly rebuildingTasks = new Set<number>();
  /** Consumer restarts after final errors since the last successful join. */
  private consumerRestarts = 0;
  /** Task (partition) numbers assigned to this instance. */
  private assignedTasks = new Set<number>();

  constructor(kafka: Kafka, deps: BatchDeps, options: IngestorOptions, logger: Logger) {
    this.kafka = kafka;
    this.deps = deps;
    this.o = options;
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    this.log = logger.child({ component: 'ingestor' });
    this.admin = kafka.admin();
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      partitionAssigners: [coPartitionAssigner],
      readUncommitted: false,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.max(500, Math.floor((options.sessionTimeoutMs ?? 30_000) / 10)),
      maxBytesPerPartition: options.fetchMaxBytesPerPartition ?? DEFAULT_FETCH_MAX_BYTES_PER_PARTITION,
      // Room for every assigned partition in one fetch: a response capped lower
      // fills the first partitions and starves the rest, which would then hold
      // back their tasks' time alignment.
      maxBytes: 64 * 1024 * 1024,
      // A fetch returns as soon as there is data; this bounds how long an idle
      // fetch holds up a shutdown.
      maxWaitTimeInMs: 200,
      // Ride out a broker restart (about a minute of retries) before the
      // consumer gives up and the process exits for its supervisor.
      retry: { retries: 10, initialRetryTime: 500, maxRetryTime: 15_000 },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      // After a rebalance every task is acquired again (its partitions may
      // have moved); queued, uncommitted records are dropped and read again.
      this.generation++;
      this.consumerRestarts = 0;
      for (const [p, t] of this.tasks) {
        if (t.timer) clearTimeout(t.timer);
        this.retiring.set(p, t.running.catch(() => {}));
      }
      this.tasks.clear();
      this.paused.clear();
      this.rebuildingTasks.clear();
      this.assigned = Object.values(e.payload.memberAssignment).reduce((n, ps) => n + ps.length, 0);
      this.assignedTasks = new Set(Object.values(e.payload.memberAssignment).flat());
      // kafkajs keeps partitions paused across a rebalance; a paused partition
      // would never deliver the batch that starts its task again.
      for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) this.consumer.resume([{ topic, partitions }]);
      // Every assigned task is taken over now, not at its next record: a task
      // whose state Redis lost is rebuilt even if no new record arrives.
      if (!this.stopping) for (const p of this.assignedTasks) this.taskFor(p);
      this.o.observer?.assigned?.({ partitions: this.assigned });
      this.log.info({ assignment: e.payload.memberAssignment }, 'partitions assigned');
    });
    // Batches of only transaction markers or aborted records never reach
    // eachBatch; their positions still tell whether a topic is caught up.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, (e) => {
      const { topic, partition, batchSize, lastOffset, offsetLag } = e.payload;
      if (batchSize === 0 && isInputTopic(topic)) this.notePosition(topic, partition, BigInt(lastOffset) + 1n, BigInt(offsetLag) <= 0n);
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      const { error, restart } = e.payload;
      if (restart) {
        this.log.warn({ err: error }, 'the Kafka consumer failed and restarts');
        return;
      }
      // kafkajs deems some errors final that a broker restart causes ("Failed
      // to find group coordinator"): run the consumer again a few times
      // (counted from the last successful join) before the process exits for
      // its supervisor.
      this.consumerRestarts++;
      if (this.consumerRestarts > 5 || this.stopping) {
        this.giveUp(new CarestreamError('CS_ERR_CONSUMER_CRASHED', `the Kafka consumer stopped: ${error.message}`, { cause: error }));
        return;
      }
      const delay = 2_000 * this.consumerRestarts;
      this.log.warn({ err: error, attempt: this.consumerRestarts, retryInMs: delay }, 'the Kafka consumer stopped; running it again');
      setTimeout(() => {
        if (!this.stopping) this.runConsumer().catch((err: Error) => this.giveUp(err));
      }, delay);
    });
  }

  /** Partitions currently assigned to this instance. */
  get assignedPartitions(): number {
    return this.assigned;
  }

  /**
   * True while a task is being taken over or its lost Redis state rebuilt
   * from the input topics: until it is live, this instance is not ready.
   */
  get rebuilding(): boolean {
    return this.rebuildingTasks.size > 0;
  }

  /** True from a failed chunk until a chunk commits again (Kafka or Redis unreachable). */
  get degraded(): boolean {
    return this.failures.size > 0;
  }

  private async runConsumer(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...INPUT_TOPICS], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.o.concurrency,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await this.runConsumer();
    for (const [topic, partitions] of Object.entries(this.o.startAt ?? {})) {
      for (const p of partitions) this.consumer.seek({ topic, partition: p.partition, offset: p.offset });
    }
    this.stateWatch = setInterval(() => void this.watchState(), this.o.stateCheckIntervalMs ?? 5_000);
    this.stateWatch.unref();
    const timers = this.o.timers;
    if (timers?.followClock) {
      // An idle task's stream time moves with the clock: a drain with nothing queued runs its timer step.
      this.timerTick = setInterval(() => {
        for (const task of this.tasks.values()) if (task.mode === 'live' && task.generation === this.generation && task.queue.size === 0) void this.schedule(task);
      }, timers.tickMs);
      this.timerTick.unref();
    }
  }

  private timerTick: NodeJS.Timeout | undefined;

  /** A live task whose ownership hash vanished from Redis is taken over again, which rebuilds its state. */
  private async watchState(): Promise<void> {
    for (const task of [...this.tasks.values()]) {
      if (task.mode !== 'live' || task.generation !== this.generation) continue;
      const p = task.queue.partition;
      const present = await this.deps.store.hasTaskState(p).catch(() => true); // Redis unreachable: chunks will tell
      if (present || this.tasks.get(p) !== task) continue;
      task.running = task.running.then(() => {
        throw new StateLostError(`task ${p} state missing in Redis`);
      }).catch((err: Error) => this.recover(task, err));
    }
  }

  /** Finishes the chunks in flight, commits them and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.stateWatch) clearInterval(this.stateWatch);
    if (this.timerTick) clearInterval(this.timerTick);
    for (const t of this.tasks.values()) if (t.timer) clearTimeout(t.timer);
    await Promise.allSettled([...this.tasks.values()].map((t) => t.running));
    await this.consumer.disconnect().catch(() => {});
    await this.admin.disconnect().catch(() => {});
    const producers = await Promise.allSettled(this.producers.values());
    await Promise.all(producers.map((p) => (p.status === 'fulfilled' ? p.value.disconnect().catch(() => {}) : undefined)));
    this.producers.clear();
  }

  private giveUp(err: Error): void {
    if (this.fatal || this.stopping) return;
    this.fatal = true;
    this.log.fatal({ err }, 'processing cannot go on; stopping');
    this.o.onFatal?.(err);
  }

  private taskFor(partition: number): Task {
    let t = this.tasks.get(partition);
    if (!t) {
      t = {
        queue: new TaskQueue<InputRecord>(INPUT_TOPICS, partition),
        running: Promise.resolve(),
        timer: undefined,
        generation: this.generation,
        mode: 'acquiring',
        fence: undefined,
        state: undefined,
        floor: new Map(),
        ceiling: new Map(),
        origin: new Map(),
        rebuild: undefined,
        streamTime: null,
        acquiredTimers: { streamTime: null, step: null },
        step: 0,
        position: new Map(),
      };
      this.tasks.set(partition, t);
      this.rebuildingTasks.add(partition);
      const task = t;
      this.pauseTask(partition);
      task.running = this.acquire(task).catch((err: Error) => this.recover(task, err));
    }
    return t;
  }

  private pauseTask(partition: number, topics: readonly string[] = INPUT_TOPICS): void {
    for (const topic of topics) {
      this.consumer.pause([{ topic, partitions: [partition] }]);
      this.paused.add(`${topic}:${partition}`);
    }
  }

  private resumeTopic(topic: string, partition: number): void {
    this.paused.delete(`${topic}:${partition}`);
    this.consumer.resume([{ topic, partitions: [partition] }]);
  }

  /** A fresh transactional producer for the task: initialising it fences every earlier owner and settles their open transaction. */
  private async freshProducer(partition: number): Promise<Producer> {
    const old = this.producers.get(partition);
    this.producers.delete(partition);
    if (old) await old.then((p) => p.disconnect()).catch(() => {});
    const p = (async () => {
      const producer = this.kafka.producer({ transactionalId: `${this.o.groupId}.task.${partition}`, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      return producer;
    })();
    this.producers.set(partition, p);
    p.catch(() => this.producers.delete(partition));
    return p;
  }

  private async producerFor(partition: number): Promise<Producer> {
    return this.producers.get(partition) ?? this.freshProducer(partition);
  }

  /**
   * Takes the task over. The order matters: the earlier owner's transaction
   * must be settled (fresh producer) before the committed offsets are read,
   * because Kafka answers an offset fetch with the offsets before a pending
   * transactional commit (kafkajs has no KIP-447 require_stable) — reading
   * them first could replay a committed chunk and publish its tasks twice.
   */
  private async acquire(task: Task): Promise<void> {
    const p = task.queue.partition;
    await this.retiring.get(p);
    this.retiring.delete(p);
    if (task.generation !== this.generation || this.stopping) return;
    await this.freshProducer(p);
    const { epoch, built } = await this.deps.store.acquireTask(p);
    const { committed, origin, streamTime, step } = await this.committedOffsets(p);
    const ends = await this.partitionEnds(p);
    if (task.generation !== this.generation || this.stopping) return;
    task.fence = { partition: p, epoch };
    task.streamTime = streamTime;
    task.acquiredTimers = { streamTime, step };
    task.step = 0;
    task.state = this.deps.store.openTask(p);
    for (const [topic, o] of origin) task.origin.set(topic, o);
    if (built) {
      this.goLive(task, committed, ends);
      this.log.debug({ partition: p, epoch, committed: Object.fromEntries(committed) }, 'task acquired');
    } else {
      this.startRebuild(task, committed, ends);
    }
    await this.drain(task);
  }

  /**
   * The group's committed offsets of the task's partitions (-1 when none), and
   * where the group's state begins (origin.ts) when it did not start at the
   * beginning of the topics.
   */
  private async committedOffsets(partition: number): Promise<{ committed: Map<string, bigint>; origin: Map<string, bigint>; streamTime: number | null; step: TimerStepId | null }> {
    const committed = new Map<string, bigint>();
    const origin = new Map<string, bigint>();
    let streamTime: number | null = null;
    let step: TimerStepId | null = null;
    let stepAt = Number.NEGATIVE_INFINITY;
    // Read until they stop moving: a transaction the fresh producer just settled may not be materialised yet (settled-offsets.ts).
    const { offsets: fetched } = await settledOffsets(() => this.admin.fetchOffsets({ groupId: this.o.groupId, topics: [...INPUT_TOPICS] }), partition, OFFSETS_SETTLE);
    const starts = new Map((this.o.startAt ? Object.entries(this.o.startAt) : []).map(([t, ps]) => [t, ps.find((x) => x.partition === partition)?.offset]));
    for (const { topic, partitions } of fetched) {
      const p = partitions.find((x) => x.partition === partition);
      const o = BigInt(p?.offset ?? '-1');
      const start = starts.get(topic);
      committed.set(topic, o >= 0n ? o : start !== undefined ? BigInt(start) : -1n);
      const from = parseOrigin(p?.metadata) ?? (o < 0n && start !== undefined ? BigInt(start) : undefined);
      if (from !== undefined) origin.set(topic, from);
      const st = parseStreamTime(p?.metadata);
      if (st !== null && (streamTime === null || st > streamTime)) streamTime = st;
      // Every commit with timers carries every input topic, so they agree; the latest stream time wins otherwise.
      const ts = parseTimerStep(p?.metadata);
      if (ts !== null && (st ?? Number.NEGATIVE_INFINITY) >= stepAt) {
        step = ts;
        stepAt = st ?? Number.NEGATIVE_INFINITY;
      }
    }
    return { committed, origin, streamTime, step };
  }

  private async partitionEnds(partition: number): Promise<Map<string, { low: bigint; high: bigint }>> {
    const out = new Map<string, { low: bigint; high: bigint }>();
    for (const topic of INPUT_TOPICS) {
      const offsets = await this.admin.fetchTopicOffsets(topic);
      const o = offsets.find((x) => x.partition === partition);
      out.set(topic, { low: BigInt(o?.low ?? '0'), high: BigInt(o?.high ?? '0') });
    }
    return out;
  }

  private goLive(task: Task, committed: ReadonlyMap<string, bigint>, ends: ReadonlyMap<string, { low: bigint; high: bigint }>): void {
    const p = task.queue.partition;
    task.mode = 'live';
    this.rebuildingTasks.delete(p);
    this.failures.delete(p);
    for (const topic of INPUT_TOPICS) {
      const { low, high } = ends.get(topic)!;
      const c = committed.get(topic)!;
      const from = c < low ? low : c;
      task.floor.set(topic, from);
      task.position.set(topic, from);
      task.queue.setCaughtUp(topic, from >= high);
      this.consumer.seek({ topic, partition: p, offset: from.toString() });
      this.resumeTopic(topic, p);
    }
  }

  /** Redis lost the task's state: replay each input partition from its start up to the committed offset, publishing nothing. */
  private startRebuild(task: Task, committed: ReadonlyMap<string, bigint>, ends: ReadonlyMap<string, { low: bigint; high: bigint }>): void {
    const p = task.queue.partition;
    task.mode = 'rebuilding';
    this.rebuildingTasks.add(p);
    let total = 0;
    for (const topic of INPUT_TOPICS) {
      const { low: start } = ends.get(topic)!;
      const origin = task.origin.get(topic);
      const low = origin !== undefined && origin > start ? origin : start;
      const c = committed.get(topic)!;
      const until = c < low ? low : c;
      task.floor.set(topic, low);
      task.ceiling.set(topic, until);
      total += Number(until - low);
      task.queue.setCaughtUp(topic, low >= until);
      if (low < until) {
        this.consumer.seek({ topic, partition: p, offset: low.toString() });
        this.resumeTopic(topic, p);
      }
    }
    task.rebuild = { total, done: 0, customers: new Set(), streamTime: null };
    // A new group (or one seeded where its records begin) has nothing to rebuild: not worth a warning.
    if (total === 0) this.log.info({ partition: p }, 'no task state in Redis yet and nothing to rebuild (a first run); starting fresh');
    else this.log.warn({ partition: p, records: total }, 'the task state is missing in Redis; rebuilding it from the input topics');
    this.o.observer?.rebuildProgress?.({ partition: p, done: 0, total, finished: false });
  }

  private async finishRebuild(task: Task): Promise<void> {
    const p = task.queue.partition;
    const fence = { ...task.fence!, rebuilding: true };
    const customers = task.rebuild!.customers;
    // Timers the clock made due after the last replayed record, up to the committed stream time (published then).
    const sc = task.acquiredTimers.streamTime;
    if (this.o.timers && sc !== null) {
      await task.state!.fireDue(sc, null, fence, this.o.timers.hooks);
    }
    await this.o.restoreContacts?.(p, customers, task.state!, fence);
    await task.state!.flush(fence);
    await this.deps.store.markTaskBuilt(fence);
    if (task.generation !== this.generation) return;
    const rebuilt = task.rebuild!;
    this.log.info({ partition: p, records: rebuilt.done, customers: customers.size }, 'task state rebuilt; processing resumes');
    this.o.observer?.rebuildProgress?.({ partition: p, done: rebuilt.done, total: rebuilt.total, finished: true });
    task.rebuild = undefined;
    const ends = await this.partitionEnds(p);
    if (task.generation !== this.generation) return;
    this.goLive(task, task.ceiling, ends);
  }

  /** A position learnt without records (markers, aborted data). */
  private notePosition(topic: string, partition: number, next: bigint, caughtUp: boolean): void {
    const task = this.tasks.get(partition);
    if (!task || task.mode === 'acquiring') return;
    if (task.mode === 'rebuilding') {
      if (next >= task.ceiling.get(topic)!) this.rebuildTopicDone(task, topic);
    } else if (task.queue.sizeOf(topic) === 0) {
      task.queue.setCaughtUp(topic, caughtUp);
    }
    void this.schedule(task);
  }

  private rebuildTopicDone(task: Task, topic: string): void {
    task.queue.setCaughtUp(topic, true);
    const key = `${topic}:${task.queue.partition}`;
    if (!this.paused.has(key)) this.pauseTask(task.queue.partition, [topic]);
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition, messages } = batch;
    if (messages.length === 0 || !isInputTopic(topic) || this.stopping || isStale()) return;
    const task = this.taskFor(partition);
    if (task.mode === 'acquiring') return; // paused; fetched again from the right place once acquired
    const next = BigInt(batch.lastOffset()) + 1n;
    const floor = task.floor.get(topic)!;
    const ceiling = task.mode === 'rebuilding' ? task.ceiling.get(topic)! : undefined;
    const kept = messages.filter((m) => {
      const o = BigInt(m.offset);
      return o >= floor && (ceiling === undefined || o < ceiling);
    });
    if (kept.length > 0) task.floor.set(topic, BigInt(kept[kept.length - 1]!.offset) + 1n);
    this.o.observer?.fetched?.({ topic, partition, highWatermark: BigInt(batch.highWatermark), lastOffset: BigInt(batch.lastOffset()) });
    // Decoded here, in the fetch, so records can be ordered by their event time.
    const decoded = await Promise.all(kept.map((m) => decodeInput(this.deps, topic, partition, m)));
    if (task.generation !== this.generation || this.tasks.get(partition) !== task) return;
    const records = kept.map((m, i) => ({ timestamp: eventTimeOf(decoded[i]!, m), message: { topic, partition, message: m, decoded: decoded[i]! } }));
    if (ceiling !== undefined) {
      task.queue.push(topic, records, next >= ceiling);
      if (next >= ceiling) this.rebuildTopicDone(task, topic);
    } else {
      task.queue.push(topic, records, next >= BigInt(batch.highWatermark));
    }
    // The fetch position follows resolved offsets; commits happen in the task's
    // transactions. Resolved only now: a decode that threw (registry down) has
    // the batch fetched again.
    resolveOffset(batch.lastOffset());
    if (task.queue.sizeOf(topic) > this.maxQueued && !this.paused.has(`${topic}:${partition}`)) this.pauseTask(partition, [topic]);
    // Processing runs beside fetching: a task waiting for another topic's
    // records must not hold up the fetch that brings them. Paused partitions
    // bound the memory.
    void this.schedule(task);
    await heartbeat();
  }

  /** Queues a drain of the task behind the one running; resolves when it is done. */
  private schedule(task: Task): Promise<void> {
    task.running = task.running.then(() => this.drain(task)).catch((err: Error) => this.recover(task, err));
    return task.running;
  }

  /**
   * A chunk failed (Redis or Kafka unreachable, a fenced producer, lost
   * state): nothing of it was committed. The task is dropped and acquired
   * again after a backoff — re-reading the committed offsets, rebuilding
   * Redis if it lost the state — so nothing is lost and nothing is doubled.
   */
  private async recover(task: Task, err: Error): Promise<void> {
    const partition = task.queue.partition;
    if (task.generation !== this.generation || this.stopping || this.tasks.get(partition) !== task) return;
    const ownership = isRetryableOwnership(err);
    const attempt = ownership ? 1 : (this.failures.get(partition) ?? 0) + 1;
    if (!ownership) this.failures.set(partition, attempt);
    const delay = ownership ? 500 : backoffDelayMs(attempt);
    const level = err instanceof StateLostError ? 'warn' : 'error';
    this.log[level]({ err, partition, attempt, retryInMs: delay }, err instanceof StateLostError ? 'Redis lost the task state; the task will rebuild it' : 'processing a chunk failed; it will be read again');
    this.o.observer?.chunkFailed?.({ partition, error: err, attempt, retryInMs: delay });
    if (attempt >= (this.o.maxFailures ?? 10)) {
      this.giveUp(new CarestreamError('CS_ERR_PROCESSING_GAVE_UP', `task ${partition} failed ${attempt} times in a row; last error: ${err.message}`, { cause: err }));
      return;
    }
    task.generation = -1; // stale: queued records are dropped, running work stops
    if (task.timer) clearTimeout(task.timer);
    this.tasks.delete(partition);
    this.rebuildingTasks.delete(partition);
    this.pauseTask(partition);
    await new Promise((r) => setTimeout(r, delay));
    if (this.stopping || this.tasks.has(partition)) return;
    // Acquire again now rather than on the next fetch: the partitions are paused.
    if (this.assignedTo(partition)) this.taskFor(partition);
  }

  private assignedTo(partition: number): boolean {
    return this.assignedTasks.has(partition);
  }

  private async drain(task: Task): Promise<void> {
    if (task.mode === 'acquiring') return;
    const maxIdle = this.o.maxIdleMs ?? Number.POSITIVE_INFINITY;
    const maxChunk = this.o.maxChunk ?? 5_000;
    // One transaction in flight while the next chunk is prepared (pipelining
    // hides the Redis and rules time behind the commit round trips).
    let committing: Promise<void> | undefined;
    const settle = async () => {
      const c = committing;
      committing = undefined;
      if (c) await c;
    };
    try {
      for (;;) {
        if (task.generation !== this.generation || this.stopping) break;
        const chunk = task.queue.take(maxChunk, Date.now(), maxIdle);
        if (chunk.length === 0) break;
        if (task.mode === 'rebuilding') {
          await settle();
          await this.rebuildChunk(task, chunk);
          continue;
        }
        const prepared = await this.prepareChunk(task, chunk);
        await settle();
        committing = this.commitChunk(task, prepared);
        committing.catch(() => {}); // awaited by settle(); this only silences the interim
      }
      await settle();
    } catch (err) {
      // Never leave a transaction running behind a failure: the task is taken
      // over again next, with a fresh producer.
      await committing?.catch(() => {});
      throw err;
    }
    if (task.generation !== this.generation || this.stopping) return;
    if (task.mode === 'rebuilding' && task.queue.size === 0 && INPUT_TOPICS.every((t) => task.queue.isCaughtUp(t))) {
      await this.finishRebuild(task);
      return;
    }
    if (task.mode === 'live' && task.queue.size === 0 && INPUT_TOPICS.every((t) => task.queue.isCaughtUp(t))) await this.idleStep(task);
    this.resumeDrained(task);
    const retryAt = task.queue.retryAt(maxIdle);
    if (retryAt !== undefined && Number.isFinite(retryAt) && task.queue.size > 0 && !task.timer) {
      task.timer = setTimeout(() => {
        task.timer = undefined;
        void this.schedule(task);
      }, Math.max(0, retryAt - Date.now()) + 5);
    }
  }

  private resumeDrained(task: Task): void {
    for (const topic of INPUT_TOPICS) {
      const key = `${topic}:${task.queue.partition}`;
      if (this.paused.has(key) && task.queue.sizeOf(topic) < this.maxQueued / 2 && !(task.mode === 'rebuilding' && task.queue.isCaughtUp(topic))) {
        this.resumeTopic(topic, task.queue.partition);
      }
    }
  }

  /** A chunk of the rebuild: features only, nothing published, nothing committed. */
  private async rebuildChunk(task: Task, chunk: QueuedRecord<InputRecord>[]): Promise<void> {
    const fence = { ...task.fence!, rebuilding: true };
    const result = await processBatch(this.deps, chunk.map((r) => r.message), task.state!, fence, this.o.timers?.hooks);
    const timers = this.o.timers;
    if (timers) {
      // With timers, the state remembers what was decided (issued checks, the
      // cadence's contacts) and which timers fired: decided again here, up to
      // the stream time the commits carried, and nothing is published.
      if (this.o.afterBatch) await this.o.afterBatch(result, task.state!, fence);
      const applied = advanceStreamTime({ current: task.rebuild!.streamTime, maxApplied: maxAppliedTime(result), caughtUp: false, wallClock: 0, allowedLatenessMs: timers.allowedLatenessMs });
      const sc = task.acquiredTimers.streamTime;
      const upTo = applied !== null && sc !== null ? Math.min(applied, sc) : null;
      if (upTo !== null) {
        await task.state!.fireDue(upTo, null, fence, timers.hooks);
      }
      task.rebuild!.streamTime = applied;
    }
    await task.state!.flush(fence);
    const rebuild = task.rebuild!;
    for (const r of chunk) if (r.message.decoded.ok) rebuild.customers.add(r.message.decoded.record.event.customerId);
    rebuild.done += chunk.length;
    this.o.observer?.rebuildProgress?.({ partition: task.queue.partition, done: rebuild.done, total: rebuild.total, finished: false });
    this.log.debug({ partition: task.queue.partition, records: chunk.length, applied: result.tally.applied, done: rebuild.done, total: rebuild.total }, 'rebuild chunk applied');
  }

  /**
   * The Redis and rules half of a chunk: features applied, decisions taken and
   * recorded, outputs built. Runs while the previous chunk's transaction
   * commits; safe because every applied record's result is kept until its own
   * chunk commits, so a chunk replayed after a failed commit gets the same
   * results whatever was applied after it.
   */
  private async prepareChunk(task: Task, chunk: QueuedRecord<InputRecord>[]): Promise<PreparedChunk> {
    const startedAt = Date.now();
    const fence = task.fence!;
    const state = task.state!;
    // 1. The chunk's records applied to the task's customers (in memory for the ts engine).
    const result = await processBatch(this.deps, chunk.map((r) => r.message), state, fence, this.o.timers?.hooks);
    // 2. Rules and the contact policy; their contacts and decision-log entries go to the task state.
    const extra = this.o.afterBatch ? await this.o.afterBatch(result, state, fence) : [];
    releaseViews(result);
    // 3. Time as a trigger: the chunk's stream time fires every timer due by
    //    then, through the same rules and policy, against the same task state,
    //    before the write-back below, so the outputs commit with the chunk.
    let streamTime = task.streamTime;
    let step: number | undefined;
    const timerOutputs: OutputMessage[] = [];
    if (this.o.timers) {
      streamTime = advanceStreamTime({ current: task.streamTime, maxApplied: maxAppliedTime(result), caughtUp: false, wallClock: 0, allowedLatenessMs: this.o.timers.allowedLatenessMs });
      task.streamTime = streamTime;
      step = ++task.step;
      // With no stream time yet nothing is due, but the first step still takes over an earlier owner's kept outputs.
      timerOutputs.push(...(await this.timerStep(task, streamTime ?? Number.MIN_SAFE_INTEGER, step, result.decidedTimers ?? [])));
    }
    // 4. Every customer the chunk changed, written back before its transaction commits (step 5, commitChunk).
    await state.flush(fence);
    const next = new Map<string, bigint>();
    for (const r of chunk) {
      const o = BigInt(r.message.message.offset) + 1n;
      if ((next.get(r.topic) ?? -1n) < o) next.set(r.topic, o);
    }
    if (step !== undefined) {
      for (const [topic, o] of next) task.position.set(topic, o);
      for (const [topic, o] of task.position) if (o >= 0n) next.set(topic, o);
    }
    return { chunk, result, outputs: [...result.outputs, ...extra, ...timerOutputs], next, startedAt, streamTime, ...(step !== undefined && { step }) };
  }

  /**
   * Fires the task's timers due at `streamTime` and decides on them; their
   * outputs are kept with the customers (written at the flush) until the
   * step commits, so an owner that takes over after a failed commit
   * publishes them (the timers are consumed in the state it loads). Kept
   * outputs of an earlier owner come back here too, as they were.
   */
  private async timerStep(task: Task, streamTime: number, stepNo: number, early: readonly unknown[]): Promise<OutputMessage[]> {
    const state = task.state!;
    const fence = task.fence!;
    const fired = await state.fireDue(streamTime, { step: stepNo, committed: task.acquiredTimers }, fence, this.o.timers!.hooks);
    const kept = fired.kept.flatMap(fromKept);
    if (fired.fired.size === 0 && early.length === 0) return kept;
    // Timers that fired between a customer's records come first: they fired earlier in stream time.
    const step: TimerStep = early.length === 0 ? fired : { ...fired, decided: [...early, ...fired.decided] };
    const outputs = await this.o.timers!.afterTimers(step, state, fence);
    const byCustomer = new Map<string, OutputMessage[]>();
    for (const m of outputs) {
      const id = m.key === null ? undefined : m.key.toString();
      if (id === undefined) continue;
      let list = byCustomer.get(id);
      if (!list) byCustomer.set(id, (list = []));
      list.push(m);
    }
    await state.keepTimerOutputs(stepNo, new Map([...byCustomer].map(([id, ms]) => [id, keptText(ms)])), fence);
    return [...kept, ...outputs];
  }

  /**
   * A task that consumed everything available: its stream time follows the
   * clock less the allowed lateness (STREAM_TIME_FOLLOWS_CLOCK), and the
   * timers that makes due fire in a chunk without records — the same
   * rules, policy, write-back and transaction, committing the offsets the
   * task already stands at, with the new stream time in their metadata.
   */
  private async idleStep(task: Task): Promise<void> {
    const timers = this.o.timers;
    if (!timers?.followClock || task.streamTime === null || this.stopping) return;
    const streamTime = advanceStreamTime({ current: task.streamTime, maxApplied: null, caughtUp: true, wallClock: Date.now(), allowedLatenessMs: timers.allowedLatenessMs });
    if (streamTime === null || streamTime === task.streamTime) return;
    task.streamTime = streamTime;
    const startedAt = Date.now();
    const step = ++task.step;
    const outputs = await this.timerStep(task, streamTime, step, []);
    await task.state!.flush(task.fence!);
    if (outputs.length === 0) return;
    const next = new Map<string, bigint>();
    for (const [topic, at] of task.position) if (at >= 0n) next.set(topic, at);
    await this.commitChunk(task, { chunk: [], result: { outputs: [], tally: emptyTally(), applied: [], customers: new Map() }, outputs, next, startedAt, streamTime, step });
  }

  /** The Kafka half: outputs and input offsets in one transaction. */
  private async commitChunk(task: Task, prepared: PreparedChunk): Promise<void> {
    if (task.generation !== this.generation) return; // a rebalance took the task: the new owner replays it
    const { chunk, result, outputs, next, startedAt: started } = prepared;
    const partition = task.queue.partition;
    const producer = await this.producerFor(partition);
    const tx = await producer.transaction();
    try {
      for (const part of chunkBySize(outputs, requestBytes(this.deps.maxDeadLetterBytes))) await retryConcurrent(() => tx.sendBatch({ topicMessages: topicMessages(part) }));
      await retryConcurrent(() =>
        tx.sendOffsets({
          consumerGroupId: this.o.groupId,
          topics: [...next].map(([topic, offset]) => ({ topic, partitions: [{ partition, offset: offset.toString(), metadata: originMetadata(task.origin.get(topic), prepared.streamTime, prepared.step === undefined ? undefined : { owner: task.state!.owner, step: prepared.step }) ?? null }] })),
        }),
      );
      await retryConcurrent(() => tx.commit());
    } catch (err) {
      await tx.abort().catch(() => {});
      // A fenced or broken producer is replaced when the task is acquired again.
      this.producers.delete(partition);
      await producer.disconnect().catch(() => {});
      throw err;
    }
    this.failures.delete(partition);
    // Committed: the kept results of these records will never be replayed. A
    // failure here leaves only garbage behind, so it does not fail the chunk.
    void task.state!
      .committed(chunk.map((r) => ({ customerId: r.message.decoded.ok ? r.message.decoded.record.event.customerId : undefined, topicIndex: TOPIC_INDEX[r.message.topic], offset: r.message.message.offset })))
      .catch((err: Error) => this.log.warn({ err, partition }, 'could not delete the results of a committed chunk'));
    if (prepared.step !== undefined) {
      void task.state!.committedTimers(prepared.step).catch((err: Error) => this.log.warn({ err, partition }, 'could not delete the kept timer outputs of a committed chunk'));
    }
    addTally(this.tally, result.tally);
    this.o.observer?.chunkCommitted?.({ partition, records: chunk.map((r) => r.message), result, outputs, committed: next, startedAt: started, committedAt: Date.now() });
    this.log.debug({ partition, records: chunk.length, outputs: outputs.length, ms: Date.now() - started }, 'chunk committed');
  }
}

/**
 * Bytes of outputs sent in one request at most: well under the broker's
 * default 1 MiB batch limit, and under the dead-letter topic's own limit when
 * that is smaller (the messages of one request to one partition form one batch).
 */
export function requestBytes(maxDeadLetterBytes: number | undefined): number {
  const cap = 512 * 1024;
  return maxDeadLetterBytes === undefined ? cap : Math.max(1, Math.min(cap, maxDeadLetterBytes - RECORD_OVERHEAD_BYTES));
}

/**
 * Splits outputs into requests of at most `maxBytes` (a message bigger than
 * that goes alone): a batch of dead letters carries every input record's
 * bytes, so it can be as large as the fetched batch itself.
 */
export function chunkBySize(outputs: readonly OutputMessage[], maxBytes = 512 * 1024): OutputMessage[][] {
  const chunks: OutputMessage[][] = [];
  let current: OutputMessage[] = [];
  let size = 0;
  for (const m of outputs) {
    let bytes = m.value.length + (m.key ? Buffer.byteLength(m.key) : 0) + 64;
    for (const [k, v] of Object.entries(m.headers ?? {})) bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(m);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
