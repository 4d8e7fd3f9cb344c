// risky-streak and suitability. Streak customers have tolerance 5 and a
// fresh assessment, so suitability stays quiet for them; suitability
// customers never build a streak of 3.
import type { Product } from '../../events/types.ts';
import { PRODUCTS } from '../catalog.ts';
import type { GenRecord } from '../ledger.ts';
import { cny, type ScenarioBuilder, type ScenarioTemplate } from './builder.ts';

function start(b: ScenarioBuilder): string {
  const acc = b.account(cny(300_000 + b.rng.int(0, 100_000)));
  b.spend(b.at(0, 9), acc, cny(b.rng.int(30, 300)));
  b.filler(1, 30);
  return acc;
}

/** Purchases on the given days, one each, from the same account. */
function buys(b: ScenarioBuilder, acc: string, plan: readonly (readonly [number, Product])[]): GenRecord[] {
  return plan.map(([d, product]) =>
    b.post(b.at(d, 14), acc, 'PRODUCT_PURCHASE', cny(10_000 + b.rng.int(0, 20) * 1_000), { product, channel: 'APP' }),
  );
}

const STREAK = 'HIGH_RISK_STREAK';
const ABOVE = 'RISK_ABOVE_TOLERANCE';
const OUTDATED = 'ASSESSMENT_OUTDATED';
const MISSING = 'ASSESSMENT_MISSING';

export const PRODUCT_SCENARIOS: readonly ScenarioTemplate[] = [
  {
    name: 'risky-streak/three-high-risk',
    span: 30,
    build: (b) => {
      b.profile({ riskTolerance: 5 });
      const acc = start(b);
      // R4 fund, private equity rated only 3 (the category alone counts), R5 note; a 4th does not fire again.
      const [, , third] = buys(b, acc, [[5, PRODUCTS.equityFund], [12, PRODUCTS.privateEquityFeeder], [19, PRODUCTS.snowball], [26, PRODUCTS.indexNote]]);
      b.task('risky-streak', third as GenRecord, { reasons: [STREAK] });
    },
  },
  {
    name: 'risky-streak/elderly',
    span: 30,
    build: (b) => {
      b.profile({ riskTolerance: 5, age: b.rng.int(68, 80) });
      const acc = start(b);
      const [, , third] = buys(b, acc, [[4, PRODUCTS.sectorFund], [11, PRODUCTS.privateEquity], [18, PRODUCTS.indexNote]]);
      b.task('risky-streak', third as GenRecord, { priority: 'P1', reasons: [STREAK, 'ELDERLY_CUSTOMER'] });
    },
  },
  {
    name: 'risky-streak/near-reset',
    span: 30,
    build: (b) => {
      b.profile({ riskTolerance: 5 });
      const acc = start(b);
      // Two high-risk, a low-risk bond fund resets, two more high-risk.
      buys(b, acc, [[3, PRODUCTS.equityFund], [8, PRODUCTS.snowball], [13, PRODUCTS.bondFund], [18, PRODUCTS.indexNote], [25, PRODUCTS.privateEquity]]);
      b.nearMiss('risky-streak');
    },
  },
  {
    name: 'suitability/above-tolerance',
    span: 30,
    build: (b) => {
      b.profile({ riskTolerance: 2 });
      const acc = start(b);
      // R2 is fine; R3 and R4 are each above C2: every such purchase fires.
      const [, r3, r4] = buys(b, acc, [[5, PRODUCTS.bondFund], [12, PRODUCTS.balancedFund], [20, PRODUCTS.equityFund]]);
      b.task('suitability', r3 as GenRecord, { reasons: [ABOVE] });
      b.task('suitability', r4 as GenRecord, { reasons: [ABOVE] });
    },
  },
  {
    name: 'suitability/outdated-assessment',
    span: 30,
    build: (b) => {
      b.profile({ riskTolerance: 3, assessedDaysBefore: 400 + b.rng.int(0, 100) });
      const acc = start(b);
      const [p] = buys(b, acc, [[10, PRODUCTS.wealthR2]]);
      b.task('suitability', p as GenRecord, { reasons: [OUTDATED] });
    },
  },
  {
    name: 'suitability/above-and-outdated',
    span: 30,
    build: (b) => {
      b.profile({ riskTolerance: 2, assessedDaysBefore: 420 + b.rng.int(0, 100) });
      const acc = start(b);
      const [p] = buys(b, acc, [[10, PRODUCTS.gold]]);
      b.task('suitability', p as GenRecord, { reasons: [ABOVE, OUTDATED] });
    },
  },
  {
    name: 'suitability/never-assessed',
    span: 30,
    build: (b) => {
      b.profile({ riskTolerance: null, assessedDaysBefore: null });
      const acc = start(b);
      const [p] = buys(b, acc, [[10, PRODUCTS.wealthR1]]);
      b.task('suitability', p as GenRecord, { reasons: [MISSING] });
    },
  },
  {
    name: 'suitability/near-within-tolerance',
    span: 30,
    build: (b) => {
      b.profile({ riskTolerance: 3 });
      const acc = start(b);
      // Risk equal to the tolerance is suitable ("above" means strictly greater).
      buys(b, acc, [[6, PRODUCTS.balancedFund], [15, PRODUCTS.wealthR1], [22, PRODUCTS.principalProtected]]);
      b.nearMiss('suitability');
    },
  },
];
