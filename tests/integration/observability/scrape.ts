/** One sample of the Prometheus text exposition. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the text format (enough of it for tests: no timestamps, no exemplars). */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The samples of a series whose labels include the given ones. */
export function select(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

export function total(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return select(samples, name, labels).reduce((n, s) => n + s.value, 0);
}

export async function get(port: number, path: string): Promise<{ status: number; contentType: string; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

export async function scrape(port: number): Promise<{ text: string; samples: Sample[]; contentType: string }> {
  const r = await get(port, '/metrics');
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
  return { text: r.text, samples: parseExposition(r.text), contentType: r.contentType };
}

/** Asks `path` until the answer satisfies `done` (the state it waits for is reached asynchronously). */
export async function waitFor(port: number, path: string, done: (r: { status: number; text: string }) => boolean, timeoutMs = 60_000): Promise<{ status: number; text: string }> {
  const deadline = Date.now() + timeoutMs;
  const seen = new Set<string>();
  for (;;) {
    const r = await get(port, path);
    if (done(r)) return r;
    seen.add(`${r.status} ${r.text}`);
    if (Date.now() > deadline) throw new Error(`${path} did not answer as expected within ${timeoutMs} ms; answers seen: ${[...seen].join(' | ')}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

export function waitForStatus(port: number, path: string, status: number, timeoutMs = 60_000): Promise<{ status: number; text: string }> {
  return waitFor(port, path, (r) => r.status === status, timeoutMs);
}
