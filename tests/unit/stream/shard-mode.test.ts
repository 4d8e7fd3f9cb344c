import { describe, expect, it } from 'vitest';
import { CarestreamError } from '../../../src/errors.ts';
import { canMove, moveMode, type ShardMode } from '../../../src/stream/shard-mode.ts';
import { moveShard, newShard, retireShard } from '../../../src/stream/shard.ts';

const MODES: readonly ShardMode[] = ['acquiring', 'rebuilding', 'live', 'retired'];

describe('shard modes: acquiring → rebuilding | live | retired, rebuilding → live | retired, live → retired', () => {
  it('allows exactly the moves of the state machine', () => {
    const allowed = MODES.flatMap((from) => MODES.filter((to) => canMove(from, to)).map((to) => `${from}→${to}`));
    expect(allowed).toEqual(['acquiring→rebuilding', 'acquiring→live', 'acquiring→retired', 'rebuilding→live', 'rebuilding→retired', 'live→retired']);
  });

  it('refuses an invalid move with CS_ERR_SHARD_MODE, naming the shard and both modes', () => {
    let err: unknown;
    try {
      moveMode(4, 'live', 'rebuilding');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CarestreamError);
    expect((err as CarestreamError).code).toBe('CS_ERR_SHARD_MODE');
    expect((err as Error).message).toBe('shard 4 cannot go from live to rebuilding');
    expect(() => moveMode(0, 'retired', 'live')).toThrow(/retired to live/);
    expect(() => moveMode(0, 'live', 'live')).toThrow(CarestreamError);
  });

  it('a new shard is acquiring; a live shard cannot go back to rebuilding, and a retired one stays retired', () => {
    const shard = newShard(['a', 'b'], 2);
    expect(shard.mode).toBe('acquiring');
    moveShard(shard, 'live');
    expect(() => moveShard(shard, 'rebuilding')).toThrow(CarestreamError);
    expect(shard.mode).toBe('live');
    retireShard(shard);
    retireShard(shard); // idempotent: a rebalance and a failure may both retire it
    expect(shard.mode).toBe('retired');
    expect(() => moveShard(shard, 'live')).toThrow(CarestreamError);
  });

  it('retiring stops the shard\'s retry timer', () => {
    const shard = newShard(['a'], 0);
    let fired = false;
    shard.timer = setTimeout(() => (fired = true), 1);
    retireShard(shard);
    expect(shard.timer).toBeUndefined();
    return new Promise<void>((r) => setTimeout(r, 20)).then(() => expect(fired).toBe(false));
  });
});
