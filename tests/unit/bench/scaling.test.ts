import { describe, expect, it } from 'vitest';
import { scalingPass, type ScalingInputs } from '../../../bench/scaling.ts';

const base: ScalingInputs = {
  records: 1_000_000,
  // Two instances: 500k records each, from the first assignment (t = 0) to the last commit (t = 40 s).
  instances: [
    { records: 500_000, assignedAt: 0, lastCommitAt: 38_000, cpuSeconds: 30, assignments: 2, maxRssKiB: 512 * 1024 },
    { records: 500_000, assignedAt: 1_000, lastCommitAt: 40_000, cpuSeconds: 30, assignments: 1, maxRssKiB: 400 * 1024 },
  ],
  redisCpuSeconds: 6,
  kafkaCpuSeconds: 8,
  singleEventsPerSecond: 20_000,
  machineCores: 2,
  redisPrimaries: 1,
};

describe('scalingPass', () => {
  it('times the pass from the first assignment to the last commit, and sets it beside the single instance', () => {
    const s = scalingPass(base);
    expect(s.instances).toBe(2);
    expect(s.seconds).toBe(40);
    expect(s.eventsPerSecond).toBe(25_000);
    expect(s.speedup).toBe(1.25);
    expect(s.perInstance.map((p) => [p.eventsPerSecond, p.peakRssMiB, p.assignments])).toEqual([[12_500, 512, 2], [12_500, 400, 1]]);
    // (30 + 30 + 6 + 8) s of CPU over 40 s.
    expect(s.coresBusy).toBe(1.85);
  });

  it("names the machine's cores when everything together keeps them busy", () => {
    expect(scalingPass(base).limit).toMatch(/^the machine's CPU: .* 1\.85 of its 2 cores busy/);
  });

  it('names Redis when its threads are near a core each and the machine is not full', () => {
    const s = scalingPass({ ...base, instances: base.instances.map((i) => ({ ...i, cpuSeconds: 10 })), redisCpuSeconds: 36, kafkaCpuSeconds: 2, machineCores: 4 });
    expect(s.limit).toMatch(/^Redis: 0\.9 cores of Redis CPU over 1 server/);
    // The same CPU over three primaries is 0.3 cores each: not Redis.
    expect(scalingPass({ ...base, instances: base.instances.map((i) => ({ ...i, cpuSeconds: 10 })), redisCpuSeconds: 36, kafkaCpuSeconds: 2, machineCores: 4, redisPrimaries: 3 }).limit).toMatch(/^neither/);
  });

  it('says neither when CPU is left on the machine and in Redis', () => {
    expect(scalingPass({ ...base, instances: base.instances.map((i) => ({ ...i, cpuSeconds: 5 })), redisCpuSeconds: 4, kafkaCpuSeconds: null, machineCores: 8 }).limit).toMatch(/^neither the machine's CPU \(0\.35 of 8 cores\)/);
  });
});
