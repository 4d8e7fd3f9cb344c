// Self time by function and by area of a V8 .cpuprofile (node --cpu-prof):
// `node bench/profile-summary.ts <file.cpuprofile> [top]` prints it; bench.ts
// uses summarise() on the service's profile.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  /** Share of the busy (not idle) time. */
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly seconds: number;
  readonly busySeconds: number;
  readonly functions: SelfTime[];
  readonly areas: SelfTime[];
}

const ROOT = new URL('../', import.meta.url).href;

/** Where a function lives: a package, a folder of src/, Node itself, or V8's own buckets. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const rel = url.startsWith(ROOT) ? url.slice(ROOT.length) : url;
  const m = /^(src\/[^/]+|bench|tests)\//.exec(rel);
  return m ? m[1]! : rel;
}

function label(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  if (!url) return functionName || '(anonymous)';
  const rel = url.startsWith(ROOT) ? url.slice(ROOT.length) : url.replace(/^.*node_modules\//, '');
  return `${functionName || '(anonymous)'} ${rel}:${lineNumber + 1}`;
}

export function summarise(file: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const area = new Map<string, number>();
  // timeDeltas[i] is the time since the previous sample: charged to sample i.
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!);
    if (!n) continue;
    const us = p.timeDeltas[i] ?? 0;
    if (n.callFrame.functionName === '(idle)') continue;
    const l = label(n);
    fn.set(l, (fn.get(l) ?? 0) + us);
    const a = areaOf(n.callFrame.url, n.callFrame.functionName);
    area.set(a, (area.get(a) ?? 0) + us);
  }
  const busy = [...fn.values()].reduce((a, b) => a + b, 0) || 1;
  const rows = (m: Map<string, number>, k: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: Math.round((us / busy) * 1000) / 1000 }));
  return {
    file,
    seconds: Math.round((p.endTime - p.startTime) / 1e4) / 100,
    busySeconds: Math.round(busy / 1e4) / 100,
    functions: rows(fn, top),
    areas: rows(area, 15),
  };
}

export function formatSummary(s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);
  return [
    `profile ${s.file}: ${s.seconds} s recorded, ${s.busySeconds} s busy`,
    'self time by area:',
    ...s.areas.map((r) => `  ${pct(r.share)} ${String(r.ms).padStart(7)} ms  ${r.name}`),
    'self time by function:',
    ...s.functions.map((r) => `  ${pct(r.share)} ${String(r.ms).padStart(7)} ms  ${r.name}`),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatSummary(summarise(file, Number(process.argv[3] ?? 25)))}\n`);
}
