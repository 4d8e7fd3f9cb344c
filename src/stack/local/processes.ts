import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A background process of the local stack, remembered by a pid file. */
export interface Managed {
  readonly name: string;
  readonly pidFile: string;
  readonly logFile: string;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPid(m: Managed): number | undefined {
  if (!existsSync(m.pidFile)) return undefined;
  const pid = Number(readFileSync(m.pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/**
 * Starts a detached process whose output goes to its log file, so it outlives
 * the command that started it (`stack up` returns, the stack keeps running).
 */
export function startDetached(m: Managed, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  mkdirSync(dirname(m.logFile), { recursive: true });
  const out = openSync(m.logFile, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env });
  if (child.pid === undefined) throw new Error(`${m.name}: could not spawn ${command}`);
  child.unref();
  writeFileSync(m.pidFile, String(child.pid));
  return child.pid;
}

export async function stop(m: Managed, timeoutMs = 20_000): Promise<boolean> {
  const pid = readPid(m);
  rmSync(m.pidFile, { force: true });
  if (pid === undefined) return false;
  // The process group: the JVM and anything it forked.
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  kill('SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (isAlive(pid)) kill('SIGKILL');
  return true;
}

/** Absolute path of an executable on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path ? path : undefined;
}
