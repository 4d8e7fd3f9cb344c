import type { Histogram } from 'prom-client';

type AsyncMethod = (...args: never[]) => Promise<unknown>;
type AsyncMethodNames<T> = { [K in keyof T]: T[K] extends AsyncMethod ? K : never }[keyof T] & string;

/**
 * Times methods of an object that each run one pipelined round trip to Redis
 * (LocalStateStore.loadCustomers: load-customers, writeCustomers: the
 * write-customer script), from outside the object: each named method is replaced,
 * on this instance only, by one that observes its duration under
 * `script=<label>`. A call whose first argument is an empty list sends
 * nothing and is not observed.
 */
export function timeScriptCalls<T extends object>(target: T, scripts: Partial<Record<AsyncMethodNames<T>, string>>, histogram: Histogram<'script'>): T {
  for (const [method, script] of Object.entries(scripts) as [string, string][]) {
    const original = (target as Record<string, unknown>)[method];
    if (typeof original !== 'function') continue;
    const child = histogram.labels({ script });
    Object.defineProperty(target, method, {
      configurable: true,
      writable: true,
      value: async function timed(this: unknown, ...args: unknown[]) {
        if (Array.isArray(args[0]) && args[0].length === 0) return original.apply(this, args);
        const end = child.startTimer();
        try {
          return await original.apply(this, args);
        } finally {
          end();
        }
      },
    });
  }
  return target;
}
