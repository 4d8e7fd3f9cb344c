import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CarestreamError } from '../../../src/errors.ts';
import { RULE_IDS, defaultRuleSet, loadRuleSetFile, parseRuleSet } from '../../../src/rules/config.ts';
import { DEFAULT_TIERS } from '../../../src/state/tier.ts';

function errorOf(json: unknown): CarestreamError {
  try {
    parseRuleSet(json);
  } catch (err) {
    if (err instanceof CarestreamError) return err;
    throw err;
  }
  throw new Error('expected a rule-set error');
}

describe('defaultRuleSet', () => {
  it('carries the numbers of docs/RULES.md and RULE-SEMANTICS.md', () => {
    const rs = defaultRuleSet();
    expect(rs.version).toBe('default-1');
    expect(rs.rules).toEqual({
      'large-outflow': { enabled: true, minAmountMinor: 5_000_000, spikeMultiple: 5, shareOfAssets: 0.5, highAmountMinor: 50_000_000, elderlyAge: 65, dueHours: 24 },
      'outflow-velocity': { enabled: true, minCount: 3, minSumMinor: 5_000_000, dueHours: 24 },
      'vip-outflow-retention': { enabled: true, assetsRatio: 0.7, dueHours: 72 },
      'vip-upgrade': { enabled: true, dueHours: 7 * 24 },
      'asset-growth': { enabled: true, dueHours: 14 * 24 },
      'risky-streak': { enabled: true, streak: 3, elderlyAge: 65, dueHours: 72 },
      suitability: { enabled: true, maxAssessmentAgeDays: 365, dueHours: 72 },
      'mortgage-interest': { enabled: true, minCount: 3, windowDays: 30, minDepositsMinor: 20_000_000, dueHours: 7 * 24 },
      'new-parent': { enabled: true, consecutiveMonths: 3, dueHours: 14 * 24 },
      'payroll-plan': { enabled: true, noInvestmentDays: 90, dueHours: 14 * 24 },
      welcome: { enabled: true, dueHours: 7 * 24 },
      'complaint-recovery': { enabled: true, dueHours: 48 },
      'vip-downgrade': { enabled: true, dueHours: 72 },
      'care-cadence': { enabled: true, cadenceDays: { VIP: 30, POTENTIAL: 14, ORDINARY: null }, dueHours: 7 * 24 },
      'birthday-greeting': { enabled: true, dueHours: 24 },
      'fraud-check-escalation': { enabled: true, dueHours: 4 },
    });
    expect(rs.tiers).toEqual({ vipMinor: 50_000_000, growthPercent: 30 });
    expect(rs.tiers).toEqual(DEFAULT_TIERS);
    expect(rs.policy).toEqual({ cooldownDays: 30, capWindowDays: { VIP: 30, POTENTIAL: 14, ORDINARY: 30 } });
  });

  it('is frozen all the way down and shared', () => {
    const rs = defaultRuleSet();
    expect(Object.isFrozen(rs)).toBe(true);
    expect(Object.isFrozen(rs.rules['large-outflow'])).toBe(true);
    expect(Object.isFrozen(rs.policy.capWindowDays)).toBe(true);
    expect(defaultRuleSet()).toBe(rs);
  });

  it('has a section for every rule', () => {
    expect(Object.keys(defaultRuleSet().rules)).toEqual([...RULE_IDS]);
  });
});

