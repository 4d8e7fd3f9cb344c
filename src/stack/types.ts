/** Where the three components of a stack answer, and who provided them. */
export interface StackEndpoints {
  readonly kafkaBrokers: readonly string[];
  readonly registryUrl: string;
  readonly redisUrl: string;
  readonly source: 'explicit' | 'containers' | 'local';
}

/** Progress lines for people; the stack module never logs on its own. */
export type StackLog = (line: string) => void;
