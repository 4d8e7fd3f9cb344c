import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { CarestreamError } from '../../errors.ts';
import { which } from './processes.ts';

const HINT = 'or set KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL to a running stack';

/** The java binary (JAVA_HOME first), checked to be 17 or newer. */
export function requireJava(): string {
  const fromHome = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : undefined;
  const java = fromHome && existsSync(fromHome) ? fromHome : which('java');
  if (!java) {
    throw new CarestreamError('CS_ERR_STACK_TOOL_MISSING', `java not found: the local stack needs a JDK 17+ (Debian: apt-get install openjdk-17-jdk-headless), ${HINT}`);
  }
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)/.exec(`${r.stderr}${r.stdout}`);
  const major = m ? Number(m[1]) : 0;
  if (major < 17) {
    throw new CarestreamError('CS_ERR_STACK_TOOL_MISSING', `java ${major || '?'} at ${java} is too old: the local stack needs 17+, ${HINT}`);
  }
  return java;
}

export function requireMaven(): string {
  const mvn = which('mvn');
  if (!mvn) {
    throw new CarestreamError('CS_ERR_STACK_TOOL_MISSING', `mvn not found: the local stack fetches Kafka and the registry from Maven Central (Debian: apt-get install maven), ${HINT}`);
  }
  return mvn;
}

/** Runs Maven in batch mode; on failure throws with the tail of its output. */
export function runMaven(mvn: string, args: string[], what: string): void {
  const r = spawnSync(mvn, ['-B', '-q', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-5).join(' | ');
    throw new CarestreamError('CS_ERR_STACK_START', `maven could not fetch ${what}: ${tail}`);
  }
}