describe('parseRuleSet', () => {
  it('overrides what the file says and keeps the defaults elsewhere', () => {
    const rs = parseRuleSet({
      version: 'bank-a-2026-11',
      rules: { 'large-outflow': { minAmountMinor: 10_000_000, shareOfAssets: 0.4 }, welcome: { enabled: false } },
      tiers: { vipMinor: 100_000_000 },
      policy: { capWindowDays: { POTENTIAL: 21 } },
    });
    expect(rs.version).toBe('bank-a-2026-11');
    expect(rs.rules['large-outflow'].minAmountMinor).toBe(10_000_000);
    expect(rs.rules['large-outflow'].shareOfAssets).toBe(0.4);
    expect(rs.rules['large-outflow'].spikeMultiple).toBe(5);
    expect(rs.rules.welcome.enabled).toBe(false);
    expect(rs.rules['complaint-recovery'].enabled).toBe(true);
    expect(rs.tiers).toEqual({ vipMinor: 100_000_000, growthPercent: 30 });
    expect(rs.policy).toEqual({ cooldownDays: 30, capWindowDays: { VIP: 30, POTENTIAL: 21, ORDINARY: 30 } });
    expect(Object.isFrozen(rs.rules.welcome)).toBe(true);
  });

  it('a care cadence per tier can be changed or switched off (null), one tier at a time', () => {
    const rs = parseRuleSet({ version: 'v', rules: { 'care-cadence': { cadenceDays: { POTENTIAL: null, ORDINARY: 60 } } } });
    expect(rs.rules['care-cadence'].cadenceDays).toEqual({ VIP: 30, POTENTIAL: null, ORDINARY: 60 });
    expect(() => parseRuleSet({ version: 'v', rules: { 'care-cadence': { cadenceDays: { VIP: 0 } } } })).toThrow(
      'rules.care-cadence.cadenceDays.VIP: expected a whole number of days from 1 to 366, or null (no cadence)',
    );
    expect(() => parseRuleSet({ version: 'v', rules: { 'care-cadence': { cadenceDays: { GOLD: 10 } } } })).toThrow(/unknown key "GOLD"/);
  });

  it.each([
    [{ version: 'v', rules: { 'large-outflow': { minAmountMinor: -1 } } }, 'rules.large-outflow.minAmountMinor: expected a positive integer'],
    [{ version: 'v', rules: { 'large-outflow': { minAmountMinor: 1.5 } } }, 'rules.large-outflow.minAmountMinor: expected a positive integer'],
    [{ version: 'v', rules: { 'large-outflow': { minAmountMinor: '5000000' } } }, 'rules.large-outflow.minAmountMinor: expected a positive integer'],
    [{ version: 'v', rules: { 'large-outflow': { shareOfAssets: 1.5 } } }, 'rules.large-outflow.shareOfAssets: expected a number > 0 and <= 1 with at most 6 decimals'],
    [{ version: 'v', rules: { 'vip-outflow-retention': { assetsRatio: 0.12345678 } } }, 'rules.vip-outflow-retention.assetsRatio: expected a number > 0 and <= 1 with at most 6 decimals'],
    [{ version: 'v', rules: { welcome: { enabled: 'yes' } } }, 'rules.welcome.enabled: expected true or false'],
    [{ version: 'v', rules: { 'risky-streak': { dueHours: 0 } } }, 'rules.risky-streak.dueHours: expected a whole number of hours from 1 to 8784'],
    [{ version: 'v', rules: { 'mortgage-interest': { windowDays: 45 } } }, 'rules.mortgage-interest.windowDays: fixed at 30 days by the feature store (docs/FEATURES.md)'],
    [{ version: 'v', rules: { 'payroll-plan': { noInvestmentDays: 60 } } }, 'rules.payroll-plan.noInvestmentDays: fixed at 90 days by the feature store (docs/FEATURES.md)'],
    [{ version: 'v', policy: { capWindowDays: { VIP: 0 } } }, 'policy.capWindowDays.VIP: expected a whole number of days from 1 to 366'],
    [{ version: 'v', tiers: { growthPercent: 0 } }, 'tiers.growthPercent: expected a whole percentage from 1 to 10000'],
    [{ rules: {} }, 'version: required'],
    [{ version: 7 }, 'version: expected a string'],
    [{ version: '  ' }, 'version: expected a non-empty single-line string of at most 100 characters'],
    [{ version: 'v', rules: { 'large-outflow': { minAmount: 1 } } }, 'rules.large-outflow: unknown key "minAmount"'],
    [{ version: 'v', policy: { cooldown: 1, caps: 2 } }, 'policy: unknown keys "cooldown", "caps"'],
    [{ version: 'v', extra: true }, 'rule set: unknown key "extra"'],
    [{ version: 'v', rules: [] }, 'rules: expected an object'],
    [[], 'rule set: expected an object'],
    [null, 'rule set: expected an object'],
  ])('refuses %j with one line naming the path', (json, expected) => {
    const err = errorOf(json);
    expect(err.code).toBe('CS_ERR_CONFIG');
    expect(err.message).toBe(expected);
    expect(err.message).not.toContain('\n');
  });

  it('refuses an unknown rule id, listing the known ones', () => {
    const err = errorOf({ version: 'v', rules: { 'large-outflows': {} } });
    expect(err.message.startsWith('rules: unknown rule id "large-outflows" (known: large-outflow, outflow-velocity,')).toBe(true);
    expect(err.message).not.toContain('\n');
  });

  it('accepts the fixed windows at their value', () => {
    expect(parseRuleSet({ version: 'v', rules: { 'mortgage-interest': { windowDays: 30 }, 'payroll-plan': { noInvestmentDays: 90 } } }).rules['mortgage-interest'].windowDays).toBe(30);
  });
});

describe('loadRuleSetFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-rules-'));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('reads a JSON rule file', async () => {
    const p = write('ok.json', JSON.stringify({ version: 'file-1', rules: { suitability: { maxAssessmentAgeDays: 400 } } }));
    const rs = await loadRuleSetFile(p);
    expect(rs.version).toBe('file-1');
    expect(rs.rules.suitability.maxAssessmentAgeDays).toBe(400);
  });

  it('names the file and the path of a bad value', async () => {
    const p = write('bad.json', JSON.stringify({ version: 'x', rules: { 'large-outflow': { minAmountMinor: 0 } } }));
    await expect(loadRuleSetFile(p)).rejects.toThrow(`rule file ${p}: rules.large-outflow.minAmountMinor: expected a positive integer`);
  });

  it('refuses text that is not JSON, and a missing file', async () => {
    const p = write('broken.json', '{ "version": ');
    await expect(loadRuleSetFile(p)).rejects.toMatchObject({ code: 'CS_ERR_CONFIG', message: `rule file ${p}: not valid JSON` });
    await expect(loadRuleSetFile(join(dir, 'nope.json'))).rejects.toMatchObject({ code: 'CS_ERR_CONFIG', message: `rule file ${join(dir, 'nope.json')}: cannot read (ENOENT)` });
  });
});
