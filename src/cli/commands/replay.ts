import { open, type FileHandle } from 'node:fs/promises';
import type { Command } from 'commander';
import { usageError, type Cli } from '../context.ts';

export function register(program: Command, cli: Cli): void {
  program
    .command('replay')
    .description('produce each line of a replay file ({"topic", "key"?, "value"}, the JSON form of docs/EVENTS.md) to its topic through the registry, in file order')
    .argument('<file>', 'a .jsonl file; blank lines and lines starting with # are skipped')
    .addHelpText('after', '\nThe file is opened before anything connects: a missing one stops the command at once (exit 2).\nThe output of `carestream tail --format json` is a replay file.')
    .action(cli.action(async (file: string) => {
      const config = cli.config();
      const input = await openFile(file);
      return (await import('../replay.ts')).replayCommand(config, input, cli);
    }));
}

const CODES: Readonly<Record<string, string>> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'a part of the path is not a directory' };

/** Opens the file for reading, or says in one line why it cannot be (exit 2). */
async function openFile(file: string): Promise<{ name: string; handle: FileHandle }> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'r');
    if (!(await handle.stat()).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    return { name: file, handle };
  } catch (err) {
    await handle?.close();
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw usageError(`replay: cannot read ${file}: ${CODES[code] ?? code}`);
  }
}
