/**
 * The records of one shard (partition number p of every input topic), waiting to
 * be processed in time order across the topics. Pure bookkeeping, no I/O.
 *
 * A record may be taken only when every other topic either has a queued record
 * (so we know nothing older can still arrive from it) or is caught up with its
 * partition's end, or when the shard has waited `maxIdleMs` for it — Kafka
 * Streams' max.task.idle.ms. That keeps a customer's transactions, channel
 * events and profile in event-time order even when the topics are fetched at
 * different speeds.
 */
export interface QueuedRecord<M> {
  readonly topic: string;
  readonly partition: number;
  readonly timestamp: number;
  readonly seq: number;
  readonly message: M;
}

interface TopicState<M> {
  /** The topic's place in the constructor's list: the tie-break between equal timestamps. */
  readonly rank: number;
  readonly queue: QueuedRecord<M>[];
  head: number;
  /** The last fetch reached the partition's end. */
  caughtUp: boolean;
}

export class ShardQueue<M> {
  private readonly topics = new Map<string, TopicState<M>>();
  private seq = 0;
  private blockedSince: number | undefined;

  readonly partition: number;

  constructor(topics: readonly string[], partition: number) {
    this.partition = partition;
    topics.forEach((t, rank) => this.topics.set(t, { rank, queue: [], head: 0, caughtUp: false }));
  }

  push(topic: string, records: readonly { timestamp: number; message: M }[], caughtUp: boolean): void {
    const s = this.topics.get(topic);
    if (!s) throw new Error(`topic ${topic} is not part of this shard`);
    for (const r of records) s.queue.push({ topic, partition: this.partition, timestamp: r.timestamp, seq: this.seq++, message: r.message });
    s.caughtUp = caughtUp;
  }

  /** What is known about a topic without a fetch (the shard's start: its position against the partition's end). */
  setCaughtUp(topic: string, caughtUp: boolean): void {
    this.topics.get(topic)!.caughtUp = caughtUp;
  }

  /** Whether the topic's last fetch reached the end of its range. */
  isCaughtUp(topic: string): boolean {
    return this.topics.get(topic)!.caughtUp;
  }

  /** Records waiting, over all topics. */
  get size(): number {
    let n = 0;
    for (const s of this.topics.values()) n += s.queue.length - s.head;
    return n;
  }

  /** The oldest record still queued for a topic. */
  head(topic: string): M | undefined {
    const s = this.topics.get(topic);
    return s && s.head < s.queue.length ? s.queue[s.head]!.message : undefined;
  }

  sizeOf(topic: string): number {
    const s = this.topics.get(topic)!;
    return s.queue.length - s.head;
  }

  /**
   * Takes up to `max` records in (timestamp, arrival) order while alignment
   * allows; `now` decides whether the idle wait is over.
   */
  take(max: number, now: number, maxIdleMs: number): QueuedRecord<M>[] {
    const out: QueuedRecord<M>[] = [];
    while (out.length < max) {
      let best: TopicState<M> | undefined;
      let blocked = false;
      for (const s of this.topics.values()) {
        if (s.head >= s.queue.length) {
          if (!s.caughtUp) blocked = true;
          continue;
        }
        const r = s.queue[s.head]!;
        const b = best ? best.queue[best.head]! : undefined;
        // Equal timestamps go by topic, not by arrival, so the order does not depend on fetch timing.
        if (!b || r.timestamp < b.timestamp || (r.timestamp === b.timestamp && s.rank < best!.rank)) best = s;
      }
      if (!best) break;
      if (blocked) {
        this.blockedSince ??= now;
        if (now - this.blockedSince < maxIdleMs) break;
      } else {
        this.blockedSince = undefined;
      }
      out.push(best.queue[best.head++]!);
    }
    for (const s of this.topics.values()) {
      if (s.head > 1024 && s.head * 2 > s.queue.length) {
        s.queue.splice(0, s.head);
        s.head = 0;
      }
    }
    return out;
  }

  /** When a blocked shard should be looked at again, or undefined when it is not blocked. */
  retryAt(maxIdleMs: number): number | undefined {
    return this.blockedSince === undefined ? undefined : this.blockedSince + maxIdleMs;
  }
}
