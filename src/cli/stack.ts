import type { Config } from '../config.ts';
import { describeStack, stackDown, stackStatus, stackUp } from '../stack/resolve.ts';
import { EXIT, type Cli } from './context.ts';

/** `carestream stack up`: progress on stderr, the endpoints as KAFKA_BROKERS=... lines on stdout for scripts. */
export async function stackUpCommand(config: Config, cli: Pick<Cli, 'say'>): Promise<number> {
  const started = Date.now();
  const s = await stackUp(config, cli.say);
  cli.say(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s — ${describeStack(s)}`);
  process.stdout.write(`KAFKA_BROKERS=${s.kafkaBrokers.join(',')}\nSCHEMA_REGISTRY_URL=${s.registryUrl}\nREDIS_URL=${s.redisUrl}\n`);
  return EXIT.ok;
}

/** `carestream stack down [--keep-data]`. */
export async function stackDownCommand(config: Config, o: { keepData: boolean }, cli: Pick<Cli, 'say'>): Promise<number> {
  await stackDown(config, cli.say, o.keepData);
  return EXIT.ok;
}

/** `carestream stack status`: one row per component on stdout; exit 3 when one does not answer. */
export async function stackStatusCommand(config: Config): Promise<number> {
  const rows = await stackStatus(config);
  for (const r of rows) {
    process.stdout.write(`${r.name.padEnd(9)} ${r.answering ? 'up  ' : 'down'} ${r.address.padEnd(48)} ${r.version}${r.pid ? ` pid ${r.pid}` : ''}\n`);
  }
  return rows.every((r) => r.answering) ? EXIT.ok : EXIT.stackDown;
}
