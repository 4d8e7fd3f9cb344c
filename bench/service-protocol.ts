// Messages between the benchmark and the service it runs as a child process
// (bench/service.ts), over Node's IPC channel.
import type { Tally } from '../src/pipeline/tally.ts';

export interface ServiceReport {
  readonly pid: number;
  /** Wall clock (ms) when the group first assigned partitions to the service. */
  readonly assignedAt: number | undefined;
  /** Wall clock (ms) of the first fetched input batch. */
  readonly firstFetchAt: number | undefined;
  /** Wall clock (ms) of the latest committed chunk. */
  readonly lastCommitAt: number | undefined;
  readonly chunks: number;
  /** Chunks that failed and were read again, and partition assignments (1 without rebalances). */
  readonly failedChunks: number;
  /** Failed chunks by error message (at most 10 distinct messages). */
  readonly failures: Record<string, number>;
  readonly assignments: number;
  readonly records: number;
  /** Feature-store script calls: one per customer with valid records in a chunk. */
  readonly applyCalls: number;
  /** Messages published in committed transactions, per output topic. */
  readonly outputs: Record<string, number>;
  readonly tally: Tally;
  /** process.resourceUsage(): CPU in microseconds, peak RSS in KiB. */
  readonly userCpuMicros: number;
  readonly systemCpuMicros: number;
  readonly maxRssKiB: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Commit time minus Kafka timestamp (ms) of every latency-probe record committed since the probe started. */
  readonly latencies: number[];
  /**
   * The same records' latency in three parts (ms): Kafka timestamp to the fetch
   * that brought the record, fetch to the start of its chunk (queued, waiting
   * for the shard's earlier chunk or for time alignment), and the chunk's
   * processing to its commit.
   */
  readonly parts: { fetch: number[]; queued: number[]; processing: number[] };
  /** Records and duration (ms, start of processing to commit) of every chunk committed since the probe started. */
  readonly probeChunks: { records: number; ms: number }[];
}

export type ToService =
  | { readonly type: 'probe'; readonly eventIdPrefix: string }
  | { readonly type: 'report' }
  | { readonly type: 'stop' };

export type FromService =
  | { readonly type: 'started'; readonly at: number }
  | { readonly type: 'report'; readonly report: ServiceReport }
  | { readonly type: 'stopped'; readonly report: ServiceReport }
  | { readonly type: 'failed'; readonly message: string };
