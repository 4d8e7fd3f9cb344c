// The bench's memory line counts keys by kind from StateKeys: after the s2
// layout it counted every key as "other" (its patterns were the old layout's).
import { describe, expect, it } from 'vitest';
import { keyKind } from '../../../bench/redis-probe.ts';
import { keyLine } from '../../../bench/report.ts';
import { StateKeys } from '../../../src/state/keys.ts';

describe('keyKind', () => {
  const keys = new StateKeys('bench-mx6b5kex-eqzf');

  it('knows every key StateKeys builds', () => {
    expect(keyKind(keys.state('C0001'), keys)).toBe('state');
    expect(keyKind(keys.contacts('C0001'), keys)).toBe('decisionLogs');
    expect(keyKind(keys.pending('C0001'), keys)).toBe('keptResults');
    expect(keyKind(keys.shard(0), keys)).toBe('tasks');
    expect(keyKind(keys.shard(17), keys)).toBe('tasks');
    for (const k of Object.values(keys.careTasks())) expect(keyKind(k, keys)).toBe('careTasks');
  });

  it('counts the old layout and anything unknown as other', () => {
    for (const k of ['bench-mx6b5kex-eqzf:{C0001}', 'bench-mx6b5kex-eqzf:{C0001}:c', 'bench-mx6b5kex-eqzf:task:3', 'bench-mx6b5kex-eqzf:s2:{C0001}:x', 'bench-mx6b5kex-eqzf:s2:task:x', 'bench-mx6b5kex-eqzf:s2:task:', 'other:s2:{C0001}']) {
      expect(keyKind(k, keys), k).toBe('other');
    }
  });

  it('prints the kinds present', () => {
    expect(keyLine({ total: 4600, state: 4482, decisionLogs: 99, keptResults: 0, tasks: 18, careTasks: 1, other: 0 })).toBe('4,600 keys: 4,482 state, 99 decision logs, 18 shard hashes, 1 care-task index');
  });
});
