// Static vocabulary of the synthetic bank: merchant categories with plausible
// ticket sizes, and the product shelf with risk ratings.
import type { Product, ProductCategory } from '../events/types.ts';

export interface Merchant {
  readonly mcc: string;
  /** Ticket size range in CNY (log-uniform in between). */
  readonly min: number;
  readonly max: number;
  /** Relative frequency among everyday purchases. */
  readonly weight: number;
}

export const EVERYDAY_MERCHANTS: readonly Merchant[] = [
  { mcc: '5411', min: 20, max: 600, weight: 30 }, // grocery stores, supermarkets
  { mcc: '5812', min: 50, max: 800, weight: 18 }, // restaurants
  { mcc: '5814', min: 15, max: 120, weight: 20 }, // fast food
  { mcc: '5499', min: 5, max: 80, weight: 14 }, // convenience / misc food stores
  { mcc: '5541', min: 150, max: 500, weight: 6 }, // service stations
  { mcc: '4121', min: 15, max: 120, weight: 10 }, // taxis and ride hailing
  { mcc: '5311', min: 100, max: 2_000, weight: 4 }, // department stores
  { mcc: '5912', min: 20, max: 400, weight: 5 }, // drug stores
  { mcc: '5691', min: 100, max: 1_500, weight: 4 }, // clothing
  { mcc: '5977', min: 80, max: 1_200, weight: 3 }, // cosmetics
  { mcc: '7832', min: 40, max: 200, weight: 3 }, // cinemas
  { mcc: '4814', min: 50, max: 300, weight: 3 }, // telecom
  { mcc: '5999', min: 20, max: 500, weight: 5 }, // misc retail
  { mcc: '5732', min: 200, max: 8_000, weight: 1 }, // electronics
  { mcc: '4511', min: 500, max: 4_000, weight: 1 }, // airlines
  { mcc: '7011', min: 300, max: 2_500, weight: 1 }, // hotels
];

/** Maternal and baby MCCs of the default rule book (5641 children's wear, 5945 toys). */
export const BABY_MERCHANTS: readonly Merchant[] = [
  { mcc: '5641', min: 80, max: 800, weight: 1 },
  { mcc: '5945', min: 50, max: 600, weight: 1 },
];

const p = (productId: string, category: ProductCategory, riskLevel: number): Product => ({ productId, category, riskLevel });

export const PRODUCTS = {
  timeDeposit3m: p('TD-3M-2026', 'DEPOSIT', 1),
  timeDeposit1y: p('TD-1Y-2026', 'DEPOSIT', 1),
  moneyMarket: p('FND-MMF-001', 'FUND', 1),
  bondFund: p('FND-BND-012', 'FUND', 2),
  balancedFund: p('FND-BAL-023', 'FUND', 3),
  equityFund: p('FND-EQT-031', 'FUND', 4),
  sectorFund: p('FND-SEC-045', 'FUND', 5),
  wealthR1: p('WM-R1-2026-101', 'WEALTH_MANAGEMENT', 1),
  wealthR2: p('WM-R2-2026-202', 'WEALTH_MANAGEMENT', 2),
  wealthR3: p('WM-R3-2026-303', 'WEALTH_MANAGEMENT', 3),
  govBond: p('BND-GOV-2029', 'BOND', 1),
  corpBond: p('BND-CORP-2028', 'BOND', 2),
  lifeInsurance: p('INS-LIFE-07', 'INSURANCE', 1),
  annuity: p('INS-ANN-12', 'INSURANCE', 2),
  gold: p('PM-GOLD-ACC', 'PRECIOUS_METAL', 3),
  principalProtected: p('SN-PP-2026-01', 'STRUCTURED', 3),
  indexNote: p('SN-CSI300-2026', 'STRUCTURED', 4),
  snowball: p('SN-SNOWBALL-07', 'STRUCTURED', 5),
  privateEquity: p('PE-GROWTH-III', 'PRIVATE_EQUITY', 5),
  privateEquityFeeder: p('PE-FEEDER-02', 'PRIVATE_EQUITY', 3),
} as const satisfies Record<string, Product>;

/** Monthly auto-invest choices: investment purchases (not DEPOSIT/INSURANCE) of risk <= 3. */
export const AUTO_INVEST_FUNDS: readonly Product[] = [
  PRODUCTS.moneyMarket,
  PRODUCTS.bondFund,
  PRODUCTS.balancedFund,
  PRODUCTS.wealthR2,
];

/** Occasional one-off purchases; filtered by risk tolerance before use. */
export const ONE_OFF_PRODUCTS: readonly Product[] = [
  PRODUCTS.timeDeposit3m,
  PRODUCTS.timeDeposit1y,
  PRODUCTS.wealthR1,
  PRODUCTS.wealthR2,
  PRODUCTS.wealthR3,
  PRODUCTS.govBond,
  PRODUCTS.corpBond,
  PRODUCTS.lifeInsurance,
  PRODUCTS.annuity,
  PRODUCTS.gold,
  PRODUCTS.principalProtected,
  PRODUCTS.equityFund,
  PRODUCTS.indexNote,
];

/** An "investment purchase" of FEATURES.md: any category but DEPOSIT and INSURANCE. */
export function isInvestment(product: Product): boolean {
  return product.category !== 'DEPOSIT' && product.category !== 'INSURANCE';
}

/** Extends the high-risk streak of FEATURES.md. */
export function isHighRisk(product: Product): boolean {
  return product.riskLevel >= 4 || product.category === 'PRIVATE_EQUITY';
}
