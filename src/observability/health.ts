import type { Route } from './http.ts';
import { json } from './http.ts';

/** What readiness is made of, read when /readyz is asked. */
export interface ReadinessState {
  /** Start-up finished: Kafka connected, schemas registered, Redis connected (and still is). */
  readonly connected: boolean;
  /** Whether this instance consumes (CLI helpers serve without consuming). */
  readonly consuming: boolean;
  readonly assignedPartitions: number;
  /** A shard's lost Redis state is being rebuilt. */
  readonly rebuilding: boolean;
  /** A chunk failed and none has committed since. */
  readonly degraded: boolean;
}

export interface Readiness {
  readonly ready: boolean;
  /** Every condition, true when it holds. */
  readonly checks: { connected: boolean; partitionsAssigned: boolean; notRebuilding: boolean; notDegraded: boolean };
  /** The names of the conditions that do not hold. */
  readonly failing: string[];
}

export function readiness(s: ReadinessState): Readiness {
  const checks = {
    connected: s.connected,
    partitionsAssigned: !s.consuming || s.assignedPartitions > 0,
    notRebuilding: !s.rebuilding,
    notDegraded: !s.degraded,
  };
  const failing = Object.entries(checks).filter(([, ok]) => !ok).map(([name]) => name);
  return { ready: failing.length === 0, checks, failing };
}

/** /healthz: the process runs and answers. */
export const livenessRoute: Route = (_req, res) => json(res, 200, { status: 'alive' });

/** /readyz: 200 when every condition holds, else 503 naming the ones that do not. */
export function readinessRoute(state: () => ReadinessState): Route {
  return (_req, res) => {
    const r = readiness(state());
    json(res, r.ready ? 200 : 503, r);
  };
}
