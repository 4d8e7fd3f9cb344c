// Pure helpers of the benchmark: percentiles, Redis INFO parsing and diffs.

export interface Distribution {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentiles of the values (sorted in place). */
export function distribution(values: number[]): Distribution | undefined {
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  const rank = (p: number) => values[Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1))]!;
  return {
    count: values.length,
    min: values[0]!,
    p50: rank(50),
    p95: rank(95),
    p99: rank(99),
    max: values.at(-1)!,
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  };
}

/** `field:value` lines of a Redis INFO section. */
export function infoFields(info: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}

export function infoNumber(info: string, field: string): number {
  const v = infoFields(info).get(field);
  if (v === undefined || Number.isNaN(Number(v))) throw new Error(`INFO has no numeric ${field}`);
  return Number(v);
}

export interface CommandStat {
  readonly calls: number;
  readonly usec: number;
}

/** `cmdstat_evalsha:calls=1,usec=2,...` lines of INFO commandstats. */
export function parseCommandStats(info: string): Map<string, CommandStat> {
  const out = new Map<string, CommandStat>();
  for (const [field, value] of infoFields(info)) {
    if (!field.startsWith('cmdstat_')) continue;
    const kv = new Map(value.split(',').map((p) => p.split('=') as [string, string]));
    out.set(field.slice('cmdstat_'.length), { calls: Number(kv.get('calls') ?? 0), usec: Number(kv.get('usec') ?? 0) });
  }
  return out;
}

export interface CommandDelta {
  readonly command: string;
  readonly calls: number;
  readonly usec: number;
  readonly usecPerCall: number;
  /** Share of the usec of every command in the interval. */
  readonly share: number;
}

/** Commands run between two INFO commandstats snapshots, by time spent, most first. */
export function commandStatsDelta(before: Map<string, CommandStat>, after: Map<string, CommandStat>): CommandDelta[] {
  const rows = [...after].map(([command, a]) => {
    const b = before.get(command) ?? { calls: 0, usec: 0 };
    return { command, calls: a.calls - b.calls, usec: a.usec - b.usec };
  }).filter((r) => r.calls > 0);
  const total = rows.reduce((n, r) => n + r.usec, 0) || 1;
  return rows
    .map((r) => ({ ...r, usecPerCall: Math.round((r.usec / r.calls) * 10) / 10, share: Math.round((r.usec / total) * 1000) / 1000 }))
    .sort((a, b) => b.usec - a.usec);
}

export const round = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
