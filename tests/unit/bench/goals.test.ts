import { describe, expect, it } from 'vitest';
import { GOALS, goals } from '../../../bench/report.ts';

type Input = Parameters<typeof goals>[0];

const run = (patch: { eps?: number; redisCpuSeconds?: number; records?: number; rssMiB?: number; bytes?: number; p99?: number }) =>
  goals({
    endToEnd: { ratioToCeiling: 0.1, recordsPerSecond: patch.eps ?? 1, records: patch.records ?? 1_000_000, redisCpuSeconds: patch.redisCpuSeconds ?? 1 },
    latency: patch.p99 === undefined ? null : { offeredRate: 2_000, ms: { p99: patch.p99 } },
    memory: { bytesPerCustomer: patch.bytes ?? 1 },
    service: { peakRssBytes: (patch.rssMiB ?? 1) * 1024 * 1024, cpuSeconds: 1 },
    timers: null,
  } as unknown as Input);

const met = (gs: ReturnType<typeof goals>, name: string) => gs.find((g) => g.goal.startsWith(name))!.met;

describe("the bench judges issue 12's goals", () => {
  it('throughput: 100,000 events/s, and 1.5x the quoted Kafka Streams figure', () => {
    expect(met(run({ eps: 99_999 }), 'end-to-end throughput')).toBe(false);
    expect(met(run({ eps: 100_000 }), 'end-to-end throughput')).toBe(true);
    expect(met(run({ eps: Math.ceil(1.5 * GOALS.peerEventsPerSecond) - 1 }), 'end-to-end / Kafka Streams')).toBe(false);
    expect(met(run({ eps: Math.ceil(1.5 * GOALS.peerEventsPerSecond) }), 'end-to-end / Kafka Streams')).toBe(true);
  });

  it('Redis CPU per event from the end-to-end Redis CPU over the records', () => {
    const at = (seconds: number) => run({ redisCpuSeconds: seconds, records: 1_000_000 });
    expect(at(5).find((g) => g.goal.startsWith('Redis CPU'))!.value).toBe('5.0 us');
    expect(met(at(5), 'Redis CPU')).toBe(true);
    expect(met(at(5.1), 'Redis CPU')).toBe(false);
  });

  it('peak RSS 512 MiB, 700 B per customer, p99 50 ms (not judged when not measured)', () => {
    expect(met(run({ rssMiB: 512 }), 'service peak RSS')).toBe(true);
    expect(met(run({ rssMiB: 513 }), 'service peak RSS')).toBe(false);
    expect(met(run({ bytes: 701 }), 'Redis memory')).toBe(false);
    expect(met(run({ bytes: 700 }), 'Redis memory')).toBe(true);
    expect(met(run({}), 'p99 latency')).toBeNull();
    expect(run({ p99: 51 }).find((g) => g.goal.startsWith('p99'))).toMatchObject({ goal: 'p99 latency at 2,000 events/s', met: false });
  });
});
