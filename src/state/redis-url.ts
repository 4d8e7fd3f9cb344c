/**
 * `redis-cluster://host:port,host:port,...`: a Redis Cluster by its seed
 * nodes (any of them finds the rest). A WHATWG URL cannot hold several
 * authorities, hence a parser of its own; credentials and TLS come from
 * REDIS_USERNAME / REDIS_PASSWORD / REDIS_TLS_* as for a single server.
 */
export const REDIS_CLUSTER_SCHEME = 'redis-cluster://';

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

const NODE = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

/** The seed nodes of a redis-cluster:// URL; undefined for any other string (a redis:// URL included). */
export function parseRedisClusterUrl(url: string): readonly RedisNode[] | undefined {
  if (!url.startsWith(REDIS_CLUSTER_SCHEME)) return undefined;
  const rest = url.slice(REDIS_CLUSTER_SCHEME.length).replace(/\/$/, '');
  const nodes: RedisNode[] = [];
  for (const part of rest.split(',')) {
    const m = NODE.exec(part.trim());
    const port = Number(m?.[2]);
    if (!m || port < 1 || port > 65_535) return undefined;
    nodes.push({ host: m[1]!.replace(/^\[|\]$/g, ''), port });
  }
  return nodes.length > 0 ? nodes : undefined;
}

export function formatRedisClusterUrl(nodes: readonly RedisNode[]): string {
  return `${REDIS_CLUSTER_SCHEME}${nodes.map((n) => `${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`).join(',')}`;
}
