// docs/RULES.md must say what the code does: its defaults table is compared
// with the defaults of src/rules/config.ts, both ways, and its rule lists with
// the rules the code evaluates.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULE_IDS, defaultRuleSet, parseRuleSet } from '../../../src/rules/config.ts';
import { RULES } from '../../../src/rules/index.ts';
import { onlyCode, readDoc, type Section } from './markdown.ts';

const DOC = 'docs/RULES.md';
const doc = readDoc(DOC);

function section(title: string): Section {
  const s = doc.find((x) => x.title === title);
  if (!s) throw new Error(`${DOC} has no section "${title}"`);
  return s;
}

/** `{a: {b: 1}}` -> `{"a.b": 1}`. */
function flatten(o: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (o !== null && typeof o === 'object' && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = o;
  return out;
}

/** The defaults table as setting -> value; `rules.*.x` stands for every rule. */
function documentedDefaults(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const row of section('Defaults').rows) {
    const [settingCell, defaultCell, meaning] = row;
    const setting = onlyCode(settingCell!);
    const value: unknown = JSON.parse(onlyCode(defaultCell!));
    expect(meaning?.length, `${setting} has a meaning`).toBeGreaterThan(0);
    const paths = setting.startsWith('rules.*.') ? RULE_IDS.map((id) => `rules.${id}.${setting.slice(8)}`) : [setting];
    for (const p of paths) {
      expect(out, `${setting} is listed once`).not.toHaveProperty([p]);
      out[p] = value;
    }
  }
  return out;
}

describe('docs/RULES.md', () => {
  it('lists every default of the rule file, with the value the code uses', () => {
    const { version: _version, ...settings } = defaultRuleSet();
    expect(documentedDefaults()).toEqual(flatten(settings));
  });

  it('lists the implemented rules in evaluation order', () => {
    const ids = section('Rules implemented today').rows.map((r) => onlyCode(r[0]!));
    expect(ids).toEqual(RULES.map((r) => r.id));
    expect(ids).toEqual([...RULE_IDS]);
  });

  it('lists the time-driven rules, each one the code has and accepts in a rule file', () => {
    const timed = section('Time-driven rules').rows.map((r) => onlyCode(r[0]!));
    expect(timed).toEqual(['vip-downgrade', 'care-cadence', 'birthday-greeting', 'fraud-check-escalation']);
    for (const id of timed) {
      expect(RULE_IDS as readonly string[], id).toContain(id);
      expect(parseRuleSet({ version: 'doc', rules: { [id]: { enabled: false } } }).rules[id as 'vip-downgrade'].enabled, id).toBe(false);
    }
  });

  it('shows a rule file the service accepts', () => {
    const text = readFileSync(new URL(`../../../${DOC}`, import.meta.url), 'utf8');
    const example = /## The rule file[\s\S]*?```json\n([\s\S]*?)```/.exec(text)?.[1];
    expect(example).toBeDefined();
    const rs = parseRuleSet(JSON.parse(example!));
    expect(rs.rules['large-outflow'].minAmountMinor).toBe(10_000_000);
  });
});
