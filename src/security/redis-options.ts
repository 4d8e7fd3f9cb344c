import type { RedisOptions } from 'ioredis';
import type { RedisSecurity } from './settings.ts';

/**
 * ioredis options for ACL credentials and TLS certificates. A rediss:// URL
 * already turns TLS on; `tls` here only adds the CA and the client certificate
 * (config validation allows them with rediss:// only, since any `tls` option
 * would make ioredis speak TLS to a redis:// URL too).
 */
export function redisSecurityOptions(s: RedisSecurity): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  const out: Pick<RedisOptions, 'username' | 'password' | 'tls'> = {};
  if (s.username !== undefined) out.username = s.username;
  if (s.password !== undefined) out.password = s.password.reveal();
  if (s.tls) {
    out.tls = {
      ...(s.tls.ca !== undefined && { ca: s.tls.ca }),
      ...(s.tls.cert !== undefined && { cert: s.tls.cert }),
      ...(s.tls.key !== undefined && { key: s.tls.key.reveal() }),
    };
  }
  return out;
}
