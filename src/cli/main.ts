// Entry point of the `carestream` command (bin/carestream.mjs, `npm run carestream --`).
import { main } from './commands.ts';

process.exitCode = await main(process.argv.slice(2));
