/** One input partition's lag: high watermark minus the committed offset. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

/**
 * Consumer lag per input partition of this instance, from what the ingestor
 * reports: the high watermark seen by the latest fetch and the offset the
 * latest transaction committed. A partition has a lag once both are known.
 */
export class LagTracker {
  private readonly high = new Map<string, bigint>();
  private readonly committed = new Map<string, bigint>();

  private static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  /** A fetch saw this high watermark; returns the partition's lag when it is known. */
  fetched(topic: string, partition: number, highWatermark: bigint): PartitionLag | undefined {
    const k = LagTracker.key(topic, partition);
    const previous = this.high.get(k);
    // Fetches of one partition may answer out of order around a rebalance; the watermark never goes back.
    if (previous === undefined || highWatermark > previous) this.high.set(k, highWatermark);
    return this.lagOf(topic, partition);
  }

  /** A chunk of shard `partition` committed these next offsets; returns the lags it changed. */
  committedOffsets(partition: number, next: ReadonlyMap<string, bigint>): PartitionLag[] {
    const out: PartitionLag[] = [];
    for (const [topic, offset] of next) {
      const k = LagTracker.key(topic, partition);
      const previous = this.committed.get(k);
      if (previous === undefined || offset > previous) this.committed.set(k, offset);
      // Records appended after the fetch are not seen yet: the committed offset bounds the watermark from below.
      if ((this.high.get(k) ?? -1n) < offset) this.high.set(k, offset);
      const lag = this.lagOf(topic, partition);
      if (lag) out.push(lag);
    }
    return out;
  }

  /** Forgets everything (after a rebalance this instance may own other partitions). */
  reset(): void {
    this.high.clear();
    this.committed.clear();
  }

  /** Every known lag. */
  all(): PartitionLag[] {
    const out: PartitionLag[] = [];
    for (const k of this.committed.keys()) {
      const [topic, p] = k.split('\u0000') as [string, string];
      const lag = this.lagOf(topic, Number(p));
      if (lag) out.push(lag);
    }
    return out;
  }

  /** The sum of every known lag. */
  total(): number {
    return this.all().reduce((n, l) => n + l.lag, 0);
  }

  private lagOf(topic: string, partition: number): PartitionLag | undefined {
    const k = LagTracker.key(topic, partition);
    const high = this.high.get(k);
    const committed = this.committed.get(k);
    if (high === undefined || committed === undefined) return undefined;
    const lag = high - committed;
    return { topic, partition, lag: Number(lag > 0n ? lag : 0n) };
  }
}
