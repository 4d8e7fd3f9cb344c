// The service's entry point (`npm start`, the container's command): the same as
// `carestream run`. It exits once stopped, whatever a client library still
// holds open: a supervisor waiting on a stuck process cannot restart it.
import { main } from './cli/commands.ts';

process.exit(await main(['run', ...process.argv.slice(2)]));
