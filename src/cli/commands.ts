import { loadConfig, type Config } from '../config.ts';
import { CarestreamError, isCarestreamError } from '../errors.ts';
import { stackCommand } from './stack.ts';
import { runCommand } from './run.ts';
import { replayCommand } from './replay.ts';
import { tailCommand } from './tail.ts';
import { inspectCommand } from './inspect.ts';
import { generateCommand } from './generate.ts';
import { explainCommand } from './explain.ts';
import { demoCommand } from './demo.ts';

type Command = (config: Config, args: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  demo: { run: demoCommand, help: '[--customers N] [--days D] — a synthetic bank through carestream, with a report (leaves the stack running)' },
  run: { run: runCommand, help: 'start the service against the resolved stack (creates topics and schemas)' },
  replay: { run: replayCommand, help: '<file.jsonl> — produce replay-format lines to their topics' },
  tail: { run: tailCommand, help: '<topic> [--from-beginning] [--max N] [--idle-ms MS] — print records as replay-format lines' },
  inspect: { run: inspectCommand, help: "<customerId> — the customer's current features as JSON" },
  explain: { run: explainCommand, help: '<customerId> [--json] — why this customer was or was not contacted' },
  generate: { run: generateCommand, help: '[--customers N] [--days D] [--seed S] [--start DATE] — a synthetic stream with planted scenarios and labels' },
  stack: { run: stackCommand, help: 'up | down [--keep-data] | status — the local stack of real processes' },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  carestream ${name.padEnd(10)} ${c.help}`);
  return ['usage:', ...lines].join('\n');
}

/** Exit codes: 0 ok, 1 failure, 2 usage, 78 configuration (EX_CONFIG). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new CarestreamError('CS_ERR_CLI_USAGE', `unknown command "${name}"\n${usage()}`);
    return await command.run(loadConfig(), args);
  } catch (err) {
    if (isCarestreamError(err)) {
      process.stderr.write(`carestream: ${err.code === 'CS_ERR_CONFIG' ? 'configuration error: ' : ''}${err.message}\n`);
      return err.code === 'CS_ERR_CONFIG' ? 78 : err.code === 'CS_ERR_CLI_USAGE' ? 2 : 1;
    }
    // Anything else is unexpected: one line for people, the stack for whoever debugs it.
    const e = err as Error;
    process.stderr.write(`carestream: ${e.name ?? 'Error'}: ${e.message}\n`);
    if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') process.stderr.write(`${e.stack ?? ''}\n`);
    return 1;
  }
}

