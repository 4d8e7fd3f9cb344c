import { defineConfig } from 'vitest/config';

// Two suites: `unit` never does I/O; `integration` runs against the real stack
// that tests/integration/global-setup.ts resolves (explicit settings, containers
// or local processes) and shares between files.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          // A guard against hangs, not a speed check (speeds are the bench's job):
          // the generator's long-stream tests take ~3 s alone and over 5 s on two
          // cores shared with the integration suite.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One broker and one Redis on two cores: files run one after another so
          // each sees the stack to itself; tests inside a file use unique names.
          fileParallelism: false,
        },
      },
      {
        // Not part of `npm test`: `npm run test:chaos` (full) and `test:chaos:short` (CI).
        test: {
          name: 'chaos',
          include: ['tests/chaos/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/integration/global-setup.ts'],
          testTimeout: 40 * 60_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
