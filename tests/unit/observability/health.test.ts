import { describe, expect, it } from 'vitest';
import { readiness, type ReadinessState } from '../../../src/observability/health.ts';

const ok: ReadinessState = { connected: true, consuming: true, assignedPartitions: 3, rebuilding: false, degraded: false };

describe('readiness', () => {
  it('is ready when connected, assigned, not rebuilding and not degraded', () => {
    expect(readiness(ok)).toEqual({ ready: true, checks: { connected: true, partitionsAssigned: true, notRebuilding: true, notDegraded: true }, failing: [] });
  });

  it.each([
    [{ connected: false }, 'connected'],
    [{ assignedPartitions: 0 }, 'partitionsAssigned'],
    [{ rebuilding: true }, 'notRebuilding'],
    [{ degraded: true }, 'notDegraded'],
  ] as const)('is not ready with %o and names %s', (change, name) => {
    const r = readiness({ ...ok, ...change });
    expect(r.ready).toBe(false);
    expect(r.failing).toEqual([name]);
    expect(r.checks[name]).toBe(false);
  });

  it('needs no partitions when the instance does not consume', () => {
    expect(readiness({ ...ok, consuming: false, assignedPartitions: 0 }).ready).toBe(true);
  });

  it('names every failing condition', () => {
    expect(readiness({ connected: false, consuming: true, assignedPartitions: 0, rebuilding: true, degraded: true }).failing).toEqual(['connected', 'partitionsAssigned', 'notRebuilding', 'notDegraded']);
  });
});
