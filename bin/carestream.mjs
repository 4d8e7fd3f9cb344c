#!/usr/bin/env node
// Launcher for the `carestream` command. The code is TypeScript run by Node's
// type stripping (Node 22.18+/24); on an older system Node this re-runs itself
// with the Node 24 that `npm ci` installed from the npm registry.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
if (process.features.typescript) {
  await import(main);
} else {
  const node = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(node)) {
    console.error(`carestream: Node ${process.versions.node} cannot run TypeScript; run \`npm ci\` first (it installs Node 24) or use Node 24+`);
    process.exit(1);
  }
  const r = spawnSync(node, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
