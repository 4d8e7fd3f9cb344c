import { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { redisSecurityOptions } from '../security/redis-options.ts';
import { StateKeys } from './keys.ts';

/**
 * One Redis connection for the service; commands queue while it reconnects.
 * ACL user, password and TLS certificates come from config.security.redis
 * (credentials in the URL, rediss://user:password@host, work too).
 */
export function createRedis(url: string, config: Pick<Config, 'security'>): Redis {
  return new Redis(url, {
    ...redisSecurityOptions(config.security.redis),
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
  const match = new StateKeys(prefix).everything();
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
