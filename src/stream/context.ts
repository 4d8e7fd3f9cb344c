import type { Logger } from 'pino';
import type { BatchDeps } from '../pipeline/process-batch.ts';
import type { ConsumerLoop } from './consumer-loop.ts';
import type { ResolvedIngestorOptions } from './ingestor-options.ts';
import type { Shard } from './shard.ts';

/** What the shard manager lends the parts that work on its shards. */
export interface StreamContext {
  readonly deps: BatchDeps;
  readonly options: ResolvedIngestorOptions;
  readonly log: Logger;
  readonly consumer: Pick<ConsumerLoop, 'seek' | 'pause' | 'resume' | 'isPaused'>;
  /** True while the shard is this ownership's and the service is not stopping: work for it may go on. */
  isCurrent(shard: Shard): boolean;
  stopping(): boolean;
}
