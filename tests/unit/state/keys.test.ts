import { describe, expect, it } from 'vitest';
import { globLiteral, StateKeys } from '../../../src/state/keys.ts';

/** Redis glob matching (stringmatchlen) for the characters carestream escapes: *, ?, [...] and backslash. */
function globMatch(pattern: string, text: string): boolean {
  const re = pattern.replace(/\\(.)|([*?])|(\[[^\]]*\])|([^\\*?[]+)/g, (_m, esc: string, wild: string, cls: string, lit: string) => {
    if (esc !== undefined) return esc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (wild !== undefined) return wild === '*' ? '[\\s\\S]*' : '[\\s\\S]';
    if (cls !== undefined) return cls;
    return lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${re}$`).test(text);
}

describe('Redis key patterns match exactly', () => {
  it('a glob literal matches only itself', () => {
    for (const text of ['cs', 'a*b', 'a?b', 'a[bc]d', 'a\\b']) {
      expect(globMatch(globLiteral(text), text), text).toBe(true);
    }
    expect(globMatch(globLiteral('a*'), 'abc')).toBe(false);
    expect(globMatch(globLiteral('a?c'), 'abc')).toBe(false);
    expect(globMatch(globLiteral('[ab]'), 'a')).toBe(false);
  });

  it('the prefix patterns cover the prefix\'s keys and no other prefix\'s', () => {
    const keys = new StateKeys('it-1');
    expect(globMatch(keys.everything(), keys.state('C1'))).toBe(true);
    expect(globMatch(keys.everything(), keys.shard(3))).toBe(true);
    expect(globMatch(keys.pattern(), keys.contacts('C1'))).toBe(true);
    expect(globMatch(keys.pattern(), keys.shard(3))).toBe(false);
    expect(globMatch(keys.everything(), new StateKeys('it-10').state('C1'))).toBe(false);
  });
});

describe('persisted key strings', () => {
  it('the shard keys keep the word `task` they were persisted with', () => {
    const keys = new StateKeys('cs');
    expect(keys.shard(3)).toBe('cs:s2:task:3');
    expect(keys.due(3)).toBe('cs:s2:task:3:due');
  });
});
