import type { CustomerState, EventView } from '../features/index.ts';
import type { Outcome, Status } from './store.ts';
import { decodeState, encodeState } from './codec.ts';

/**
 * How a customer's state is turned into bytes and back. The shard-local store
 * (local-state.ts) depends only on this, so the encoding can change without
 * touching it; the codec's values say which version wrote them (first byte).
 */
export interface StateCodec {
  encode(state: CustomerState): Buffer;
  decode(bytes: Buffer): CustomerState;
}

/** The compact versioned binary layout of src/state/codec.ts (docs/FEATURES.md, "How a customer's state is stored"). */
export const binaryStateCodec: StateCodec = { encode: encodeState, decode: decodeState };

/**
 * A customer's value in Redis: the epoch of the shard owner that wrote it (16
 * ASCII digits, so write-customer-3.lua reads it with GETRANGE without
 * decoding anything) followed by the encoded state.
 */
export const EPOCH_DIGITS = 16;

export function customerValue(epoch: number, state: CustomerState, codec: StateCodec): Buffer {
  const head = String(epoch).padStart(EPOCH_DIGITS, '0');
  if (head.length !== EPOCH_DIGITS) throw new Error(`epoch ${epoch} does not fit ${EPOCH_DIGITS} digits`);
  return Buffer.concat([Buffer.from(head, 'ascii'), codec.encode(state)]);
}

export function readCustomerValue(value: Buffer, codec: StateCodec): { epoch: number; state: CustomerState } {
  const epoch = Number(value.subarray(0, EPOCH_DIGITS).toString('ascii'));
  if (!Number.isSafeInteger(epoch)) throw new Error('a customer value without its epoch');
  return { epoch, state: codec.decode(value.subarray(EPOCH_DIGITS)) };
}

/**
 * A record's result as kept until its chunk commits: what a replay of the
 * record must get back (status, the views, a conflict's digests). JSON: kept
 * only for records not yet committed, so its size does not stay in Redis.
 */
export function encodeResult(o: Outcome): string {
  return JSON.stringify(o);
}

export function decodeResult(text: string): Outcome {
  const o = JSON.parse(text) as Outcome;
  return o;
}
