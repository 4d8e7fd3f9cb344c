/** A URL fit for a log line: its password (if any) replaced, everything else kept. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (u.password === '') return url;
  u.password = '***';
  return u.toString();
}
