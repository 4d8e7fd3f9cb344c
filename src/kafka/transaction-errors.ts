/** kafkajs wraps broker errors; CONCURRENT_TRANSACTIONS may sit at any depth of the cause chain. */
export function isConcurrentTransactions(err: unknown): boolean {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.type === 'CONCURRENT_TRANSACTIONS') return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}
