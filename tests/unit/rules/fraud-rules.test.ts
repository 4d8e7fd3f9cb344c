import { describe, expect, it } from 'vitest';
import { defaultRuleSet } from '../../../src/rules/config.ts';
import { largeOutflow } from '../../../src/rules/large-outflow.ts';
import { outflowVelocity } from '../../../src/rules/outflow-velocity.ts';
import type { RuleContext } from '../../../src/rules/types.ts';
import { HOUR, T0, channelEvent, ctx, tx } from './fixtures.ts';

const rs = defaultRuleSet();
const large = (c: RuleContext) => largeOutflow.evaluate(c, rs.rules['large-outflow'], rs);
const velocity = (c: RuleContext) => outflowVelocity.evaluate(c, rs.rules['outflow-velocity'], rs);

// Default fixture: assets 300,000.00, largest outflow in 90 days 20,000.00 (5x = 100,000.00).
const known = { counterpartySeen: true } as const;
const newCp = { counterpartySeen: false } as const;

describe('large-outflow', () => {
  it('fires on 60,000.00 to a new counterparty: P2, due +24h, evidence as minor-unit strings', () => {
    const c = large(ctx({ trigger: tx({ amountMinor: 6_000_000 }), before: newCp, after: { counterpartySeen: true } }));
    expect(c).not.toBeNull();
    expect(c!.target).toBe('FRAUD_CHECK');
    expect(c!.offerCode).toBeNull();
    expect(c!.reasons).toEqual(['AMOUNT_OVER_THRESHOLD', 'NEW_COUNTERPARTY']);
    expect(c!.priority).toBe('P2');
    expect(c!.dueBy).toBe(T0 + 24 * HOUR);
    expect(c!.ruleId).toBe('large-outflow');
    expect(c!.ruleVersion).toBe(1);
    expect(c!.triggerEventId).toBe('tx-1');
    expect(c!.sourceEventIds).toEqual(['tx-1']);
    expect(c!.customerId).toBe('C-000001');
    expect(c!.evidence).toEqual({
      amountMinor: '6000000',
      transactionType: 'TRANSFER_OUT',
      counterparty: 'NEW',
      maxOutflow90dMinor: '2000000',
      assetsBeforeMinor: '30000000',
      age: '40',
    });
    expect(JSON.stringify(c)).not.toContain('ACC-SECRET');
    expect(JSON.stringify(c)).not.toContain('cp-1');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('does not fire at 49,999.99 and fires at exactly 50,000.00', () => {
    expect(large(ctx({ trigger: tx({ amountMinor: 4_999_999 }), before: newCp }))).toBeNull();
    expect(large(ctx({ trigger: tx({ amountMinor: 5_000_000 }), before: newCp }))).not.toBeNull();
  });

  it('ignores transfers to the customer\'s own account, however unusual', () => {
    const own = tx({ amountMinor: 90_000_000, counterparty: { accountRef: 'own-2', ownAccount: true } });
    expect(large(ctx({ trigger: own, before: { ...newCp, maxOutflow90dMinor: 0, assetsMinor: 100_000_000 } }))).toBeNull();
  });

  it('does not fire for a known counterparty under 5x the history and under half the assets', () => {
    expect(large(ctx({ trigger: tx({ amountMinor: 9_999_999 }), before: known }))).toBeNull();
  });

  it('SPIKE_VS_HISTORY from exactly 5x the largest outflow of 90 days', () => {
    const at = (max: number) => large(ctx({ trigger: tx({ amountMinor: 6_000_000 }), before: { ...known, maxOutflow90dMinor: max } }));
    expect(at(1_200_000)!.reasons).toEqual(['AMOUNT_OVER_THRESHOLD', 'SPIKE_VS_HISTORY']);
    expect(at(1_200_001)).toBeNull();
  });

  it('SPIKE_VS_HISTORY holds when there was no outflow in 90 days', () => {
    const c = large(ctx({ trigger: tx({ amountMinor: 5_000_000 }), before: { ...known, maxOutflow90dMinor: 0 } }));
    expect(c!.reasons).toEqual(['AMOUNT_OVER_THRESHOLD', 'SPIKE_VS_HISTORY']);
    expect(c!.evidence.maxOutflow90dMinor).toBe('0');
  });

  it('SHARE_OF_BALANCE from exactly half the assets before the outflow', () => {
    const at = (assets: number) => large(ctx({ trigger: tx({ amountMinor: 6_000_000 }), before: { ...known, assetsMinor: assets }, after: { assetsMinor: assets - 6_000_000 } }));
    expect(at(12_000_000)!.reasons).toEqual(['AMOUNT_OVER_THRESHOLD', 'SHARE_OF_BALANCE']);
    expect(at(12_000_000)!.evidence.assetsBeforeMinor).toBe('12000000');
    expect(at(12_000_001)).toBeNull();
  });

  it('lists every reason that holds, in the order of docs/EVENTS.md', () => {
    const c = large(ctx({ trigger: tx({ amountMinor: 6_000_000 }), before: { ...newCp, maxOutflow90dMinor: 0, assetsMinor: 10_000_000 }, profile: { age: 70 } }));
    expect(c!.reasons).toEqual(['AMOUNT_OVER_THRESHOLD', 'NEW_COUNTERPARTY', 'SPIKE_VS_HISTORY', 'SHARE_OF_BALANCE', 'ELDERLY_CUSTOMER']);
  });

  it('a cash withdrawal has no counterparty: never NEW_COUNTERPARTY', () => {
    const cash = tx({ type: 'WITHDRAWAL', counterparty: null, channel: 'BRANCH' });
    expect(large(ctx({ trigger: cash, before: { counterpartySeen: false } }))).toBeNull();
    const c = large(ctx({ trigger: cash, before: { counterpartySeen: false, assetsMinor: 11_000_000 } }));
    expect(c!.reasons).toEqual(['AMOUNT_OVER_THRESHOLD', 'SHARE_OF_BALANCE']);
    expect(c!.evidence.counterparty).toBe('NONE');
    expect(c!.evidence.transactionType).toBe('WITHDRAWAL');
  });

  it('P1 and ELDERLY_CUSTOMER from 65, P2 at 64', () => {
    const at = (age: number) => large(ctx({ trigger: tx(), before: newCp, profile: { age } }));
    expect(at(65)!.priority).toBe('P1');
    expect(at(65)!.reasons).toContain('ELDERLY_CUSTOMER');
    expect(at(64)!.priority).toBe('P2');
    expect(at(64)!.reasons).not.toContain('ELDERLY_CUSTOMER');
  });

  it('uses the age of the feature view when the profile has not arrived', () => {
    expect(large(ctx({ trigger: tx(), before: { ...newCp, age: 80 }, profile: null }))!.priority).toBe('P1');
    const unknown = large(ctx({ trigger: tx(), before: { ...newCp, age: null }, profile: null }))!;
    expect(unknown.priority).toBe('P2');
    expect(unknown.evidence).not.toHaveProperty('age');
  });

  it('P1 from 500,000.00, P2 just below', () => {
    const big = (amountMinor: number) => large(ctx({ trigger: tx({ amountMinor }), before: { ...newCp, assetsMinor: 200_000_000 } }));
    expect(big(50_000_000)!.priority).toBe('P1');
    expect(big(49_999_999)!.priority).toBe('P2');
  });

  it('only outflows: not incoming transfers, card purchases or channel events', () => {
    expect(large(ctx({ trigger: tx({ type: 'TRANSFER_IN' }), before: newCp }))).toBeNull();
    expect(large(ctx({ trigger: tx({ type: 'CARD_PURCHASE', counterparty: null }), before: { assetsMinor: 1 } }))).toBeNull();
    expect(large(ctx({ trigger: channelEvent(), before: newCp }))).toBeNull();
  });

  it('honours overridden thresholds', () => {
    const p = { ...rs.rules['large-outflow'], minAmountMinor: 10_000_000, elderlyAge: 70 };
    expect(largeOutflow.evaluate(ctx({ trigger: tx({ amountMinor: 6_000_000 }), before: newCp }), p, rs)).toBeNull();
    const c = largeOutflow.evaluate(ctx({ trigger: tx({ amountMinor: 10_000_000 }), before: newCp, profile: { age: 68 } }), p, rs);
    expect(c!.priority).toBe('P2');
  });
});

describe('outflow-velocity', () => {
  const third = tx({ eventId: 'tx-3', amountMinor: 2_000_000 });

  it('fires on the outflow that crosses 3 new-counterparty outflows summing >= 50,000.00 in 1 h', () => {
    const c = velocity(
      ctx({
        trigger: third,
        before: { counterpartySeen: false, newCounterpartyOutflow1h: { count: 2, sumMinor: 3_000_000 } },
        after: { counterpartySeen: true, newCounterpartyOutflow1h: { count: 3, sumMinor: 5_000_000 }, outflow1h: { count: 3, sumMinor: 5_000_000 } },
      }),
    );
    expect(c).not.toBeNull();
    expect(c!.reasons).toEqual(['VELOCITY']);
    expect(c!.priority).toBe('P1');
    expect(c!.target).toBe('FRAUD_CHECK');
    expect(c!.dueBy).toBe(T0 + 24 * HOUR);
    expect(c!.sourceEventIds).toEqual(['tx-3']);
    expect(c!.evidence).toMatchObject({ newCounterpartyOutflow1hCount: '3', newCounterpartyOutflow1hSumMinor: '5000000', amountMinor: '2000000' });
  });

  it('does not fire below the sum or the count', () => {
    const at = (count: number, sumMinor: number) =>
      velocity(ctx({ trigger: third, before: { counterpartySeen: false, newCounterpartyOutflow1h: { count: count - 1, sumMinor: sumMinor - 2_000_000 } }, after: { newCounterpartyOutflow1h: { count, sumMinor } } }));
    expect(at(3, 4_999_999)).toBeNull();
    expect(at(2, 9_000_000)).toBeNull();
    expect(at(3, 5_000_000)).not.toBeNull();
  });

  it('fires only on the crossing, not on later outflows while the condition holds', () => {
    const c = velocity(
      ctx({
        trigger: third,
        before: { counterpartySeen: false, newCounterpartyOutflow1h: { count: 3, sumMinor: 6_000_000 } },
        after: { newCounterpartyOutflow1h: { count: 4, sumMinor: 8_000_000 } },
      }),
    );
    expect(c).toBeNull();
  });

  it('crossing on the sum: the 4th small outflow that brings the sum over the threshold fires', () => {
    const c = velocity(
      ctx({
        trigger: third,
        before: { counterpartySeen: false, newCounterpartyOutflow1h: { count: 3, sumMinor: 4_000_000 } },
        after: { newCounterpartyOutflow1h: { count: 4, sumMinor: 6_000_000 } },
      }),
    );
    expect(c).not.toBeNull();
  });

  it('only outflows to new counterparties: a known payee or cash does not fire', () => {
    const spec = { before: { newCounterpartyOutflow1h: { count: 2, sumMinor: 3_000_000 } }, after: { newCounterpartyOutflow1h: { count: 3, sumMinor: 5_000_000 } } };
    expect(velocity(ctx({ ...spec, trigger: third, before: { ...spec.before, counterpartySeen: true } }))).toBeNull();
    expect(velocity(ctx({ ...spec, trigger: tx({ type: 'WITHDRAWAL', counterparty: null }), before: { ...spec.before, counterpartySeen: false } }))).toBeNull();
    expect(velocity(ctx({ ...spec, trigger: tx({ type: 'TRANSFER_IN' }), before: { ...spec.before, counterpartySeen: false } }))).toBeNull();
  });
});
