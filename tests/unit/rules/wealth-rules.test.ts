import { describe, expect, it } from 'vitest';
import { assetGrowth } from '../../../src/rules/asset-growth.ts';
import { defaultRuleSet } from '../../../src/rules/config.ts';
import { retentionCondition, vipOutflowRetention } from '../../../src/rules/vip-outflow-retention.ts';
import { vipUpgrade } from '../../../src/rules/vip-upgrade.ts';
import type { RuleContext } from '../../../src/rules/types.ts';
import { DAY, HOUR, T0, channelEvent, ctx, tx, view } from './fixtures.ts';

const rs = defaultRuleSet();
const retention = (c: RuleContext) => vipOutflowRetention.evaluate(c, rs.rules['vip-outflow-retention'], rs);
const upgrade = (c: RuleContext) => vipUpgrade.evaluate(c, rs.rules['vip-upgrade'], rs);
const growth = (c: RuleContext) => assetGrowth.evaluate(c, rs.rules['asset-growth'], rs);

// A VIP with a 30-day average of 600,000.00; 0.7 x avg30 = 420,000.00.
const vip = { avg30Minor: 60_000_000, maxEodPrev7Minor: 60_000_000 } as const;

describe('vip-outflow-retention', () => {
  const drop = (afterAssets: number, extra: Parameters<typeof ctx>[0] = {}) =>
    retention(
      ctx({
        trigger: tx({ amountMinor: 8_000_000 }),
        before: { ...vip, assetsMinor: 50_000_000 },
        after: { assetsMinor: afterAssets },
        tierBefore: 'VIP',
        tierAfter: 'VIP',
        ...extra,
      }),
    );

  it('fires when assets fall to 0.7 x avg30 with a recent day above it: RETENTION, P2, +72h', () => {
    const c = drop(42_000_000);
    expect(c).not.toBeNull();
    expect(c!.target).toBe('RETENTION');
    expect(c!.priority).toBe('P2');
    expect(c!.dueBy).toBe(T0 + 72 * HOUR);
    expect(c!.reasons).toEqual(['ASSET_DROP']);
    expect(c!.evidence).toEqual({
      tier: 'VIP',
      assetsMinor: '42000000',
      assetsBeforeMinor: '50000000',
      avg30Minor: '60000000',
      maxEodPrev7Minor: '60000000',
    });
  });

  it('does not fire one fen above 0.7 x avg30', () => {
    expect(drop(42_000_001)).toBeNull();
  });

  it('needs the fall to be recent: some day of the previous 7 above 0.7 x avg30', () => {
    expect(drop(30_000_000, { before: { ...vip, assetsMinor: 50_000_000, maxEodPrev7Minor: 42_000_000 } })).toBeNull();
    expect(drop(30_000_000, { before: { ...vip, assetsMinor: 50_000_000, maxEodPrev7Minor: null } })).toBeNull();
  });

  it('fires on the edge only: not again while the condition holds', () => {
    expect(drop(30_000_000, { before: { ...vip, assetsMinor: 40_000_000 } })).toBeNull();
  });

  it('only VIPs', () => {
    expect(drop(30_000_000, { tierBefore: 'POTENTIAL', tierAfter: 'POTENTIAL' })).toBeNull();
  });

  it('fires when the edge comes from becoming VIP with the fall already there', () => {
    expect(drop(40_000_000, { before: { ...vip, assetsMinor: 40_000_000 }, tierBefore: 'POTENTIAL', tierAfter: 'VIP' })).not.toBeNull();
  });

  it('only on a transaction', () => {
    expect(drop(30_000_000, { trigger: channelEvent() })).toBeNull();
  });

  it('compares the ratio exactly (0.7 x 90 is 62.99... in floating point)', () => {
    expect(retentionCondition(view({ assetsMinor: 63, avg30Minor: 90, maxEodPrev7Minor: 64 }), 'VIP', 0.7)).toBe(true);
    expect(retentionCondition(view({ assetsMinor: 64, avg30Minor: 90, maxEodPrev7Minor: 90 }), 'VIP', 0.7)).toBe(false);
    expect(retentionCondition(view({ assetsMinor: 60, avg30Minor: 90, maxEodPrev7Minor: 63 }), 'VIP', 0.7)).toBe(false);
  });
});

describe('vip-upgrade', () => {
  it('fires when the tier becomes VIP: VIP_UPGRADE, P3, +7 days', () => {
    const c = upgrade(ctx({ tierBefore: 'ORDINARY', tierAfter: 'VIP', after: { avg30Minor: 50_000_000 } }));
    expect(c!.target).toBe('VIP_UPGRADE');
    expect(c!.priority).toBe('P3');
    expect(c!.dueBy).toBe(T0 + 7 * DAY);
    expect(c!.reasons).toEqual(['TIER_VIP']);
    expect(c!.evidence).toMatchObject({ tierBefore: 'ORDINARY', tier: 'VIP', avg30Minor: '50000000' });
    expect(upgrade(ctx({ tierBefore: 'POTENTIAL', tierAfter: 'VIP' }))).not.toBeNull();
  });

  it('does not fire while the customer stays VIP or when leaving VIP', () => {
    expect(upgrade(ctx({ tierBefore: 'VIP', tierAfter: 'VIP' }))).toBeNull();
    expect(upgrade(ctx({ tierBefore: 'VIP', tierAfter: 'ORDINARY' }))).toBeNull();
  });

  it('also on a channel event (the tier is a state, whatever event shows the edge)', () => {
    expect(upgrade(ctx({ trigger: channelEvent(), tierBefore: 'ORDINARY', tierAfter: 'VIP' }))).not.toBeNull();
  });
});

describe('asset-growth', () => {
  it('fires when the tier becomes POTENTIAL: GROWTH_PLAN, P3, +14 days', () => {
    const c = growth(ctx({ tierBefore: 'ORDINARY', tierAfter: 'POTENTIAL', after: { avg30Minor: 13_000_000, avg30AgoMinor: 10_000_000 } }));
    expect(c!.target).toBe('GROWTH_PLAN');
    expect(c!.priority).toBe('P3');
    expect(c!.dueBy).toBe(T0 + 14 * DAY);
    expect(c!.reasons).toEqual(['TIER_POTENTIAL']);
    expect(c!.evidence).toMatchObject({ avg30Minor: '13000000', avg30AgoMinor: '10000000' });
  });

  it('from VIP down to POTENTIAL too ("before was not")', () => {
    expect(growth(ctx({ tierBefore: 'VIP', tierAfter: 'POTENTIAL' }))).not.toBeNull();
  });

  it('does not fire while POTENTIAL persists', () => {
    expect(growth(ctx({ tierBefore: 'POTENTIAL', tierAfter: 'POTENTIAL' }))).toBeNull();
    expect(growth(ctx({ tierBefore: 'POTENTIAL', tierAfter: 'ORDINARY' }))).toBeNull();
  });
});
