/**
 * What a task carries in the metadata of its offset commits, so that it
 * commits in the same Kafka transaction as the outputs:
 *
 * - where the consumer group's state begins (`origin`): a group that starts at
 *   the beginning of the topics has none (its state begins at each
 *   partition's start); a group seeded at some position (the demo, the
 *   benchmark and tests start new groups at the end of shared topics) records
 *   that position, so that rebuilding lost Redis state replays from there and
 *   not from records the group never processed;
 * - the task's stream time as of the commit (`st`, issue 13): timers fired at
 *   a stream time after it were never published, whatever Redis says.
 *
 * Form: `carestream:origin=N`, `carestream:st=T` or `carestream:origin=N;st=T`.
 */
const PREFIX = 'carestream:';

export function originMetadata(origin: bigint | undefined, streamTime?: number | null): string | undefined {
  const parts: string[] = [];
  if (origin !== undefined) parts.push(`origin=${origin}`);
  if (streamTime !== undefined && streamTime !== null) parts.push(`st=${streamTime}`);
  return parts.length === 0 ? undefined : `${PREFIX}${parts.join(';')}`;
}

function fields(metadata: string | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!metadata?.startsWith(PREFIX)) return out;
  for (const part of metadata.slice(PREFIX.length).split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

export function parseOrigin(metadata: string | null | undefined): bigint | undefined {
  const v = fields(metadata).get('origin');
  return v !== undefined && /^\d+$/.test(v) ? BigInt(v) : undefined;
}

/** The task's stream time as committed, or null when the commit carries none. */
export function parseStreamTime(metadata: string | null | undefined): number | null {
  const v = fields(metadata).get('st');
  return v !== undefined && /^-?\d{1,16}$/.test(v) ? Number(v) : null;
}
