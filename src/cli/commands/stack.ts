import type { Command } from 'commander';
import { describeStack, stackDown, stackStatus, stackUp } from '../../stack/resolve.ts';
import { EXIT, type Cli } from '../context.ts';

/** `carestream stack up|down|status` — the managed stack: containers where a runtime answers, else local processes. */
export function register(program: Command, cli: Cli): void {
  const stack = program
    .command('stack')
    .description('the managed stack: labelled containers where a runtime answers, else local processes (README, "The stack")');
  stack
    .command('up')
    .description('start the stack, or find it running; prints KAFKA_BROKERS=... lines on stdout for scripts')
    .action(cli.action(async () => {
      const started = Date.now();
      const s = await stackUp(cli.config(), cli.say);
      cli.say(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s — ${describeStack(s)}`);
      process.stdout.write(`KAFKA_BROKERS=${s.kafkaBrokers.join(',')}\nSCHEMA_REGISTRY_URL=${s.registryUrl}\nREDIS_URL=${s.redisUrl}\n`);
      return EXIT.ok;
    }));
  stack
    .command('down')
    .description('stop the stack and delete its data')
    .option('--keep-data', 'only stop it: the next `stack up` starts it again with its topics and schemas', false)
    .action(cli.action(async (o: { keepData: boolean }) => {
      await stackDown(cli.config(), cli.say, o.keepData);
      return EXIT.ok;
    }));
  stack
    .command('status')
    .description('what runs, where, which pid or container (exit 3 when a component does not answer)')
    .action(cli.action(async () => {
      const rows = await stackStatus(cli.config());
      for (const r of rows) {
        process.stdout.write(`${r.name.padEnd(9)} ${r.answering ? 'up  ' : 'down'} ${r.address.padEnd(48)} ${r.version}${r.pid ? ` pid ${r.pid}` : ''}\n`);
      }
      return rows.every((r) => r.answering) ? EXIT.ok : EXIT.stackDown;
    }));
}
