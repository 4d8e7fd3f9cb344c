// The `carestream` command: commander parses and checks every argument, prints
// --help and --version, and runs the command's action only when all is well.
// Each command is one module in ./commands/ exporting `register(program, cli)`;
// adding a command is adding a file there.
import { readdirSync, readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { LOG_LEVELS } from '../config.ts';
import { isCarestreamError } from '../errors.ts';
import { printable } from '../text/escape.ts';
import { createCli, EXIT, EXIT_CODES_HELP, type Output, type Register } from './context.ts';

const COMMANDS_DIR = new URL('./commands/', import.meta.url);

/** Every module of ./commands/, by file name. */
async function commandModules(): Promise<{ file: string; register: Register }[]> {
  const files = readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
  return Promise.all(files.map(async (file) => {
    const m = (await import(new URL(file, COMMANDS_DIR).href)) as { register?: unknown };
    if (typeof m.register !== 'function') throw new Error(`src/cli/commands/${file} exports no register(program, cli)`);
    return { file, register: m.register as Register };
  }));
}

const version = (): string => (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const fullName = (c: Command): string => (c.parent ? `${fullName(c.parent)} ${c.name()}` : c.name());

function* commandTree(c: Command): Generator<Command> {
  yield c;
  for (const sub of c.commands) yield* commandTree(sub);
}

/** The program with every command registered; exported for tests that parse in-process. */
export async function buildProgram(output: Output): Promise<{ program: Command; cli: ReturnType<typeof createCli> }> {
  const program = new Command('carestream');
  const cli = createCli(output, () => program.opts<{ logLevel?: string }>());
  program
    .description('Customer-care stream processor: Kafka events to Redis features to fraud-check and outreach tasks.')
    .version(version(), '-V, --version', 'print the version and exit')
    .addOption(new Option('--log-level <level>', 'JSON log lines on stderr at this level (default: LOG_LEVEL, else plain progress lines)').choices(LOG_LEVELS))
    .helpOption('-h, --help', 'show help for the command and exit')
    // Set before the commands are added: commander copies these to each of them.
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err })
    .showSuggestionAfterError(true);
  for (const { register } of await commandModules()) register(program, cli);
  for (const c of commandTree(program)) {
    const name = fullName(c);
    // One line naming the problem and where to read more: never the whole help.
    c.configureOutput({ outputError: (message, write) => write(`${printable(`carestream: ${message.trim().replace(/^error: /, '')} (see ${name} --help)`)}\n`) });
    c.addHelpText('after', EXIT_CODES_HELP);
  }
  return { program, cli };
}

const processOutput: Output = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Runs `carestream <argv>`; resolves to the exit code (EXIT). */
export async function main(argv: string[], output: Output = processOutput): Promise<number> {
  const { program, cli } = await buildProgram(output);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return cli.exitCode;
  } catch (err) {
    // commander has printed the help, the version or the one-line problem already.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (isCarestreamError(err)) {
      output.err(`${printable(`carestream: ${err.code === 'CS_ERR_CONFIG' ? 'configuration error: ' : ''}${err.message}`)}\n`);
      return err.code === 'CS_ERR_CONFIG' ? EXIT.config : err.code === 'CS_ERR_CLI_USAGE' ? EXIT.usage : EXIT.failure;
    }
    // Anything else is unexpected: one line for people, the stack for whoever debugs it.
    const e = err as Error;
    output.err(`${printable(`carestream: ${e.name ?? 'Error'}: ${e.message}`)}\n`);
    if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace' || program.opts().logLevel === 'debug' || program.opts().logLevel === 'trace') output.err(`${e.stack ?? ''}\n`);
    return EXIT.failure;
  }
}
