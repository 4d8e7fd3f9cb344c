import { createHash } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** 20 base32 characters: 100 bits of the digest. */
const ID_CHARS = 20;

function base32(bytes: Uint8Array, chars: number): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= chars) break;
  }
  return out;
}

/**
 * The task id of a candidate: `T-` + 20 base32 characters of
 * sha256(JSON [ruleId, customerId, triggerEventId]). The same rule on the same
 * trigger event (a replay, a re-delivery) gives the same id; another rule or
 * another event gives another one. The JSON array keeps the parts apart
 * whatever characters the ids contain. Suppressions carry the same id in their
 * evidence (`taskId`), so a task and its suppression can be matched.
 */
export function taskIdFor(c: { readonly ruleId: string; readonly customerId: string; readonly triggerEventId: string }): string {
  const digest = createHash('sha256').update(JSON.stringify([c.ruleId, c.customerId, c.triggerEventId])).digest();
  return `T-${base32(digest, ID_CHARS)}`;
}
