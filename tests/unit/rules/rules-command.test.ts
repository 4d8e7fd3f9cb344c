import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generate } from '../../../src/generate/index.ts';

// `carestream rules ...` as a user runs it: a child process, no stack (nothing here connects).
const cli = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'rules', ...args], { encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH ?? '' } });

const dir = mkdtempSync(join(tmpdir(), 'cs-rules-cli-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const shipped = write('shipped.json', (parse(readFileSync(new URL('../../../deploy/k8s/configmap-rules.yaml', import.meta.url), 'utf8')) as { data: { 'rules.json': string } }).data['rules.json']);

describe('carestream rules check', () => {
  it('accepts the shipped defaults: exit 0, one line on stdout', () => {
    const r = run('check', shipped);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${shipped}: valid (version "default-1")\n`);
  });

  it('names an unknown rule, a negative threshold and a bad type in one run: one line each, exit 1', () => {
    const bad = write('bad.json', JSON.stringify({ version: 'x', rules: { 'large-outflows': {}, 'large-outflow': { minAmountMinor: -30000 }, 'risky-streak': { streak: '3' } } }));
    const r = run('check', bad);
    expect(r.status).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines).toEqual(expect.arrayContaining([
      `${bad}: rules.large-outflow.minAmountMinor: expected a positive integer`,
      `${bad}: rules.risky-streak.streak: expected an integer from 1 to 8`,
      expect.stringMatching(/: rules: unknown rule id "large-outflows" \(known: /),
    ]));
  });

  it('exits 2 naming a file it cannot read, and without a file', () => {
    const r = run('check', join(dir, 'nope.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('nope.json: cannot read (ENOENT)');
    expect(run('check').status).toBe(2);
  });

  it('schema prints what schemas/rules.schema.json holds', () => {
    const r = run('schema');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(new URL('../../../schemas/rules.schema.json', import.meta.url), 'utf8'));
  });
});

describe('carestream rules backtest', () => {
  const history = write('history.jsonl', `${[...generate({ seed: 3, customers: 60, days: 40, start: '2026-06-01' }).lines].join('\n')}\n`);
  const base = write('base.json', '{ "version": "default-1" }');
  const candidate = write('candidate.json', JSON.stringify({ version: 'lower', rules: { 'large-outflow': { minAmountMinor: 30000 } } }));

  it('prints per rule the tasks added and removed, with example customers and their evidence (data on stdout, progress on stderr)', () => {
    const r = run('backtest', '--base', base, '--candidate', candidate, '--input', history, '--examples', '2');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^backtest of "lower" against "default-1" over /);
    expect(r.stdout).toContain('\n  the event path only: timers are not replayed (');
    expect(r.stdout).toMatch(/\n {2}large-outflow +\d+ -> \d+ +\+[1-9][\d,]* -0 /);
    expect(r.stdout).toMatch(/\n {2}large-outflow: 2 example customers\n {4}\+ C\d{6} {2}task T-[A-Z0-9]+ .*amountMinor=\d+/);
    expect(r.stderr).toMatch(/^backtest: [\d,]+ lines in [\d.]+ s\n$/);
  });

  it('--json is one JSON object with every change', () => {
    const r = run('backtest', '--base', base, '--candidate', candidate, '--input', history, '--json', '--workers', '1');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { rules: { ruleId: string; tasks: { added: number }; changes: { addedTasks: string[] } }[] };
    const lo = j.rules.find((d) => d.ruleId === 'large-outflow')!;
    expect(lo.changes.addedTasks).toHaveLength(lo.tasks.added);
  });

  it('exits 2 with one line for a missing input, a missing option or an invalid candidate', () => {
    const missing = run('backtest', '--base', base, '--candidate', candidate, '--input', join(dir, 'none.jsonl'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`carestream: --input ${join(dir, 'none.jsonl')}: no such file\n`);
    expect(run('backtest', '--base', base, '--input', history).status).toBe(2);
    const invalid = run('backtest', '--base', base, '--candidate', write('neg.json', '{"version":"n","rules":{"large-outflow":{"minAmountMinor":-1}}}'), '--input', history);
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toMatch(/--candidate rule file .*neg\.json: rules\.large-outflow\.minAmountMinor: expected a positive integer\n$/);
  });

  it('names the line of a history line that is not a replay line (never its content)', () => {
    const broken = write('broken.jsonl', `${readFileSync(history, 'utf8').split('\n').slice(0, 5).join('\n')}\n{"topic": "bank.transactions.v1", "value": 110101195001011234\n`);
    const r = run('backtest', '--base', base, '--candidate', candidate, '--input', broken);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken\.jsonl:6: replay line is not valid JSON\n$/);
    expect(r.stderr).not.toContain('110101195001011234');
  });
});
