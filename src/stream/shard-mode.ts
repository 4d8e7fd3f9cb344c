import { CarestreamError } from '../errors.ts';

/**
 * A shard (partition p of every input topic, owned by one instance at a time)
 * goes through these modes:
 *
 * - `acquiring`: its partitions paused while it takes ownership (a fresh
 *   transactional producer that fences earlier owners, a new Redis epoch, the
 *   committed offsets read afresh);
 * - `rebuilding`: Redis lost its state, so the input topics are replayed from
 *   their start up to the committed offsets into the features, publishing
 *   nothing;
 * - `live`: records are processed and committed;
 * - `retired`: dropped at a rebalance, after a failure or at shutdown. Work
 *   still running for it finishes without committing; a new ownership is a
 *   new shard.
 */
export type ShardMode = 'acquiring' | 'rebuilding' | 'live' | 'retired';

const ALLOWED: Readonly<Record<ShardMode, readonly ShardMode[]>> = Object.freeze({
  acquiring: ['rebuilding', 'live', 'retired'],
  rebuilding: ['live', 'retired'],
  live: ['retired'],
  retired: [],
});

export function canMove(from: ShardMode, to: ShardMode): boolean {
  return ALLOWED[from].includes(to);
}

/**
 * The mode after `from → to`; an invalid move throws rather than leaving a
 * shard half in one mode (a live shard going back to rebuilding would replay
 * into state it already holds, a retired one coming back would commit for an
 * ownership it lost).
 */
export function moveMode(partition: number, from: ShardMode, to: ShardMode): ShardMode {
  if (!canMove(from, to)) throw new CarestreamError('CS_ERR_SHARD_MODE', `shard ${partition} cannot go from ${from} to ${to}`);
  return to;
}
