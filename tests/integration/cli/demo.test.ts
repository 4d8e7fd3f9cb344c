import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stackEnv } from '../../support/stack.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** A line a log library wrote: pino JSON, or the CLI's plain rendering of a warning or an error. */
function logLine(line: string): string | undefined {
  const t = line.trim();
  if (t.startsWith('{')) return 'a JSON line';
  if (/^carestream: (warning|error|fatal):/.test(t)) return 'a warning or an error';
  if (/\b(WARN|ERROR|FATAL)\b|"level":\s*(40|50|60)/.test(t)) return 'a line at warn or error level';
  return undefined;
}

describe('npm run demo, as a newcomer runs it', () => {
  // Every demo run is a first run: a consumer group of its own
  // (carestream-demo-<time>, positioned where its records begin), the Redis
  // prefix `demo` cleared, topics created where they are missing. So what a
  // newcomer sees the first time is what this run prints.
  it('prints progress and a report, and no JSON log line, warning or error', async () => {
    const env: Record<string, string | undefined> = { ...process.env, ...stackEnv() };
    // As typed at a terminal: no log level asked for.
    delete env.LOG_LEVEL;
    delete env.TEST_LOG_LEVEL;
    const child = spawn('npm', ['run', 'demo'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));

    expect(code, stderr.slice(-2000)).toBe(0);
    const offending = [...stdout.split('\n'), ...stderr.split('\n')].flatMap((l) => (logLine(l) ? [`${logLine(l)}: ${l.slice(0, 200)}`] : []));
    expect(offending).toEqual([]);
    // Progress on stderr, the report on stdout.
    expect(stderr).toContain('carestream demo');
    expect(stderr).toContain('starting carestream and processing them');
    expect(stdout).toContain('== what happened ==');
    expect(stdout).toMatch(/planted scenarios {2}(\d+) of \1 expected outputs found/);
  }, 900_000);
});
