/**
 * Text carestream prints (explain, inspect, tail, the demo report, CLI
 * errors) may carry values from the input topics: a control character, a
 * line break or a bidirectional override in one of them could forge a line
 * or rewrite a terminal. Everything printed goes through one of these two.
 */

// C0 and C1 controls, DEL, the Unicode line and paragraph separators and the
// bidirectional formatting characters.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_OR_BACKSLASH = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;

const hex = (c: string, width: number) => c.charCodeAt(0).toString(16).padStart(width, '0');

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

/**
 * A line of plain text with every unsafe character written as an escape
 * (`\n`, `\x1b`, `\u202e`), and backslashes doubled so an escape in the
 * output cannot be mistaken for one in the value.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE_OR_BACKSLASH, (c) => SHORT[c] ?? (c.charCodeAt(0) < 0x100 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));
}

/**
 * JSON text (from JSON.stringify) with the unsafe characters JSON leaves
 * raw — DEL, C1 controls, U+2028/2029, bidi overrides — as \u escapes. It
 * parses to the same value.
 */
export function printableJson(json: string): string {
  return json.replace(UNSAFE, (c) => `\\u${hex(c, 4)}`);
}
