import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiTokensJson, authorize, TokenSet, type ApiToken } from '../../../src/api/tokens.ts';
import { loadConfig } from '../../../src/config.ts';
import { CarestreamError } from '../../../src/errors.ts';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const FULL = 'tok-full-9f8e7d6c5b4a';
const FEATURES = 'tok-features-1a2b3c4d';
const tokens: ApiToken[] = [
  { name: 'crm-east', sha256: sha(FULL), scopes: ['features:read', 'tasks:read'] },
  { name: 'wallboard', sha256: sha(FEATURES), scopes: ['features:read'] },
];

describe('token configuration', () => {
  it('parses a JSON array of hashed tokens, lower-casing the hashes', () => {
    const parsed = apiTokensJson.parse(JSON.stringify([{ name: 'crm-east', sha256: sha(FULL).toUpperCase(), scopes: ['tasks:read'] }]));
    expect(parsed).toEqual([{ name: 'crm-east', sha256: sha(FULL), scopes: ['tasks:read'] }]);
  });

  it.each([
    ['not JSON', '[{name:'],
    ['an object instead of an array', '{"name":"a","sha256":"00","scopes":[]}'],
    ['the token instead of its hash', JSON.stringify([{ name: 'a', sha256: FULL, scopes: ['tasks:read'] }])],
    ['an unknown scope', JSON.stringify([{ name: 'a', sha256: sha(FULL), scopes: ['tasks:write'] }])],
    ['no scope', JSON.stringify([{ name: 'a', sha256: sha(FULL), scopes: [] }])],
    ['an unknown key', JSON.stringify([{ name: 'a', sha256: sha(FULL), scopes: ['tasks:read'], token: FULL }])],
  ])('refuses %s', (_what, json) => {
    expect(apiTokensJson.safeParse(json).success).toBe(false);
  });

  it('reaches the configuration as API_TOKENS, and a bad value is a one-line error that does not echo it', () => {
    expect(loadConfig({}).api).toEqual({ tokens: [], tokensFile: undefined });
    expect(loadConfig({ API_TOKENS: JSON.stringify(tokens), API_TOKENS_FILE: '/etc/x.json' }).api).toEqual({ tokens, tokensFile: '/etc/x.json' });
    const bad = JSON.stringify([{ name: 'a', sha256: FULL, scopes: ['tasks:read'] }]);
    let err: unknown;
    try {
      loadConfig({ API_TOKENS: bad });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CarestreamError);
    expect((err as Error).message).toMatch(/^API_TOKENS: /);
    expect((err as Error).message).not.toContain(FULL);
  });
});

describe('bearer authentication', () => {
  const set = new TokenSet(tokens);

  it('finds the token a Bearer header carries, and nothing for anything else', () => {
    expect(set.identify(`Bearer ${FULL}`)?.name).toBe('crm-east');
    expect(set.identify(`bearer ${FEATURES}`)?.name).toBe('wallboard');
    expect(set.identify(`Bearer ${FULL}x`)).toBeUndefined();
    expect(set.identify(`Basic ${FULL}`)).toBeUndefined();
    expect(set.identify(`Bearer ${sha(FULL)}`)).toBeUndefined(); // the hash is not the token
    expect(set.identify('Bearer ')).toBeUndefined();
    expect(set.identify(undefined)).toBeUndefined();
  });

  it('is 401 without a token or with an unknown one, 403 without the scope, ok with it', () => {
    expect(authorize(set, undefined, 'tasks:read')).toEqual({ ok: false, status: 401, reason: 'missing' });
    expect(authorize(set, 'Bearer nope', 'tasks:read')).toEqual({ ok: false, status: 401, reason: 'invalid' });
    expect(authorize(set, `Bearer ${FEATURES}`, 'tasks:read')).toMatchObject({ ok: false, status: 403 });
    expect(authorize(set, `Bearer ${FEATURES}`, 'features:read')).toMatchObject({ ok: true, token: { name: 'wallboard' } });
    expect(authorize(set, `Bearer ${FULL}`, 'tasks:read')).toMatchObject({ ok: true, token: { name: 'crm-east' } });
  });

  it('fails closed with no tokens configured', () => {
    const none = new TokenSet([]);
    expect(none.size).toBe(0);
    expect(authorize(none, `Bearer ${FULL}`, 'features:read')).toMatchObject({ ok: false, status: 401 });
  });
});
