import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { INPUT_TOPICS, isInputTopic } from '../events/topics.ts';
import { decodeInput, eventTimeOf, processBatch, type BatchDeps, type BatchResult, type InputRecord, type OutputMessage } from '../pipeline/process-batch.ts';
import { addTally, emptyTally, type Tally } from '../pipeline/tally.ts';
import { TaskQueue, type QueuedRecord } from '../pipeline/task-queue.ts';
import { coPartitionAssigner } from './copartition-assigner.ts';
import { topicMessages } from './produce.ts';
import type { IngestorObserver } from './ingestor-observer.ts';

export interface IngestorOptions {
  readonly groupId: string;
  readonly concurrency: number;
  /** How long a task waits for a topic that has no data before going on without it (Kafka Streams' max.task.idle.ms). */
  readonly maxIdleMs?: number;
  /** Records processed (and committed) together at most. */
  readonly maxChunk?: number;
  /** Turns a processed batch into the messages to publish (rules and policy plug in here). */
  readonly afterBatch?: (result: BatchResult) => Promise<OutputMessage[]> | OutputMessage[];
  /** Where to start instead of the committed offsets (tests start a new group at the end of the topics). */
  readonly startAt?: Readonly<Record<string, readonly { partition: number; offset: string }[]>>;
  /** Told about fetches, commits, failures and rebuilds (metrics). */
  readonly observer?: IngestorObserver;
}

interface Task {
  readonly queue: TaskQueue<InputRecord>;
  /** The chain of drains: one chunk of a task at a time, in order. */
  running: Promise<void>;
  timer: NodeJS.Timeout | undefined;
  /** Bumped when the task is dropped at a rebalance, so stale work stops. */
  generation: number;
}

/** Records queued per topic-partition before its fetching is paused. */
const MAX_QUEUED = 8_000;

/**
 * Consume → process → publish, exactly once, per task: a task is partition
 * number p of every input topic (the co-partition assigner keeps them on one
 * member). Records of a task are taken in time order across its topics, so a
 * customer's profile, transactions and channel events are seen in the order
 * they happened; each chunk's outputs and input offsets commit in one Kafka
 * transaction whose transactional id belongs to the task, so an instance that
 * takes a task over fences the one that lost it.
 */
export class Ingestor {
  private readonly kafka: Kafka;
  private readonly deps: BatchDeps;
  private readonly o: IngestorOptions;
  private readonly log: Logger;
  private readonly consumer: Consumer;
  private readonly producers = new Map<number, Promise<Producer>>();
  private readonly tasks = new Map<number, Task>();
  private readonly paused = new Set<string>();
  private generation = 0;
  private stopping = false;
  /** Failed chunks in a row, for the retry backoff (reset by a committed chunk). */
  private consecutiveFailures = 0;
  readonly tally: Tally = emptyTally();
  private assigned = 0;
  private readonly rebuildingTasks = new Set<number>();

