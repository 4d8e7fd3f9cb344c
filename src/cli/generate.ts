import { parseArgs } from 'node:util';
import type { Config } from '../config.ts';
import { writeGenerated } from '../generate/index.ts';
import { CarestreamError } from '../errors.ts';

const USAGE = 'usage: carestream generate [--customers N] [--days D] [--seed S] [--start YYYY-MM-DD] [--no-scenarios] [--out events.jsonl] [--labels labels.json]';

/**
 * `carestream generate` — a seeded synthetic stream in the replay format, with
 * planted scenarios for every rule and a labels file saying what must fire.
 * Same options and seed, same bytes.
 */
export async function generateCommand(config: Config, argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        customers: { type: 'string', default: '1000' },
        days: { type: 'string', default: '60' },
        seed: { type: 'string', default: '42' },
        start: { type: 'string', default: '2026-06-01' },
        'no-scenarios': { type: 'boolean', default: false },
        out: { type: 'string', default: 'events.jsonl' },
        labels: { type: 'string', default: 'labels.json' },
      },
    }));
  } catch (err) {
    throw new CarestreamError('CS_ERR_CLI_USAGE', `${(err as Error).message}\n${USAGE}`);
  }
  const num = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new CarestreamError('CS_ERR_CLI_USAGE', `--${name} must be an integer\n${USAGE}`);
    return n;
  };
  const started = Date.now();
  let result;
  try {
    result = await writeGenerated(
      {
        customers: num('customers', values.customers),
        days: num('days', values.days),
        seed: num('seed', values.seed),
        start: values.start,
        timeZone: config.businessTimeZone,
        scenarios: !values['no-scenarios'],
      },
      values.out,
      values.labels,
    );
  } catch (err) {
    if (err instanceof RangeError) throw new CarestreamError('CS_ERR_CLI_USAGE', `${err.message}\n${USAGE}`);
    throw err;
  }
  process.stderr.write(
    `wrote ${result.events} events to ${values.out} and ${result.labels.expected.length} expected outputs to ${values.labels} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}
