import type { BatchResult, InputRecord, OutputMessage } from '../pipeline/process-batch.ts';

/**
 * What the ingestor reports as it goes, for metrics and logs. Every method is
 * optional and called synchronously: an observer must not throw or block.
 */
export interface IngestorObserver {
  /** A fetched batch of an input partition (for consumer lag). */
  fetched?(e: { topic: string; partition: number; highWatermark: bigint; lastOffset: bigint }): void;
  /** A chunk's outputs and offsets committed in one transaction. */
  chunkCommitted?(e: {
    partition: number;
    records: readonly InputRecord[];
    result: BatchResult;
    outputs: readonly OutputMessage[];
    /** Next offset to read per input topic, as committed. */
    committed: ReadonlyMap<string, bigint>;
    startedAt: number;
    committedAt: number;
  }): void;
  /** A transaction step the coordinator answered CONCURRENT_TRANSACTIONS (it was completing the shard's previous commit), repeated. */
  transactionRetried?(e: { partition: number; attempt: number }): void;
  /** A chunk failed and will be read again. */
  chunkFailed?(e: { partition: number; error: Error; attempt: number; retryInMs: number }): void;
  /** Partitions assigned to this instance after a rebalance. */
  assigned?(e: { partitions: number }): void;
  /** Rebuild of a shard's lost state: records replayed so far of the total to replay. */
  rebuildProgress?(e: { partition: number; done: number; total: number; finished: boolean }): void;
}
