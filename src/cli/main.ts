// Entry point of the `carestream` command (bin/carestream.mjs, `npm run carestream --`).
import { main } from './commands.ts';

// A reader that stops early (`carestream tail ... | head`) closes the pipe:
// stop quietly, as Unix tools do, instead of a stack trace for EPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2));
