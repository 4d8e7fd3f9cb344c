import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { Config } from '../config.ts';
import { CarestreamError } from '../errors.ts';

/**
 * The CLI's client of the agent API (CARESTREAM_API_URL with
 * CARESTREAM_API_TOKEN or CARESTREAM_API_TOKEN_FILE): `explain` reads through
 * it with a token instead of holding Redis and Kafka credentials. Every body
 * is parsed with the schema the service validated it with.
 */

/** The token: the setting, or the file's contents (one trailing newline dropped, as for every secret file). */
export function apiClientToken(c: Config['apiClient']): string | undefined {
  if (c.token) return c.token.reveal();
  if (!c.tokenFile) return undefined;
  try {
    return readFileSync(c.tokenFile, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new CarestreamError('CS_ERR_CONFIG', `CARESTREAM_API_TOKEN_FILE: cannot read ${c.tokenFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export class AgentApiClient {
  private readonly base: URL;
  private readonly token: string;

  constructor(baseUrl: string, token: string) {
    this.base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    this.token = token;
  }

  /** GET `path` (relative to the base, e.g. `v1/customers/C1/features`): the parsed body, or null on 404. */
  async get<T>(path: string, schema: z.ZodType<T>): Promise<T | null> {
    const url = new URL(path, this.base);
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' }, signal: AbortSignal.timeout(60_000) });
    } catch (err) {
      throw new CarestreamError('CS_ERR_API_CLIENT', `the agent API at ${this.base.origin} did not answer (${(err as Error).message})`);
    }
    const text = await res.text();
    if (res.status === 404) return null;
    if (res.status !== 200) {
      // The API's error messages name the problem, never personal data (src/api/router.ts).
      let message = '';
      try {
        message = String((JSON.parse(text) as { error?: { message?: unknown } }).error?.message ?? '');
      } catch {
        /* not JSON */
      }
      const hint = res.status === 401 ? ' (check CARESTREAM_API_TOKEN)' : res.status === 403 ? ' (the token lacks a scope; explain needs features:read and tasks:read)' : '';
      throw new CarestreamError('CS_ERR_API_CLIENT', `the agent API answered ${res.status} to GET ${url.pathname}${message ? `: ${message}` : ''}${hint}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CarestreamError('CS_ERR_API_CLIENT', `the agent API's answer to GET ${url.pathname} is not JSON`);
    }
    const r = schema.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new CarestreamError('CS_ERR_API_CLIENT', `the agent API's answer to GET ${url.pathname} does not match its schema (at ${issue.path.join('.') || 'the top'}: ${issue.code})`);
    }
    return r.data;
  }
}
