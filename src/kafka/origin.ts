/**
 * Where a consumer group's state begins, carried in the metadata of its offset
 * commits. A group that starts at the beginning of the topics has none (its
 * state begins at each partition's start); a group seeded at some position
 * (the demo, the benchmark and tests start new groups at the end of shared
 * topics) records that position, so that rebuilding lost Redis state replays
 * from there and not from records the group never processed.
 */
const PREFIX = 'carestream:origin=';

export function originMetadata(origin: bigint | undefined): string | undefined {
  return origin === undefined ? undefined : `${PREFIX}${origin}`;
}

export function parseOrigin(metadata: string | null | undefined): bigint | undefined {
  if (!metadata?.startsWith(PREFIX)) return undefined;
  const v = metadata.slice(PREFIX.length);
  return /^\d+$/.test(v) ? BigInt(v) : undefined;
}
