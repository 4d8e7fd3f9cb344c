// The reference model (tests/support/reference-model.ts) is the oracle for the
// feature engine only while it shares none of its code: no import, direct or
// through another module, may reach src/features/, and the engine may not
// import the tests' support code.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

/** Relative imports of a module, resolved to files (type-only imports included: they still couple). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) out.push(resolve(dirname(file), m[1]!));
  return out;
}

function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const g of importsOf(f)) todo.push(g);
  }
  return seen;
}

describe('independence of the reference model and the feature engine', () => {
  it('nothing the reference model imports, directly or not, lies in src/features/', () => {
    const files = [...reachable(join(ROOT, 'tests/support/reference-model.ts'))].map((f) => f.slice(ROOT.length + 1));
    expect(files.length).toBeGreaterThan(3);
    expect(files.filter((f) => f.startsWith('src/features/'))).toEqual([]);
  });

  it('src/features/ imports nothing from tests/', () => {
    const dir = join(ROOT, 'src/features');
    const bad = readdirSync(dir).flatMap((f) => [...reachable(join(dir, f))]).filter((f) => f.startsWith(join(ROOT, 'tests')));
    expect(bad).toEqual([]);
  });
});
