/**
 * Which of `n` workers a customer's records go to: FNV-1a over the id's
 * UTF-16 code units. The reader takes the id from the line's text
 * (customerIdIn); the worker checks the parsed id routes to it.
 */
export function routeOf(customerId: string, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) h = Math.imul(h ^ customerId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % n;
}

const FIELD = '"customerId":"';

/**
 * The customer id as a replay line spells it, without parsing the JSON: the
 * first `"customerId":"…"` without escapes. May be wrong (another field of
 * that name first, or an escaped id): the worker then finds the parsed id is
 * not its own and the backtest runs in one thread instead.
 */
export function customerIdIn(line: string): string {
  const at = line.indexOf(FIELD);
  if (at < 0) return '';
  const from = at + FIELD.length;
  const to = line.indexOf('"', from);
  return to < 0 ? '' : line.slice(from, to);
}
