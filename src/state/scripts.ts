import { readFileSync, readdirSync } from 'node:fs';
import type { RedisClient } from './redis.ts';

const DIR = new URL('./scripts/', import.meta.url);

/**
 * Loads the Lua scripts beside this file (bullmq style): `<name>-<numberOfKeys>.lua`,
 * with `--@include <file>` lines replaced by scripts/includes/<file>. Each one is
 * registered with ioredis' defineCommand, which sends EVALSHA and falls back to
 * EVAL once if the server does not have the script yet.
 */
export interface ScriptSource {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

function expandIncludes(lua: string): string {
  return lua.replace(/^--@include (\S+)\s*$/gm, (_, file: string) => readFileSync(new URL(`includes/${file}`, DIR), 'utf8'));
}

export function loadScriptSources(): ScriptSource[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.lua'))
    .map((f) => {
      const m = /^(.+)-(\d+)\.lua$/.exec(f);
      if (!m) throw new Error(`script file ${f} must be named <name>-<numberOfKeys>.lua`);
      return { name: m[1]!, numberOfKeys: Number(m[2]), lua: expandIncludes(readFileSync(new URL(f, DIR), 'utf8')) };
    });
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export type ScriptCommand = (...args: (string | number)[]) => Promise<unknown>;

/** Registers every script on the client; returns them by camel-cased name (apply-events -> applyEvents). */
export function defineScripts(redis: RedisClient): Record<string, { name: string }> {
  const out: Record<string, { name: string }> = {};
  for (const s of loadScriptSources()) {
    const command = camel(s.name);
    redis.defineCommand(command, { numberOfKeys: s.numberOfKeys, lua: s.lua });
    out[command] = { name: command };
  }
  return out;
}
