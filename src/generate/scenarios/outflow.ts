// large-outflow and outflow-velocity: what fires, with exactly which reasons,
// and the near misses just outside each condition. Amounts are chosen from
// the ledger's state so each reason holds or fails with a wide margin
// (checked by assertions here and by the reference checker in the tests).
import type { Counterparty } from '../../events/types.ts';
import { MINUTE_MS } from '../calendar.ts';
import type { GenRecord } from '../ledger.ts';
import { LARGE_OUTFLOW_MINOR } from '../rules.ts';
import { cny, type ScenarioBuilder, type ScenarioTemplate } from './builder.ts';

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`scenario construction: ${what}`);
}

/** Opens one account and posts a first small card purchase on day 0 (the customer's first event). */
function start(b: ScenarioBuilder, balanceMinor: number): string {
  const acc = b.account(balanceMinor);
  b.spend(b.at(0, 9), acc, cny(b.rng.int(30, 300)));
  return acc;
}

/** Small transfers to a payee on the given days: its history (seen counterparty, largest outflow). */
function history(b: ScenarioBuilder, acc: string, to: Counterparty, days: readonly number[], amountMinor: number): void {
  for (const d of days) b.post(b.at(d, 11), acc, 'TRANSFER_OUT', amountMinor, { counterparty: to });
}

function transferOut(b: ScenarioBuilder, at: number, acc: string, amountMinor: number, to: Counterparty | null): GenRecord {
  return b.post(at, acc, to ? 'TRANSFER_OUT' : 'WITHDRAWAL', amountMinor, { counterparty: to, channel: to ? 'APP' : 'BRANCH' });
}

const A = 'AMOUNT_OVER_THRESHOLD';
const NEW = 'NEW_COUNTERPARTY';
const SPIKE = 'SPIKE_VS_HISTORY';
const SHARE = 'SHARE_OF_BALANCE';
const ELDERLY = 'ELDERLY_CUSTOMER';

