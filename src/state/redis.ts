import { Redis } from 'ioredis';

/** One Redis connection for the service; commands queue while it reconnects. */
export function createRedis(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 20,
    enableAutoPipelining: false,
    retryStrategy: (times) => Math.min(100 * 2 ** times, 5_000),
  });
}
