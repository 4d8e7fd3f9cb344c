import type { Config } from '../config.ts';
import { describeStack, stackDown, stackStatus, stackUp } from '../stack/resolve.ts';
import { CarestreamError } from '../errors.ts';

const say = (line: string) => process.stderr.write(`${line}\n`);

/** `carestream stack up|down|status` — the managed stack: containers where a runtime answers, else local processes. */
export async function stackCommand(config: Config, args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  switch (verb) {
    case 'up': {
      const started = Date.now();
      const s = await stackUp(config, say);
      say(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s — ${describeStack(s)}`);
      // Machine-readable, for scripts: KAFKA_BROKERS=... lines on stdout.
      process.stdout.write(`KAFKA_BROKERS=${s.kafkaBrokers.join(',')}\nSCHEMA_REGISTRY_URL=${s.registryUrl}\nREDIS_URL=${s.redisUrl}\n`);
      return 0;
    }
    case 'down':
      await stackDown(config, say, rest.includes('--keep-data'));
      return 0;
    case 'status': {
      const rows = await stackStatus(config);
      for (const r of rows) {
        say(`${r.name.padEnd(9)} ${r.answering ? 'up  ' : 'down'} ${r.address.padEnd(48)} ${r.version}${r.pid ? ` pid ${r.pid}` : ''}`);
      }
      return rows.every((r) => r.answering) ? 0 : 3;
    }
    default:
      throw new CarestreamError('CS_ERR_CLI_USAGE', 'usage: carestream stack up | down [--keep-data] | status');
  }
}
