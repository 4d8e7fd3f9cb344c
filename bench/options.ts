import { parseArgs } from 'node:util';

/** What `npm run bench` measures and how big; the defaults are issue 7's sizes. */
export interface BenchOptions {
  /** Pre-loaded history: at least this many events (customers are chosen to reach it). */
  readonly events: number;
  /** Customers of the history; undefined: as many as `events` needs. */
  readonly customers: number | undefined;
  readonly days: number;
  readonly seed: number;
  /** Offered load of the latency phase, events/s. */
  readonly latencyRate: number;
  /** Length of the latency phase; 0 skips it. */
  readonly latencySeconds: number;
  /** Customers whose Redis keys get a MEMORY USAGE. */
  readonly memorySample: number;
  /** Run the service under --cpu-prof and summarise the profile. */
  readonly profile: boolean;
  /** Run the end-to-end pass a second time with timers off, for their cost (issue 13). */
  readonly timersOffPass: boolean;
  /** Run the end-to-end pass again with this many instances in one group (issue 12's scaling figure); below 2 skips it. */
  readonly scalingInstances: number;
  /** The service's V8 old-space limit in MiB (--max-old-space-size), as a deployment would set it; 0: V8's default. */
  readonly serviceHeapMiB: number;
  /** The service's V8 young-generation semi-space in MiB (--max-semi-space-size); 0: V8's default. */
  readonly serviceSemiSpaceMiB: number;
  /** Where the JSON goes. */
  readonly out: string;
}

export const USAGE = `usage: npm run bench -- [--events N] [--customers N] [--days D] [--seed S]
                        [--latency-rate R] [--latency-seconds T] [--memory-sample K] [--profile]
                        [--no-timers-off-pass] [--scaling-instances N] [--service-heap-mib M]
                        [--service-semi-space-mib M] [--out FILE]
  or the same as BENCH_EVENTS, BENCH_CUSTOMERS, BENCH_DAYS, BENCH_SEED, BENCH_LATENCY_RATE,
  BENCH_LATENCY_SECONDS, BENCH_MEMORY_SAMPLE, BENCH_PROFILE=1, BENCH_TIMERS_OFF_PASS=0,
  BENCH_SCALING_INSTANCES, BENCH_SERVICE_HEAP_MIB,
  BENCH_SERVICE_SEMI_SPACE_MIB, BENCH_OUT (flags win)`;

const SPEC = {
  events: { env: 'BENCH_EVENTS', def: '1000000', min: 1 },
  customers: { env: 'BENCH_CUSTOMERS', def: undefined, min: 1 },
  days: { env: 'BENCH_DAYS', def: '90', min: 1 },
  seed: { env: 'BENCH_SEED', def: '7', min: Number.MIN_SAFE_INTEGER },
  'latency-rate': { env: 'BENCH_LATENCY_RATE', def: '2000', min: 1 },
  'latency-seconds': { env: 'BENCH_LATENCY_SECONDS', def: '60', min: 0 },
  'memory-sample': { env: 'BENCH_MEMORY_SAMPLE', def: '500', min: 1 },
  'scaling-instances': { env: 'BENCH_SCALING_INSTANCES', def: '0', min: 0 },
  'service-heap-mib': { env: 'BENCH_SERVICE_HEAP_MIB', def: '0', min: 0 },
  'service-semi-space-mib': { env: 'BENCH_SERVICE_SEMI_SPACE_MIB', def: '0', min: 0 },
} as const;

type IntName = keyof typeof SPEC;

export function parseOptions(argv: readonly string[], env: Record<string, string | undefined>): BenchOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(Object.keys(SPEC).map((k) => [k, { type: 'string' as const }])),
        profile: { type: 'boolean' },
        'no-timers-off-pass': { type: 'boolean' },
        out: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${USAGE}`);
  }
  const int = (name: IntName): number | undefined => {
    const s = SPEC[name];
    const raw = (values[name] as string | undefined) ?? env[s.env] ?? s.def;
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw.replaceAll('_', ''));
    if (!/^-?[\d_]+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < s.min) throw new Error(`--${name} (${s.env}) must be an integer >= ${s.min}\n${USAGE}`);
    return n;
  };
  const profileEnv = env.BENCH_PROFILE;
  const offPassEnv = env.BENCH_TIMERS_OFF_PASS;
  return {
    events: int('events')!,
    customers: int('customers'),
    days: int('days')!,
    seed: int('seed')!,
    latencyRate: int('latency-rate')!,
    latencySeconds: int('latency-seconds')!,
    memorySample: int('memory-sample')!,
    scalingInstances: int('scaling-instances')!,
    serviceHeapMiB: int('service-heap-mib')!,
    serviceSemiSpaceMiB: int('service-semi-space-mib')!,
    profile: (values.profile as boolean | undefined) ?? (profileEnv === '1' || profileEnv === 'true'),
    timersOffPass: values['no-timers-off-pass'] === true ? false : !(offPassEnv === '0' || offPassEnv === 'false'),
    out: (values.out as string | undefined) ?? env.BENCH_OUT ?? new URL('./results/bench.json', import.meta.url).pathname,
  };
}
