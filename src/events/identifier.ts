import { createHash } from 'node:crypto';

/**
 * Customer ids, event ids and task ids are identifiers, not free text: they
 * become Redis keys and hash tags, task fields, API path segments and lines
 * of `explain`, so one check decides what may be one, on every path in and
 * out. Problems are described by length and kind, never by the value: an id
 * that fails may well be a name or an ID number.
 */
export interface IdRules {
  /** Longest id accepted, in UTF-16 code units (ids are ASCII, so characters). */
  readonly maxLength: number;
  /** Source of the regular expression a whole id must match (anchored here). */
  readonly pattern: string;
  /** Longest run of digits accepted: a longer one looks like an ID number or an account number. */
  readonly maxDigitRun: number;
}

export const DEFAULT_ID_RULES: IdRules = Object.freeze({
  maxLength: 64,
  pattern: '[A-Za-z0-9][A-Za-z0-9._:-]*',
  maxDigitRun: 14,
});

/**
 * Never part of an id, whatever the configured pattern allows: Redis glob
 * characters (a SCAN for one customer must not match another's key), the
 * hash-tag braces of the key layout, whitespace and every control or
 * non-ASCII character (names, forged lines, terminal escapes).
 */
const NEVER = /[^\x21-\x7e]|[*?[\]\\{}]/;

const compiled = new Map<string, RegExp>();

/** The configured pattern, anchored; throws on an invalid expression (config validation calls this). */
export function idPattern(source: string): RegExp {
  let re = compiled.get(source);
  if (!re) {
    re = new RegExp(`^(?:${source})$`);
    compiled.set(source, re);
  }
  return re;
}

function longestDigitRun(s: string, atLeast: number): boolean {
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    run = c >= 48 && c <= 57 ? run + 1 : 0;
    if (run >= atLeast) return true;
  }
  return false;
}

/** Why `value` is not an identifier (without the value), or undefined when it is one. */
export function idProblem(value: unknown, rules: IdRules = DEFAULT_ID_RULES): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.trim() === '') return 'must not be empty';
  const len = `(length ${value.length})`;
  if (value.length > rules.maxLength) return `not an identifier: longer than ${rules.maxLength} characters ${len}`;
  if (NEVER.test(value) || !idPattern(rules.pattern).test(value)) return `not an identifier: characters outside the allowed set ${len}`;
  if (longestDigitRun(value, rules.maxDigitRun + 1)) return `not an identifier: more than ${rules.maxDigitRun} digits in a row, like an ID or account number ${len}`;
  return undefined;
}

export function isIdentifier(value: unknown, rules: IdRules = DEFAULT_ID_RULES): value is string {
  return idProblem(value, rules) === undefined;
}

/**
 * An id as carestream may show it: itself when it passes the check, else a
 * stand-in naming its digest, so a stored value from before the check (or
 * written by someone else) is neither shown nor a reason to fail.
 */
export function shownId(value: string, rules: IdRules = DEFAULT_ID_RULES): string {
  return isIdentifier(value, rules) ? value : `invalid-id-${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;
}
