import { hash } from 'node:crypto';

/**
 * A short digest of an event's content: the first 8 bytes of SHA-256 over
 * its canonical JSON (object keys sorted at every level), base64url (11
 * characters). The same event re-delivered — by another producer, in another
 * writer schema, with its map entries in another order — has the same
 * digest; any other content has another one (a collision needs about 2^32
 * events with one id). It identifies content without revealing it.
 */
export function contentDigest(event: unknown): string {
  // crypto.hash: one call, no Hash object per event (this runs for every applied event).
  return hash('sha256', canonicalJson(event), 'buffer').subarray(0, 8).toString('base64url');
}

// Keys repeat from event to event (field names): their JSON form is kept, up to a bound.
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 4096;

function quotedKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = `${JSON.stringify(k)}:`;
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(k, q);
  }
  return q;
}

/**
 * JSON with the keys of every object in code-unit order; undefined fields are
 * left out, as JSON.stringify does. Hot (every applied event): one string
 * built by appending, no intermediate arrays.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let s = '[';
    // A hole is written as nothing, as Array.prototype.join writes it.
    for (let i = 0; i < value.length; i++) s += (i === 0 ? '' : ',') + (i in value ? canonicalJson(value[i]) : '');
    return `${s}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let s = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    s += (first ? '' : ',') + quotedKey(k) + canonicalJson(v);
    first = false;
  }
  return `${s}}`;
}
