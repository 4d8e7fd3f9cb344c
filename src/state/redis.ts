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

/** UNLINKs every key under `prefix:` (demo and benchmark clean-up); returns how many there were. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