  constructor(kafka: Kafka, deps: BatchDeps, options: IngestorOptions, logger: Logger) {
    this.kafka = kafka;
    this.deps = deps;
    this.o = options;
    this.log = logger.child({ component: 'ingestor' });
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      partitionAssigners: [coPartitionAssigner],
      readUncommitted: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 1024 * 1024,
      // Room for every assigned partition in one fetch: a response capped lower
      // fills the first partitions and starves the rest, which would then hold
      // back their tasks' time alignment.
      maxBytes: 64 * 1024 * 1024,
      // A fetch returns as soon as there is data; this bounds how long an idle
      // fetch holds up a shutdown.
      maxWaitTimeInMs: 200,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      // After a rebalance the consumer fetches again from the committed offsets:
      // whatever was queued and not committed is dropped and read again.
      this.generation++;
      for (const t of this.tasks.values()) if (t.timer) clearTimeout(t.timer);
      this.tasks.clear();
      this.paused.clear();
      this.assigned = Object.values(e.payload.memberAssignment).reduce((n, ps) => n + ps.length, 0);
      this.o.observer?.assigned?.({ partitions: this.assigned });
      this.log.info({ assignment: e.payload.memberAssignment }, 'partitions assigned');
    });
  }

  /** Partitions currently assigned to this instance. */
  get assignedPartitions(): number {
    return this.assigned;
  }

  /** True while a task's lost Redis state is being rebuilt from the input topics. */
  get rebuilding(): boolean {
    return this.rebuildingTasks.size > 0;
  }

  /** True from a failed chunk until a chunk commits again (Kafka or Redis unreachable). */
  get degraded(): boolean {
    return this.consecutiveFailures > 0;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...INPUT_TOPICS], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.o.concurrency,
      eachBatch: (payload) => this.onBatch(payload),
    });
    for (const [topic, partitions] of Object.entries(this.o.startAt ?? {})) {
      for (const p of partitions) this.consumer.seek({ topic, partition: p.partition, offset: p.offset });
    }
  }

  /** Finishes the chunks in flight, commits them and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.tasks.values()) if (t.timer) clearTimeout(t.timer);
    await Promise.allSettled([...this.tasks.values()].map((t) => t.running));
    await this.consumer.disconnect();
    const producers = await Promise.allSettled(this.producers.values());
    await Promise.all(producers.map((p) => (p.status === 'fulfilled' ? p.value.disconnect() : undefined)));
    this.producers.clear();
  }

  private taskFor(partition: number): Task {
    let t = this.tasks.get(partition);
    if (!t) {
      t = { queue: new TaskQueue<InputRecord>(INPUT_TOPICS, partition), running: Promise.resolve(), timer: undefined, generation: this.generation };
      this.tasks.set(partition, t);
    }
    return t;
  }

  private producerFor(partition: number): Promise<Producer> {
    let p = this.producers.get(partition);
    if (!p) {
      p = (async () => {
        const producer = this.kafka.producer({ transactionalId: `${this.o.groupId}.task.${partition}`, idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        return producer;
      })();
      this.producers.set(partition, p);
      p.catch(() => this.producers.delete(partition));
    }
    return p;
  }

  private async onBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    const { topic, partition, messages } = batch;
    if (messages.length === 0 || !isInputTopic(topic) || this.stopping) return;
    const task = this.taskFor(partition);
    const caughtUp = BigInt(batch.lastOffset()) + 1n >= BigInt(batch.highWatermark);
    this.o.observer?.fetched?.({ topic, partition, highWatermark: BigInt(batch.highWatermark), lastOffset: BigInt(batch.lastOffset()) });
    // Decoded here, in the fetch, so records can be ordered by their event time.
    const decoded = await Promise.all(messages.map((m) => decodeInput(this.deps, topic, partition, m)));
    task.queue.push(topic, messages.map((m, i) => ({ timestamp: eventTimeOf(decoded[i]!, m), message: { topic, partition, message: m, decoded: decoded[i]! } })), caughtUp);
    // The fetch position follows resolved offsets; commits happen in the task's transactions.
    resolveOffset(batch.lastOffset());
    if (task.queue.sizeOf(topic) > MAX_QUEUED) {
      this.consumer.pause([{ topic, partitions: [partition] }]);
      this.paused.add(`${topic}:${partition}`);
    }
    // Processing runs beside fetching: a task waiting for another topic's
    // records must not hold up the fetch that brings them. Paused partitions
    // bound the memory.
    void this.schedule(task);
    await heartbeat();
  }

  /** Queues a drain of the task behind the one running; resolves when it is done. */
  private schedule(task: Task): Promise<void> {
    task.running = task.running.then(() => this.drain(task)).catch((err: Error & { seekTo?: Map<string, bigint> }) => this.recover(task, err));
    return task.running;
  }

  /**
   * A chunk failed (Redis or Kafka unreachable, a fenced producer): nothing of
   * it was committed. The task's records are dropped from memory and, after a
   * backoff, fetched again from the first one not committed — nothing is lost
   * and nothing is skipped.
   */
  private async recover(task: Task, err: Error & { seekTo?: Map<string, bigint> }): Promise<void> {
    const partition = task.queue.partition;
    if (task.generation !== this.generation || this.stopping) return;
    this.consecutiveFailures++;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.consecutiveFailures - 1, 6));
    this.log.error({ err, partition, attempt: this.consecutiveFailures, retryInMs: delay }, 'processing a chunk failed; it will be read again');
    this.o.observer?.chunkFailed?.({ partition, error: err, attempt: this.consecutiveFailures, retryInMs: delay });
    const from = new Map(err.seekTo ?? []);
    for (const topic of INPUT_TOPICS) {
      const queued = task.queue.head(topic);
      const head = queued ? BigInt(queued.message.offset) : undefined;
      if (head !== undefined && (from.get(topic) ?? head + 1n) > head) from.set(topic, head);
    }
    task.generation = -1; // stale: queued records are dropped, running work stops
    if (task.timer) clearTimeout(task.timer);
    this.tasks.delete(partition);
    await new Promise((r) => setTimeout(r, delay));
    if (this.stopping) return;
    for (const [topic, offset] of from) {
      this.consumer.seek({ topic, partition, offset: offset.toString() });
      if (this.paused.delete(`${topic}:${partition}`)) this.consumer.resume([{ topic, partitions: [partition] }]);
    }
  }

  private async drain(task: Task): Promise<void> {
    const maxIdle = this.o.maxIdleMs ?? 2000;
    const maxChunk = this.o.maxChunk ?? 5_000;
    for (;;) {
      if (task.generation !== this.generation || this.stopping) return;
      const chunk = task.queue.take(maxChunk, Date.now(), maxIdle);
      if (chunk.length === 0) break;
      await this.processChunk(task, chunk);
    }
    this.resumeDrained(task);
    const retryAt = task.queue.retryAt(maxIdle);
    if (retryAt !== undefined && task.queue.size > 0 && !task.timer) {
      task.timer = setTimeout(() => {
        task.timer = undefined;
        void this.schedule(task);
      }, Math.max(0, retryAt - Date.now()) + 5);
    }
  }

  private resumeDrained(task: Task): void {
    for (const topic of INPUT_TOPICS) {
      const key = `${topic}:${task.queue.partition}`;
      if (this.paused.has(key) && task.queue.sizeOf(topic) < MAX_QUEUED / 2) {
        this.paused.delete(key);
        this.consumer.resume([{ topic, partitions: [task.queue.partition] }]);
      }
    }
  }

  private async processChunk(task: Task, chunk: QueuedRecord<InputRecord>[]): Promise<void> {
    const started = Date.now();
    const partition = task.queue.partition;
    const seekTo = new Map<string, bigint>();
    for (const r of chunk) {
      const o = BigInt(r.message.message.offset);
      if ((seekTo.get(r.topic) ?? o + 1n) > o) seekTo.set(r.topic, o);
    }
    try {
      await this.commitChunk(task, chunk, started);
      this.consecutiveFailures = 0;
    } catch (err) {
      throw Object.assign(err as Error, { seekTo });
    }
  }

  private async commitChunk(task: Task, chunk: QueuedRecord<InputRecord>[], started: number): Promise<void> {
    const partition = task.queue.partition;
    const result = await processBatch(this.deps, chunk.map((r) => r.message));
    const extra = this.o.afterBatch ? await this.o.afterBatch(result) : [];
    if (task.generation !== this.generation) return; // a rebalance took the task: the new owner replays it
    const outputs = [...result.outputs, ...extra];
    const next = new Map<string, bigint>();
    for (const r of chunk) {
      const o = BigInt(r.message.message.offset) + 1n;
      if ((next.get(r.topic) ?? -1n) < o) next.set(r.topic, o);
    }
    const producer = await this.producerFor(partition);
    const tx = await producer.transaction();
    try {
      for (const part of chunkBySize(outputs)) await tx.sendBatch({ topicMessages: topicMessages(part) });
      await tx.sendOffsets({
        consumerGroupId: this.o.groupId,
        topics: [...next].map(([topic, offset]) => ({ topic, partitions: [{ partition, offset: offset.toString() }] })),
      });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => {});
      // A fenced or broken producer is replaced on the next chunk.
      this.producers.delete(partition);
      await producer.disconnect().catch(() => {});
      throw err;
    }
    addTally(this.tally, result.tally);
    this.o.observer?.chunkCommitted?.({ partition, records: chunk.map((r) => r.message), result, outputs, committed: next, startedAt: started, committedAt: Date.now() });
    this.log.debug({ partition, records: chunk.length, outputs: outputs.length, ms: Date.now() - started }, 'chunk committed');
  }
}

/**
 * Splits outputs into requests well under the broker's default 1 MiB message
 * batch limit: a batch of dead letters carries every input record's bytes, so
 * it can be as large as the fetched batch itself.
 */
export function chunkBySize(outputs: readonly OutputMessage[], maxBytes = 512 * 1024): OutputMessage[][] {
  const chunks: OutputMessage[][] = [];
  let current: OutputMessage[] = [];
  let size = 0;
  for (const m of outputs) {
    const bytes = m.value.length + (m.key ? Buffer.byteLength(m.key) : 0) + 64;
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
