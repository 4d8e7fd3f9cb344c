import { Cluster, Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { CarestreamError } from '../errors.ts';
import { redisSecurityOptions } from '../security/redis-options.ts';
import { StateKeys } from './keys.ts';
import { parseRedisClusterUrl } from './redis-url.ts';

/**
 * One Redis connection for the service; commands queue while it reconnects.
 * ACL user, password and TLS certificates come from config.security.redis
 * (credentials in the URL, rediss://user:password@host, work too).
 */
export function createRedis(url: string, config: Pick<Config, 'security'>): Redis {
  // The state's scripts touch keys of several slots at once (issue 12): refused, not half-working.
  if (parseRedisClusterUrl(url)) throw new CarestreamError('CS_ERR_CONFIG', 'REDIS_URL names a Redis Cluster (redis-cluster://): the service\'s state does not run on a cluster yet; use a single Redis server');
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

/**
 * A client for `url`: an ioredis Cluster for a redis-cluster:// URL (the
 * seed nodes; ioredis finds every slot's owner and follows MOVED/ASK), else
 * the single-server client of createRedis. For tools and tests while the
 * service itself needs one server (see createRedis).
 */
export function createRedisClient(url: string, config: Pick<Config, 'security'>): Redis | Cluster {
  const nodes = parseRedisClusterUrl(url);
  if (!nodes) return createRedis(url, config);
  const security = redisSecurityOptions(config.security.redis);
  return new Cluster(nodes.map((n) => ({ host: n.host, port: n.port })), {
    lazyConnect: true,
    enableAutoPipelining: false,
    clusterRetryStrategy: (times) => Math.min(100 * 2 ** times, 5_000),
    // ACL credentials as for one server; TLS has no cluster URL form yet (REDIS_TLS_* need rediss://).
    redisOptions: { ...security, maxRetriesPerRequest: 20 },
  });
}
