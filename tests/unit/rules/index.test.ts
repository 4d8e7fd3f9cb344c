import { describe, expect, it } from 'vitest';
import { RULE_IDS, defaultRuleSet, parseRuleSet } from '../../../src/rules/config.ts';
import { RULES, evaluateRules } from '../../../src/rules/index.ts';
import { channelEvent, ctx, tx } from './fixtures.ts';

describe('evaluateRules', () => {
  it('knows every rule id once, in the order of the rule book', () => {
    expect(RULES.map((r) => r.id)).toEqual([...RULE_IDS]);
    for (const r of RULES) expect(r.version).toBe(1);
  });

  it('returns the candidates of all rules that fire, in rule order', () => {
    // A 60,000.00 outflow to a new payee that is also the 3rd new-payee outflow within the hour,
    // seen with tiers that changed from ORDINARY to POTENTIAL: three rules fire.
    const c = ctx({
      trigger: tx(),
      before: { counterpartySeen: false, newCounterpartyOutflow1h: { count: 2, sumMinor: 2_000_000 } },
      after: { newCounterpartyOutflow1h: { count: 3, sumMinor: 8_000_000 } },
      tierBefore: 'ORDINARY',
      tierAfter: 'POTENTIAL',
    });
    expect(evaluateRules(c, defaultRuleSet()).map((x) => x.ruleId)).toEqual(['large-outflow', 'outflow-velocity', 'asset-growth']);
  });

  it('skips disabled rules', () => {
    const rs = parseRuleSet({ version: 'v', rules: { 'outflow-velocity': { enabled: false }, 'asset-growth': { enabled: false } } });
    const c = ctx({
      trigger: tx(),
      before: { counterpartySeen: false, newCounterpartyOutflow1h: { count: 2, sumMinor: 2_000_000 } },
      after: { newCounterpartyOutflow1h: { count: 3, sumMinor: 8_000_000 } },
      tierAfter: 'POTENTIAL',
    });
    expect(evaluateRules(c, rs).map((x) => x.ruleId)).toEqual(['large-outflow']);
  });

  it('passes each rule its own parameters', () => {
    const rs = parseRuleSet({ version: 'v', rules: { 'large-outflow': { minAmountMinor: 7_000_000 } } });
    expect(evaluateRules(ctx({ trigger: tx({ amountMinor: 6_000_000 }), before: { counterpartySeen: false } }), rs)).toEqual([]);
  });

  it('an uneventful event gives nothing', () => {
    expect(evaluateRules(ctx({ trigger: channelEvent() }), defaultRuleSet())).toEqual([]);
  });
});
