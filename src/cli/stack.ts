import type { Config } from '../config.ts';
import { defaultStackDir, localDown, localStatus, localUp } from '../stack/local/index.ts';
import { resolveStack, describeStack } from '../stack/resolve.ts';
import { CarestreamError } from '../errors.ts';

const say = (line: string) => process.stderr.write(`${line}\n`);

/** `carestream stack up|down|status` — the local stack of real processes. */
export async function stackCommand(config: Config, args: string[]): Promise<number> {
  const dir = config.stack.dir ?? defaultStackDir();
  const [verb, ...rest] = args;
  switch (verb) {
    case 'up': {
      const started = Date.now();
      const s = config.stack.mode === 'containers' ? await resolveStack(config, say) : await localUp(dir, say);
      say(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s — ${describeStack(s)}`);
      // Machine-readable, for scripts: KAFKA_BROKERS=... lines on stdout.
      process.stdout.write(`KAFKA_BROKERS=${s.kafkaBrokers.join(',')}\nSCHEMA_REGISTRY_URL=${s.registryUrl}\nREDIS_URL=${s.redisUrl}\n`);
      return 0;
    }
    case 'down':
      await localDown(dir, say, !rest.includes('--keep-data'));
      return 0;
    case 'status': {
      const rows = await localStatus(dir);
      for (const r of rows) {
        say(`${r.name.padEnd(9)} ${r.answering ? 'up  ' : 'down'} ${r.address.padEnd(48)} ${r.version}${r.pid ? ` pid ${r.pid}` : ''}`);
      }
      return rows.every((r) => r.answering) ? 0 : 3;
    }
    default:
      throw new CarestreamError('CS_ERR_CLI_USAGE', 'usage: carestream stack up | down [--keep-data] | status');
  }
}
