/**
 * What a shard carries in the metadata of its offset commits, so that it
 * commits in the same Kafka transaction as the outputs:
 *
 * - where the consumer group's state begins (`origin`): a group that starts at
 *   the beginning of the topics has none (its state begins at each
 *   partition's start); a group seeded at some position (the demo, the
 *   benchmark and tests start new groups at the end of shared topics) records
 *   that position, so that rebuilding lost Redis state replays from there and
 *   not from records the group never processed;
 * - the shard's stream time as of the commit (`st`, issue 13);
 * - which timer step committed last (`ts`, issue 13): the owner that took it
 *   (a random id per ownership) and its step number, `<owner>.<step>`. Outputs
 *   of fired timers are kept in Redis, named by their step, until the step
 *   commits; a new owner publishes those whose step is not covered by this
 *   marker (see keptStepCommitted in src/state/local-state.ts).
 *
 * Form: `carestream:` then `;`-separated `origin=N`, `st=T` and `ts=O.S`.
 * Every commit of a shard carries it on every input topic it commits.
 */
const PREFIX = 'carestream:';

/** A timer step: the ownership that took it and its number within it. */
export interface TimerStepId {
  readonly owner: string;
  readonly step: number;
}

export function originMetadata(origin: bigint | undefined, streamTime?: number | null, step?: TimerStepId): string | undefined {
  const parts: string[] = [];
  if (origin !== undefined) parts.push(`origin=${origin}`);
  if (streamTime !== undefined && streamTime !== null) parts.push(`st=${streamTime}`);
  if (step !== undefined) parts.push(`ts=${step.owner}.${step.step}`);
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

/** The shard's stream time as committed, or null when the commit carries none. */
export function parseStreamTime(metadata: string | null | undefined): number | null {
  const v = fields(metadata).get('st');
  return v !== undefined && /^-?\d{1,16}$/.test(v) ? Number(v) : null;
}

/** The last committed timer step, or null when the commit carries none. */
export function parseTimerStep(metadata: string | null | undefined): TimerStepId | null {
  const v = fields(metadata).get('ts');
  const m = v === undefined ? null : /^([0-9a-z]{1,16})\.(\d{1,15})$/.exec(v);
  return m ? { owner: m[1]!, step: Number(m[2]) } : null;
}
