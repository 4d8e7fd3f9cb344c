/**
 * The group's committed offsets once they have stopped moving. Kafka answers
 * an offset fetch from what the group coordinator has materialised, and it
 * materialises a transaction's offsets only after the transaction's markers
 * are written — shortly after the transaction completes, and later still
 * while a restarted broker loads its logs. KIP-447's require_stable flag
 * would make the broker wait; kafkajs cannot send it (OffsetFetch up to v4).
 * Nobody else commits for a shard whose producer was just fenced, so its
 * offsets can only move forward: read until two reads `waitMs` apart agree.
 */
export interface OffsetRead {
  readonly topic: string;
  readonly partitions: readonly { readonly partition: number; readonly offset: string; readonly metadata?: string | null }[];
}

export interface SettleOptions {
  readonly waitMs: number;
  /** Reads at most; the last one is taken if they never agree. */
  readonly maxReads: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const key = (reads: readonly OffsetRead[], partition: number): string =>
  reads
    .map((r) => `${r.topic}:${r.partitions.find((p) => p.partition === partition)?.offset ?? ''}`)
    .sort()
    .join(',');

/** Reads the offsets of `partition` until two consecutive reads agree; returns the last read and how many it took. */
export async function settledOffsets(read: () => Promise<readonly OffsetRead[]>, partition: number, o: SettleOptions): Promise<{ offsets: readonly OffsetRead[]; reads: number }> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last = await read();
  let reads = 1;
  while (reads < o.maxReads) {
    await sleep(o.waitMs);
    const next = await read();
    reads++;
    const same = key(next, partition) === key(last, partition);
    last = next;
    if (same) break;
  }
  return { offsets: last, reads };
}
