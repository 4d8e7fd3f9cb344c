import { round } from './stats.ts';

/**
 * Issue 12's scaling figure: the end-to-end pass run again over the same
 * records by several service instances in one consumer group (own group and
 * Redis prefix), beside the single instance's figure, and what limits it.
 */
export interface ScalingPass {
  readonly what: string;
  readonly instances: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** The single instance's end-to-end figure of the same run (timers on), and this pass's throughput over it. */
  readonly singleEventsPerSecond: number;
  readonly speedup: number;
  readonly perInstance: readonly { readonly records: number; readonly eventsPerSecond: number; readonly cpuSeconds: number; readonly assignments: number; readonly peakRssMiB: number }[];
  readonly redisCpuSeconds: number;
  readonly kafkaCpuSeconds: number | null;
  /** CPU of the services, Redis and Kafka over the pass, in cores, and the machine's cores. */
  readonly coresBusy: number;
  readonly machineCores: number;
  readonly limit: string;
}

export interface ScalingInputs {
  readonly records: number;
  readonly instances: readonly { readonly records: number; readonly assignedAt: number; readonly lastCommitAt: number; readonly cpuSeconds: number; readonly assignments: number; readonly maxRssKiB: number }[];
  readonly redisCpuSeconds: number;
  readonly kafkaCpuSeconds: number | null;
  readonly singleEventsPerSecond: number;
  readonly machineCores: number;
  /** Redis servers the CPU is summed over: 1, or a cluster's primaries. */
  readonly redisPrimaries: number;
}

/** The figures from what the pass measured, and the resource that bounds them. Pure. */
export function scalingPass(i: ScalingInputs): ScalingPass {
  const from = Math.min(...i.instances.map((s) => s.assignedAt));
  const to = Math.max(...i.instances.map((s) => s.lastCommitAt));
  const seconds = (to - from) / 1000;
  const serviceCpu = i.instances.reduce((a, s) => a + s.cpuSeconds, 0);
  const coresBusy = (serviceCpu + i.redisCpuSeconds + (i.kafkaCpuSeconds ?? 0)) / seconds;
  const redisCores = i.redisCpuSeconds / seconds;
  const eventsPerSecond = Math.round(i.records / seconds);
  // The machine's cores first (everything shares them here), then Redis threads near one core each, else neither.
  const limit =
    coresBusy >= 0.85 * i.machineCores
      ? `the machine's CPU: services, Redis and Kafka together keep ${round(coresBusy, 2)} of its ${i.machineCores} cores busy, so another instance on this machine only shares them`
      : redisCores / i.redisPrimaries >= 0.85
        ? `Redis: ${round(redisCores, 2)} cores of Redis CPU over ${i.redisPrimaries} server(s), near the one core each Redis thread can use`
        : `neither the machine's CPU (${round(coresBusy, 2)} of ${i.machineCores} cores) nor Redis (${round(redisCores, 2)} cores): waiting (Kafka round trips, transactions)`;
  return {
    what: `the end-to-end pass (timers on) run again over the same records by ${i.instances.length} service instances in one consumer group (own group and Redis prefix, before the single instance's pass); time from the first assignment to the last commit of any instance`,
    instances: i.instances.length,
    seconds: round(seconds, 3),
    eventsPerSecond,
    singleEventsPerSecond: i.singleEventsPerSecond,
    speedup: round(eventsPerSecond / Math.max(1, i.singleEventsPerSecond), 3),
    perInstance: i.instances.map((s) => ({
      records: s.records,
      eventsPerSecond: Math.round(s.records / seconds),
      cpuSeconds: round(s.cpuSeconds, 2),
      assignments: s.assignments,
      peakRssMiB: Math.round(s.maxRssKiB / 1024),
    })),
    redisCpuSeconds: round(i.redisCpuSeconds, 2),
    kafkaCpuSeconds: i.kafkaCpuSeconds === null ? null : round(i.kafkaCpuSeconds, 2),
    coresBusy: round(coresBusy, 2),
    machineCores: i.machineCores,
    limit,
  };
}
