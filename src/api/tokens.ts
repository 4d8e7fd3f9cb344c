import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CarestreamError } from '../errors.ts';

/**
 * Bearer tokens of the agent API. Only SHA-256 digests of the tokens are
 * configured and kept, so a leaked configuration or heap dump names no usable
 * token; a presented token is hashed and compared in constant time.
 */

export const SCOPES = ['features:read', 'tasks:read', 'outcomes:write'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiToken {
  /** Who holds the token (a contact-centre tool); logged instead of the token. */
  readonly name: string;
  /** SHA-256 of the token, lower-case hex. */
  readonly sha256: string;
  readonly scopes: readonly Scope[];
}

const tokenEntry = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'each token needs a name of 1-64 letters, digits, _ . or -'),
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'sha256 must be the token\'s SHA-256 as 64 hex digits (never the token itself)')
    .transform((s) => s.toLowerCase()),
  scopes: z.array(z.enum(SCOPES, { error: `scopes are ${SCOPES.join(', ')}` })).min(1, 'each token needs at least one scope'),
});

/** A JSON array of tokens, e.g. `[{"name":"crm-east","sha256":"<hex>","scopes":["tasks:read"]}]`. */
export const apiTokensJson = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON array of {name, sha256, scopes}' });
      return z.NEVER;
    }
  })
  .pipe(z.array(tokenEntry, { error: 'expected a JSON array of {name, sha256, scopes}' }));

/**
 * The tokens in force: API_TOKENS (already parsed with the configuration) and
 * the file API_TOKENS_FILE, read now. A file that cannot be read or parsed
 * stops the start: the API must not come up with fewer tokens than intended.
 * Messages name the setting and the problem, never the file's contents.
 */
export function loadApiTokens(api: { readonly tokens: readonly ApiToken[]; readonly tokensFile: string | undefined }): ApiToken[] {
  if (!api.tokensFile) return [...api.tokens];
  let raw: string;
  try {
    raw = readFileSync(api.tokensFile, 'utf8');
  } catch (err) {
    throw new CarestreamError('CS_ERR_CONFIG', `API_TOKENS_FILE: cannot read ${api.tokensFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const parsed = apiTokensJson.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? ` (at ${issue.path.join('.')})` : '';
    throw new CarestreamError('CS_ERR_CONFIG', `API_TOKENS_FILE: ${api.tokensFile}: ${issue.message}${where}`);
  }
  return [...api.tokens, ...parsed.data];
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** RFC 6750's b64token: what may follow `Bearer `. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export class TokenSet {
  private readonly entries: readonly { readonly token: ApiToken; readonly digest: Buffer }[];

  constructor(tokens: readonly ApiToken[]) {
    this.entries = tokens.map((token) => ({ token, digest: Buffer.from(token.sha256, 'hex') }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The configured token an Authorization header carries, or undefined. */
  identify(authorization: string | undefined): ApiToken | undefined {
    const m = BEARER.exec(authorization ?? '');
    if (!m) return undefined;
    const presented = digest(m[1]!);
    // Every entry is compared, so the time taken does not depend on which one matches.
    let found: ApiToken | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(e.digest, presented) && !found) found = e.token;
    }
    return found;
  }
}

export type Authorization =
  | { readonly ok: true; readonly token: ApiToken }
  | { readonly ok: false; readonly status: 401; readonly reason: 'missing' | 'invalid' }
  | { readonly ok: false; readonly status: 403; readonly token: ApiToken };

/** 401 without a known token (no tokens configured: always), 403 when the token lacks the scope. */
export function authorize(tokens: TokenSet, authorization: string | undefined, scope: Scope): Authorization {
  if (!authorization) return { ok: false, status: 401, reason: 'missing' };
  const token = tokens.identify(authorization);
  if (!token) return { ok: false, status: 401, reason: 'invalid' };
  if (!token.scopes.includes(scope)) return { ok: false, status: 403, token };
  return { ok: true, token };
}
