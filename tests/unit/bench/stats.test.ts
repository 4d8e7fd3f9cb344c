import { describe, expect, it } from 'vitest';
import { commandStatsDelta, distribution, infoNumber, parseCommandStats } from '../../../bench/stats.ts';
import { sampleNumbers } from '../../../bench/redis-probe.ts';
import { areaOf } from '../../../bench/profile-summary.ts';

describe('distribution', () => {
  it('gives nearest-rank percentiles', () => {
    const d = distribution(Array.from({ length: 100 }, (_, i) => 100 - i))!;
    expect(d).toMatchObject({ count: 100, min: 1, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
  });
  it('has nothing to say about no values', () => {
    expect(distribution([])).toBeUndefined();
  });
  it('takes the one value of a single sample for every percentile', () => {
    expect(distribution([7])).toMatchObject({ p50: 7, p99: 7, max: 7 });
  });
});

describe('Redis INFO', () => {
  const before = '# Commandstats\r\ncmdstat_evalsha:calls=10,usec=1000,usec_per_call=100.00,rejected_calls=0,failed_calls=0\r\ncmdstat_get:calls=5,usec=10\r\n';
  const after = '# Commandstats\r\ncmdstat_evalsha:calls=30,usec=5000,usec_per_call=166.67\r\ncmdstat_get:calls=5,usec=10\r\ncmdstat_set:calls=4,usec=1000\r\n';

  it('diffs commandstats into calls, time per call and share, busiest first, idle commands left out', () => {
    const rows = commandStatsDelta(parseCommandStats(before), parseCommandStats(after));
    expect(rows).toEqual([
      { command: 'evalsha', calls: 20, usec: 4000, usecPerCall: 200, share: 0.8 },
      { command: 'set', calls: 4, usec: 1000, usecPerCall: 250, share: 0.2 },
    ]);
  });

  it('reads a numeric field and refuses a missing one', () => {
    expect(infoNumber('# Memory\r\nused_memory:12345\r\nused_memory_human:12K\r\n', 'used_memory')).toBe(12345);
    expect(() => infoNumber('# Memory\r\n', 'used_memory')).toThrow(/used_memory/);
  });
});

describe('sampleNumbers', () => {
  it('picks k distinct numbers of 1..n, the same ones for the same seed', () => {
    const a = sampleNumbers(1000, 50, 7);
    expect(new Set(a).size).toBe(50);
    expect(a.every((x) => x >= 1 && x <= 1000)).toBe(true);
    expect(sampleNumbers(1000, 50, 7)).toEqual(a);
    expect(sampleNumbers(1000, 50, 8)).not.toEqual(a);
  });
  it('takes everyone when asked for more than there are', () => {
    expect(sampleNumbers(3, 10, 1).sort()).toEqual([1, 2, 3]);
  });
});

describe('areaOf', () => {
  it('names the package, the src folder, Node or V8 a profiled function belongs to', () => {
    expect(areaOf('file:///app/node_modules/ioredis/built/resp/decoder.js', 'decode')).toBe('ioredis');
    expect(areaOf('file:///app/node_modules/@kafkajs/confluent-schema-registry/dist/x.js', 'f')).toBe('@kafkajs/confluent-schema-registry');
    expect(areaOf(new URL('../../../src/state/store.ts', import.meta.url).href, 'apply')).toBe('src/state');
    expect(areaOf('node:internal/crypto/hash', 'Hmac')).toBe('node internals');
    expect(areaOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(areaOf('', 'writeBuffer')).toBe('(native)');
  });
});
