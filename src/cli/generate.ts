import type { Config } from '../config.ts';
import { writeGenerated } from '../generate/index.ts';
import { EXIT, usageError, type Cli } from './context.ts';

export interface GenerateOptions {
  readonly customers: number;
  readonly days: number;
  readonly seed: number;
  readonly start: string;
  readonly scenarios: boolean;
  readonly out: string;
  readonly labels: string;
}

/**
 * `carestream generate` — a seeded synthetic stream in the replay format, with
 * planted scenarios for every rule and a labels file saying what must fire.
 * Same options and seed, same bytes.
 */
export async function generateCommand(config: Config, o: GenerateOptions, cli: Pick<Cli, 'say'>): Promise<number> {
  const started = Date.now();
  let result;
  try {
    result = await writeGenerated(
      { customers: o.customers, days: o.days, seed: o.seed, start: o.start, timeZone: config.businessTimeZone, scenarios: o.scenarios },
      o.out,
      o.labels,
    );
  } catch (err) {
    // The generator's own checks of its options (a start date that is not one, too few days for the scenarios).
    if (err instanceof RangeError) throw usageError(`generate: ${err.message}`);
    const e = err as NodeJS.ErrnoException;
    if (e.code && e.path) throw usageError(`generate: cannot write ${e.path}: ${e.code}`);
    throw err;
  }
  cli.say(`wrote ${result.events} events to ${o.out} and ${result.labels.expected.length} expected outputs to ${o.labels} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return EXIT.ok;
}
