import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../../bench/options.ts';

describe('bench options', () => {
  it("defaults to issue 7's sizes", () => {
    const o = parseOptions([], {});
    expect(o).toMatchObject({ events: 1_000_000, customers: undefined, days: 90, latencyRate: 2_000, latencySeconds: 60, memorySample: 500, profile: false, timersOffPass: true });
    expect(o.out).toMatch(/bench\/results\/bench\.json$/);
  });

  it('reads BENCH_* variables, and flags win over them', () => {
    const env = { BENCH_EVENTS: '200_000', BENCH_LATENCY_SECONDS: '20', BENCH_PROFILE: '1', BENCH_CUSTOMERS: '300' };
    expect(parseOptions([], env)).toMatchObject({ events: 200_000, latencySeconds: 20, profile: true, customers: 300 });
    expect(parseOptions(['--latency-seconds', '0', '--events', '5000'], env)).toMatchObject({ events: 5000, latencySeconds: 0 });
  });

  it('runs the timers-off pass unless told not to, by flag or variable', () => {
    expect(parseOptions(['--no-timers-off-pass'], {}).timersOffPass).toBe(false);
    expect(parseOptions([], { BENCH_TIMERS_OFF_PASS: '0' }).timersOffPass).toBe(false);
    expect(parseOptions([], { BENCH_TIMERS_OFF_PASS: '1' }).timersOffPass).toBe(true);
  });

  it('runs no scaling pass unless asked for instances, by flag or variable', () => {
    expect(parseOptions([], {}).scalingInstances).toBe(0);
    expect(parseOptions(['--scaling-instances', '2'], {}).scalingInstances).toBe(2);
    expect(parseOptions([], { BENCH_SCALING_INSTANCES: '3' }).scalingInstances).toBe(3);
    expect(() => parseOptions([], { BENCH_SCALING_INSTANCES: '-1' })).toThrow(/--scaling-instances \(BENCH_SCALING_INSTANCES\) must be an integer >= 0/);
  });

  it("leaves the service's V8 heap at its defaults unless given sizes, by flag or variable", () => {
    expect(parseOptions([], {})).toMatchObject({ serviceHeapMiB: 0, serviceSemiSpaceMiB: 0 });
    expect(parseOptions(['--service-heap-mib', '320', '--service-semi-space-mib', '32'], {})).toMatchObject({ serviceHeapMiB: 320, serviceSemiSpaceMiB: 32 });
    expect(parseOptions([], { BENCH_SERVICE_SEMI_SPACE_MIB: '64' }).serviceSemiSpaceMiB).toBe(64);
    expect(() => parseOptions(['--service-semi-space-mib', 'big'], {})).toThrow(/--service-semi-space-mib \(BENCH_SERVICE_SEMI_SPACE_MIB\) must be an integer >= 0/);
  });

  it('refuses what is not a whole number in range, naming the flag and its variable', () => {
    expect(() => parseOptions(['--events', '1e6'], {})).toThrow(/--events \(BENCH_EVENTS\) must be an integer >= 1/);
    expect(() => parseOptions([], { BENCH_LATENCY_RATE: '0' })).toThrow(/--latency-rate/);
    expect(() => parseOptions(['--bogus'], {})).toThrow(/usage: npm run bench/);
  });
});
