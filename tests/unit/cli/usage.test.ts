import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/commands.ts';

// The command as a user runs it: `npx carestream` is this launcher, in a child
// process on the Node that runs the tests (24, from npm ci).
const bin = fileURLToPath(new URL('../../../bin/carestream.mjs', import.meta.url));
const version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// Kafka, the registry and Redis all "at" a listener that only counts
// connections: any attempt to reach one shows up here.
let listener: Server;
let connections = 0;
let endpoints: Record<string, string>;

beforeAll(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as { port: number }).port;
  endpoints = { KAFKA_BROKERS: `127.0.0.1:${port}`, SCHEMA_REGISTRY_URL: `http://127.0.0.1:${port}`, REDIS_URL: `redis://127.0.0.1:${port}` };
});

afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

interface Ran { code: number; stdout: string; stderr: string; ms: number }

function carestream(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...endpoints, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

function names(c: Command, prefix: string[] = []): string[][] {
  return c.commands.filter((s) => s.name() !== 'help').flatMap((s) => [[...prefix, s.name()], ...names(s, [...prefix, s.name()])]);
}

// Every command the program has, the rules engineer's and any later one included.
const commands = names((await buildProgram({ out: () => {}, err: () => {} })).program);

describe('carestream --help, per command', () => {
  it('knows every command of the README', () => {
    expect(commands.map((c) => c.join(' '))).toEqual(expect.arrayContaining(['demo', 'run', 'replay', 'tail', 'inspect', 'explain', 'generate', 'stack', 'stack up', 'stack down', 'stack status']));
  });

  it('exits 0, prints usage and the exit codes, and reads no setting, no file and no socket', async () => {
    // A settings file that does not exist: reading the settings would exit 78.
    // An empty working directory: `generate` would write events.jsonl into it.
    const cwd = mkdtempSync(join(tmpdir(), 'cs-help-'));
    const env = { CARESTREAM_CONFIG_FILE: join(cwd, 'no-such-settings.json') };
    const before = connections;
    const runs = await Promise.all([[], ...commands].map(async (c) => ({ c, r: await carestream([...c, '--help'], env, cwd) })));
    for (const { c, r } of runs) {
      const name = ['carestream', ...c].join(' ');
      expect({ name, code: r.code, stderr: r.stderr }).toEqual({ name, code: 0, stderr: '' });
      expect(r.stdout).toMatch(new RegExp(`^Usage: ${name} `));
      expect(r.stdout).toContain('Exit codes:');
      expect(r.stdout).toContain('2   usage');
    }
    expect(readdirSync(cwd)).toEqual([]);
    expect(connections - before).toBe(0);
  });

  it('`run --help` does not start the service, and `help tail` is `tail --help`', async () => {
    const before = connections;
    const run = await carestream(['run', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: carestream run/);
    expect((await carestream(['help', 'tail'])).stdout).toBe((await carestream(['tail', '--help'])).stdout);
    expect(connections - before).toBe(0);
  });
});

describe('a reader that closes the pipe early (carestream ... | head)', () => {
  it('ends the command quietly: exit 0, no stack trace', async () => {
    const child = spawn(process.execPath, [bin, 'tail', '--help'], { env: { PATH: process.env.PATH ?? '', ...endpoints }, stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed before the command writes: its first write meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});

describe('carestream --version', () => {
  it("prints package.json's version and exits 0", async () => {
    for (const flag of ['--version', '-V']) {
      const r = await carestream([flag]);
      expect(r).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});

describe('a wrong argument', () => {
  const cases: [string, string[], RegExp][] = [
    ['a value that is not a number', ['tail', 'bank.transactions.v1', '--max', 'abc'], /--max.*'abc'.*expected an integer/],
    ['a count below one', ['tail', 'bank.transactions.v1', '--max', '0'], /--max.*expected an integer >= 1/],
    ['an unknown option', ['tail', 'bank.transactions.v1', '--bogus'], /unknown option '--bogus'/],
    ['an unknown topic', ['tail', 'bank.nope.v1'], /'bank\.nope\.v1'.*topic/],
    ['an unknown format', ['tail', 'bank.transactions.v1', '--format', 'xml'], /--format.*'xml'/],
    ['an offset that is not one', ['tail', 'bank.transactions.v1', '--offset', '-3'], /--offset.*'-3'/],
    ['a missing argument', ['replay'], /missing required argument 'file'/],
    ['a missing customer', ['inspect'], /missing required argument 'customerId'/],
    ['one argument too many', ['explain', 'C000001', 'C000002'], /too many arguments for 'explain'/],
    ['an argument to a command that takes none', ['run', 'now'], /too many arguments for 'run'/],
    ['a negative customer count', ['demo', '--customers', '-5'], /--customers.*expected an integer >= 1/],
    ['too many days', ['generate', '--days', '301'], /--days.*expected an integer <= 300/],
    ['a date that is not one', ['generate', '--start', '2026-02-30'], /--start.*'2026-02-30'.*calendar date/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['an unknown stack verb', ['stack', 'sideways'], /unknown command 'sideways'/],
    ['an unknown log level', ['--log-level', 'loud', 'tail', 'bank.transactions.v1'], /--log-level.*'loud'/],
  ];

  it.each(cases)('(%s) exits 2 with one line naming it, before reading a setting or connecting', async (_what, args, naming) => {
    const before = connections;
    const r = await carestream(args, { CARESTREAM_CONFIG_FILE: '/nonexistent/carestream.json' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^carestream: /);
    expect(r.stderr).toMatch(naming);
    expect(connections - before).toBe(0);
  });

  it('a customer id that is not one exits 2 naming the argument (never echoing it), without connecting', async () => {
    const before = connections;
    const r = await carestream(['explain', 'Zhang Wei 110101199003077777']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^carestream: customerId: /)]);
    expect(r.stderr).not.toContain('110101199003077777');
    expect(connections - before).toBe(0);
  });

  it('no command at all exits 2 with the usage on stderr', async () => {
    const r = await carestream([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: carestream /);
  });
});

describe('replay of a file that cannot be read', () => {
  it('fails at once naming the file, exit 2, without connecting', async () => {
    const before = connections;
    const r = await carestream(['replay', '/nonexistent/events.jsonl']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(['carestream: replay: cannot read /nonexistent/events.jsonl: no such file']);
    // The requirement is under a second; a loaded machine only bounds it generously.
    expect(r.ms).toBeLessThan(5_000);
    expect(connections - before).toBe(0);
  });

  it('names a directory as one', async () => {
    const before = connections;
    const dir = mkdtempSync(join(tmpdir(), 'cs-replay-'));
    const r = await carestream(['replay', dir]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([`carestream: replay: cannot read ${dir}: is a directory`]);
    expect(connections - before).toBe(0);
  });
});
