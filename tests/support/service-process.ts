import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = new URL('../../', import.meta.url).pathname;

/**
 * The service as a child process (`node src/main.ts`, what the container
 * runs), so a test can kill it with SIGKILL as tests/chaos/chaos-run.ts does:
 * nothing of it gets to clean up, flush or abort a transaction.
 */
export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  readonly running: () => boolean;
  /** SIGKILL, then waits for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (a clean stop), then waits for the exit. */
  stop(): Promise<number | null>;
  /** The last lines of its log, for a failure message. */
  tail(lines?: number): string;
}

/** Starts `node src/main.ts` with exactly `env` (plus PATH and HOME); its stdout and stderr go to `<dir>/<name>.log`. */
export function spawnService(env: Record<string, string>, dir: string, name: string): ServiceProcess {
  const logFile = join(dir, `${name}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    logFile,
    exited,
    running,
    async kill9() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (running()) child.kill('SIGTERM');
      return exited;
    },
    tail(lines = 20) {
      try {
        return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '(no log)';
      }
    },
  };
}
