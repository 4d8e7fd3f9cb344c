// The service's entry point (`npm start`, the container's command): the same as
// `carestream run`.
import { main } from './cli/commands.ts';

process.exitCode = await main(['run', ...process.argv.slice(2)]);