export const OUTFLOW_SCENARIOS: readonly ScenarioTemplate[] = [
  {
    name: 'large-outflow/new-counterparty',
    span: 60,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(400_000 + b.rng.int(0, 50_000)));
      const payee = b.counterparty();
      history(b, acc, payee, [10, 30], cny(20_000));
      b.filler(1, 60);
      const amount = cny(80_000 + b.rng.int(0, 15_000)); // < 5 x 20,000 and < half of ~370,000
      check(amount * 2 < b.ledger.assetsMinor(), 'no share of balance');
      b.task('large-outflow', transferOut(b, b.at(55, 14), acc, amount, b.counterparty()), { reasons: [A, NEW] });
    },
  },
  {
    name: 'large-outflow/spike-known-payee',
    span: 60,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(400_000 + b.rng.int(0, 50_000)));
      const payee = b.counterparty();
      history(b, acc, payee, [5], cny(8_000));
      history(b, acc, payee, [25], cny(10_000));
      b.filler(1, 60);
      const amount = cny(60_000 + b.rng.int(0, 10_000)); // >= 5 x 10,000, payee seen 25 days ago
      check(amount * 2 < b.ledger.assetsMinor(), 'no share of balance');
      b.task('large-outflow', transferOut(b, b.at(50, 15), acc, amount, payee), { reasons: [A, SPIKE] });
    },
  },
  {
    name: 'large-outflow/share-of-balance',
    span: 60,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(150_000 + b.rng.int(0, 10_000)));
      const payee = b.counterparty();
      history(b, acc, payee, [5], cny(30_000));
      history(b, acc, payee, [20], cny(25_000));
      b.filler(1, 60);
      // Half of assets or more, but < 5 x 30,000 and to a payee seen 30 days ago.
      const amount = Math.ceil(b.ledger.assetsMinor() / 2 / 100_000) * 100_000 + cny(2_000);
      check(amount >= LARGE_OUTFLOW_MINOR && amount < 5 * cny(30_000) && amount <= b.ledger.balance(acc), 'share-of-balance amount');
      b.task('large-outflow', transferOut(b, b.at(50, 10), acc, amount, payee), { reasons: [A, SHARE] });
    },
  },
  {
    name: 'large-outflow/no-history',
    span: 30,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(300_000 + b.rng.int(0, 100_000)));
      b.filler(1, 30);
      // No outflow in 90 days: the spike test holds against a maximum of 0.
      const amount = cny(60_000 + b.rng.int(0, 30_000));
      b.task('large-outflow', transferOut(b, b.at(20, 16), acc, amount, b.counterparty()), { reasons: [A, NEW, SPIKE] });
    },
  },
  {
    name: 'large-outflow/cash-withdrawal',
    span: 60,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(300_000 + b.rng.int(0, 50_000)));
      for (const [d, amt] of [[5, 2_000], [20, 3_000], [35, 5_000]] as const) transferOut(b, b.at(d, 12), acc, cny(amt), null);
      b.filler(1, 60);
      // Cash has no counterparty: never NEW_COUNTERPARTY; >= 5 x 5,000.
      const amount = cny(60_000 + b.rng.int(0, 20_000));
      b.task('large-outflow', transferOut(b, b.at(50, 10), acc, amount, null), { reasons: [A, SPIKE] });
    },
  },
  {
    name: 'large-outflow/elderly',
    span: 60,
    build: (b) => {
      b.profile({ age: b.rng.int(70, 80) });
      const acc = start(b, cny(400_000 + b.rng.int(0, 50_000)));
      history(b, acc, b.counterparty(), [10], cny(20_000));
      b.filler(1, 60);
      const amount = cny(60_000 + b.rng.int(0, 30_000)); // < 5 x 20,000
      b.task('large-outflow', transferOut(b, b.at(50, 11), acc, amount, b.counterparty()), { priority: 'P1', reasons: [A, NEW, ELDERLY] });
    },
  },
  {
    name: 'large-outflow/half-million',
    span: 45,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(300_000 + b.rng.int(0, 20_000)));
      history(b, acc, b.counterparty(), [10], cny(10_000));
      b.filler(1, 45);
      // Proceeds of a flat sale arrive, then most of it leaves to someone new.
      b.post(b.at(40, 10), acc, 'TRANSFER_IN', cny(450_000), { counterparty: b.counterparty() });
      const amount = cny(520_000 + b.rng.int(0, 60_000));
      check(amount * 2 >= b.ledger.assetsMinor(), 'share of balance');
      b.task('large-outflow', transferOut(b, b.at(40, 14), acc, amount, b.counterparty()), { priority: 'P1', reasons: [A, NEW, SPIKE, SHARE] });
    },
  },
  {
    name: 'large-outflow/near-just-below-threshold',
    span: 40,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(300_000 + b.rng.int(0, 50_000)));
      b.filler(1, 40);
      transferOut(b, b.at(30, 15), acc, LARGE_OUTFLOW_MINOR - 1, b.counterparty()); // 49,999.99 to someone new
      b.nearMiss('large-outflow');
    },
  },
  {
    name: 'large-outflow/near-own-account',
    span: 40,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(400_000 + b.rng.int(0, 50_000)));
      b.filler(1, 40);
      transferOut(b, b.at(30, 15), acc, cny(200_000 + b.rng.int(0, 100_000)), b.counterparty(true));
      b.nearMiss('large-outflow');
    },
  },
  {
    name: 'large-outflow/near-known-payee-no-reason',
    span: 60,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(400_000 + b.rng.int(0, 50_000)));
      const payee = b.counterparty();
      history(b, acc, payee, [5], cny(15_000));
      history(b, acc, payee, [25], cny(18_000));
      b.filler(1, 60);
      const amount = cny(60_000 + b.rng.int(0, 25_000)); // < 5 x 18,000, well under half the assets
      check(amount * 2 < b.ledger.assetsMinor(), 'no share of balance');
      transferOut(b, b.at(50, 16), acc, amount, payee);
      b.nearMiss('large-outflow');
    },
  },
  {
    name: 'outflow-velocity/three-in-an-hour',
    span: 30,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(200_000 + b.rng.int(0, 50_000)));
      b.filler(1, 30);
      const t0 = b.at(20, 14, b.rng.int(0, 20));
      const amounts = [cny(18_000 + b.rng.int(0, 2_000)), cny(20_000), cny(15_000 + b.rng.int(0, 5_000))];
      const offsets = [0, b.rng.int(8, 15), b.rng.int(25, 35)];
      const outs = amounts.map((amt, i) => transferOut(b, t0 + (offsets[i] as number) * MINUTE_MS, acc, amt, b.counterparty()));
      b.task('outflow-velocity', outs[2] as GenRecord, { reasons: ['VELOCITY'] });
    },
  },
  {
    name: 'outflow-velocity/near-spread-over-two-hours',
    span: 30,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(200_000 + b.rng.int(0, 50_000)));
      b.filler(1, 30);
      // 65 minutes apart: never two of them in the same 12 five-minute slots.
      const t0 = b.at(20, 10, b.rng.int(0, 20));
      for (let i = 0; i < 3; i++) transferOut(b, t0 + i * 65 * MINUTE_MS, acc, cny(20_000), b.counterparty());
      b.nearMiss('outflow-velocity');
    },
  },
  {
    name: 'outflow-velocity/near-sum-below',
    span: 30,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(200_000 + b.rng.int(0, 50_000)));
      b.filler(1, 30);
      const t0 = b.at(20, 15, b.rng.int(0, 20));
      const amounts = [cny(20_000), cny(20_000), LARGE_OUTFLOW_MINOR - 1 - cny(40_000)]; // sum 49,999.99
      amounts.forEach((amt, i) => transferOut(b, t0 + i * 9 * MINUTE_MS, acc, amt, b.counterparty()));
      b.nearMiss('outflow-velocity');
    },
  },
  {
    name: 'policy/no-consent-fraud-and-complaint',
    span: 40,
    build: (b) => {
      b.profile({ marketingConsent: false });
      const acc = start(b, cny(300_000 + b.rng.int(0, 50_000)));
      b.filler(1, 40);
      // Fraud checks and service recovery ignore consent.
      b.task('large-outflow', transferOut(b, b.at(10, 13), acc, cny(80_000), b.counterparty()), { reasons: [A, NEW, SPIKE] });
      b.task('complaint-recovery', b.channel(b.at(12, 10), 'COMPLAINT', null, 'CALL_CENTER', { category: 'FRAUD_CHECK_CALL' }));
    },
  },
];
