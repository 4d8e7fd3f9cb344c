import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, hostname, loadavg, release, totalmem, uptime } from 'node:os';

export interface Machine {
  readonly hostname: string;
  readonly nproc: number;
  readonly cpuModel: string;
  readonly totalMemoryBytes: number;
  readonly kernel: string;
  readonly node: string;
  /** 1, 5 and 15-minute load averages: other work on the machine while the bench ran. */
  readonly loadAverage: readonly number[];
  /** `uptime` as printed, for the record. */
  readonly uptime: string;
}

function nproc(): number {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return availableParallelism();
  }
}

function uptimeLine(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `up ${Math.round(uptime() / 60)} min, load average: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`;
  }
}

export function machine(): Machine {
  return {
    hostname: hostname(),
    nproc: nproc(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: totalmem(),
    kernel: release(),
    node: process.version,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    uptime: uptimeLine(),
  };
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const TICKS = 100;

/** CPU seconds (user + system) a process has used so far; undefined when it cannot be read. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}
