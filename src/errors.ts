/**
 * One catalogue of error codes (fastify style: CS_ERR_<AREA>_<WHAT>). A code is
 * stable and machine-readable; the message is for people and never carries
 * personal data or secrets.
 */
export const ERROR_CODES = {
  CS_ERR_CONFIG: 'invalid configuration',
  CS_ERR_STACK_TOOL_MISSING: 'a tool the local stack needs is not installed',
  CS_ERR_STACK_START: 'a stack component did not start',
  CS_ERR_STACK_PORT_TAKEN: 'a port the stack needs is used by another program',
  CS_ERR_REGISTRY: 'the schema registry refused a request',
  CS_ERR_TOPICS: 'topics could not be created or checked',
  CS_ERR_CLI_USAGE: 'the command line was not understood',
  CS_ERR_STATE_FENCED: 'another instance owns the shard now; this one may not write for it',
  CS_ERR_STATE_LOST: 'Redis lost the shard state (flushed or restarted empty); it is rebuilt from the input topics',
  CS_ERR_STATE_DECISION_ENTRY: 'a decision-log entry does not match its schema (a bug: entries are built from published records)',
  CS_ERR_CONSUMER_CRASHED: 'the Kafka consumer stopped with an error it cannot recover from',
  CS_ERR_PROCESSING_GAVE_UP: 'processing kept failing after every retry',
  CS_ERR_SHARD_MODE: 'a shard was asked to change mode in a way its state machine does not allow (a bug)',
  CS_ERR_AUDIT_READ: 'the task and suppression topics could not be read for the audit trail in time',
  CS_ERR_API_CLIENT: 'the agent API (CARESTREAM_API_URL) did not answer as expected',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class CarestreamError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CarestreamError';
    this.code = code;
  }
}

export function isCarestreamError(err: unknown): err is CarestreamError {
  return err instanceof CarestreamError;
}
