import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkRuleFile, checkRuleText, ruleSetJsonSchemaText } from '../../../src/rules/check.ts';
import { defaultRuleSet, parseRuleSet } from '../../../src/rules/config.ts';

const ROOT = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

/** The rule file the Kubernetes manifests ship: every default written out. */
const shippedRules = (): string => (parse(read('deploy/k8s/configmap-rules.yaml')) as { data: { 'rules.json': string } }).data['rules.json'];

describe('checkRuleText', () => {
  it('accepts the shipped defaults (the ConfigMap’s rules.json, and a file with only the version)', () => {
    expect(checkRuleText(shippedRules())).toEqual({ valid: true, version: 'default-1' });
    expect(parseRuleSet(JSON.parse(shippedRules()))).toEqual(defaultRuleSet());
    expect(checkRuleText('{ "version": "default-1" }')).toEqual({ valid: true, version: 'default-1' });
  });

  it('names an unknown rule, a negative threshold and a bad type in one run, one line each', () => {
    const r = checkRuleText(JSON.stringify({
      version: 'bad-1',
      rules: { 'large-outflows': {}, 'large-outflow': { minAmountMinor: -30000 }, 'risky-streak': { streak: '3' } },
    }));
    expect(r.valid).toBe(false);
    if (r.valid) return;
    expect(r.problems).toHaveLength(3);
    expect(r.problems).toEqual(expect.arrayContaining([
      'rules.large-outflow.minAmountMinor: expected a positive integer',
      'rules.risky-streak.streak: expected an integer from 1 to 8',
      expect.stringMatching(/^rules: unknown rule id "large-outflows" \(known: large-outflow, /),
    ]));
    for (const p of r.problems) expect(p).not.toMatch(/[\r\n]/);
  });

  it('says a ratio out of range once, though two checks refuse it', () => {
    const r = checkRuleText(JSON.stringify({ version: 'v', rules: { 'large-outflow': { shareOfAssets: 1.5 } } }));
    expect(r).toEqual({ valid: false, problems: ['rules.large-outflow.shareOfAssets: expected a number > 0 and <= 1 with at most 6 decimals'] });
  });

  it('refuses text that is not JSON with a line saying so', () => {
    const r = checkRuleText('{ "version": ');
    expect(r.valid).toBe(false);
    if (!r.valid) expect(r.problems).toEqual([expect.stringMatching(/^not valid JSON \(/)]);
  });

  it('accepts "$schema" (an editor’s pointer to the JSON Schema) and ignores it', () => {
    expect(checkRuleText('{ "$schema": "../schemas/rules.schema.json", "version": "v" }')).toEqual({ valid: true, version: 'v' });
  });
});

describe('checkRuleFile', () => {
  it('names a file it cannot read as a usage error, not a verdict', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'cs-check-')), 'nope.json');
    await expect(checkRuleFile(missing)).rejects.toMatchObject({ code: 'CS_ERR_CLI_USAGE', message: `${missing}: cannot read (ENOENT)` });
  });

  it('reads a file', async () => {
    const p = join(mkdtempSync(join(tmpdir(), 'cs-check-')), 'r.json');
    writeFileSync(p, shippedRules());
    await expect(checkRuleFile(p)).resolves.toEqual({ valid: true, version: 'default-1' });
  });
});

describe('schemas/rules.schema.json', () => {
  it('is the JSON Schema generated from the service’s zod schema (regenerate: carestream rules schema > schemas/rules.schema.json)', () => {
    expect(read('schemas/rules.schema.json')).toBe(ruleSetJsonSchemaText());
  });

  it('knows every rule id and key, the ranges and the defaults', () => {
    const s = JSON.parse(ruleSetJsonSchemaText());
    expect(s.required).toEqual(['version']);
    expect(s.additionalProperties).toBe(false);
    const rules = s.properties.rules;
    expect(Object.keys(rules.properties)).toEqual(Object.keys(defaultRuleSet().rules));
    expect(rules.additionalProperties).toBe(false);
    expect(rules.properties['large-outflow'].properties.minAmountMinor).toMatchObject({ type: 'integer', minimum: 1, default: 5_000_000 });
    expect(rules.properties['large-outflow'].properties.shareOfAssets).toMatchObject({ type: 'number', exclusiveMinimum: 0, maximum: 1 });
    expect(rules.properties['mortgage-interest'].properties.windowDays).toMatchObject({ const: 30 });
  });
});
