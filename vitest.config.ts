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
          // The cluster/ folder needs the cluster project's Redis Cluster.
          exclude: ['tests/integration/cluster/**'],
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
        // Issue 12: the service's state on a Redis Cluster of three primaries of
        // its own (tests/integration/cluster-setup.ts). The files that hold the
        // state layer to its contract run again there, and cluster/ compares the
        // cluster with one server.
        test: {
          name: 'cluster',
          include: [
            'tests/integration/cluster/**/*.test.ts',
            'tests/integration/state/shard-local-state.test.ts',
            'tests/integration/api/care-tasks.test.ts',
            'tests/integration/rules/time-triggers.test.ts',
            'tests/integration/rules/time-triggers-kill.test.ts',
          ],
          environment: 'node',
          globalSetup: ['tests/integration/cluster-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          // After unit and integration (group 0), never beside them: two services on the shared topics would see each other's outputs.
          sequence: { groupOrder: 1 },
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
