import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// vitest's transform resolves CommonJS named exports that Node's own ESM
// loader cannot (a `import { X } from 'kafkajs'` that type-checks and passes
// every vitest test can still stop `npm start`). So every module is imported
// once by plain Node, the way the service and the CLI load them.
const ENTRY_POINTS = new Set(['src/main.ts', 'src/cli/main.ts']); // they run on import

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('every module under src/', () => {
  it('loads in plain Node (no bundler interop)', () => {
    const root = process.cwd();
    const files = sources(join(root, 'src')).filter((f) => !ENTRY_POINTS.has(relative(root, f)));
    expect(files.length).toBeGreaterThan(50);
    const script = `for (const u of ${JSON.stringify(files.map((f) => pathToFileURL(f).href))}) {
      try { await import(u); } catch (e) { console.log(u + ': ' + e.message); process.exitCode = 1; }
    }`;
    let out = '';
    try {
      out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(out.trim()).toBe('');
  });
});
