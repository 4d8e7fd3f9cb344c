import { createHash } from 'node:crypto';

/**
 * A short digest of an event's content: the first 8 bytes of SHA-256 over
 * its canonical JSON (object keys sorted at every level), base64url (11
 * characters). The same event re-delivered — by another producer, in another
 * writer schema, with its map entries in another order — has the same
 * digest; any other content has another one (a collision needs about 2^32
 * events with one id). It identifies content without revealing it.
 */
export function contentDigest(event: unknown): string {
  return createHash('sha256').update(canonicalJson(event)).digest().subarray(0, 8).toString('base64url');
}

/** JSON with the keys of every object in code-unit order; undefined fields are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  }
  return `{${parts.join(',')}}`;
}
