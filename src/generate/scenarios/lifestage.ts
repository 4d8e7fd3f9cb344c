// Life-stage offers (mortgage-interest, new-parent, payroll-plan) and the
// contact-policy cases built on them: no consent, contact cap after a
// welcome, cool-down of a rule that fires twice within 30 days.
import type { ChannelAction } from '../../events/types.ts';
import { PRODUCTS } from '../catalog.ts';
import type { GenRecord } from '../ledger.ts';
import { cny, type ScenarioBuilder, type ScenarioTemplate } from './builder.ts';

function start(b: ScenarioBuilder, balanceMinor: number): string {
  const acc = b.account(balanceMinor);
  b.spend(b.at(0, 9), acc, cny(b.rng.int(30, 300)));
  return acc;
}

/** Mortgage rate queries / calculator uses, one per listed day. */
function mortgageQueries(b: ScenarioBuilder, days: readonly number[]): GenRecord[] {
  return days.map((d) => {
    const action: ChannelAction = b.rng.chance(0.6) ? 'RATE_QUERY' : 'CALCULATOR';
    return b.channel(b.at(d, b.rng.int(10, 17)), action, 'MORTGAGE', b.rng.pick(['APP', 'WEB', 'WECHAT'] as const));
  });
}

/** Opens a second account: ACCOUNT_OPENED, then its first deposit. Returns the channel event. */
function openAccount(b: ScenarioBuilder, day: number): GenRecord {
  const opened = b.channel(b.at(day, 10, b.rng.int(0, 20)), 'ACCOUNT_OPENED', null, 'BRANCH', { accountType: 'SAVINGS' });
  const acc = b.account(0);
  b.post(opened.at + 25 * 60_000, acc, 'DEPOSIT', cny(b.rng.int(1, 10) * 1_000), { channel: 'BRANCH' });
  return opened;
}

const rich = (b: ScenarioBuilder): number => cny(250_000 + b.rng.int(0, 100_000));

/** Salary on `payday` of the given months after day 0's month. */
function salaries(b: ScenarioBuilder, acc: string, months: readonly number[], payday: number, amountMinor: number): GenRecord[] {
  const employer = b.counterparty();
  return months.map((m) => b.post(b.at(b.monthDay(m, payday), 9), acc, 'SALARY_CREDIT', amountMinor, { channel: 'WEB', counterparty: employer }));
}

/** Baby-shop card purchases (MCC 5641 / 5945) on a day in each listed month. */
function babyMonths(b: ScenarioBuilder, acc: string, months: readonly number[]): GenRecord[] {
  return months.map((m) => {
    const d = b.monthDay(m, b.rng.int(3, 20));
    const first = b.spend(b.at(d, 15), acc, cny(b.rng.int(80, 800)), b.rng.pick(['5641', '5945']));
    if (b.rng.chance(0.5)) b.spend(b.at(d + b.rng.int(1, 5), 16), acc, cny(b.rng.int(50, 500)), b.rng.pick(['5641', '5945']));
    return first;
  });
}

export const LIFESTAGE_SCENARIOS: readonly ScenarioTemplate[] = [
  {
    name: 'mortgage-interest/three-queries',
    span: 20,
    build: (b) => {
      b.profile();
      start(b, rich(b));
      b.filler(1, 20);
      const q = mortgageQueries(b, [2, 7, 14]);
      b.task('mortgage-interest', q[2] as GenRecord);
    },
  },
  {
    name: 'mortgage-interest/near-low-deposits',
    span: 20,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(250_000 + b.rng.int(0, 20_000)));
      // Assets stay ~250,000, but deposits drop to ~150,000: holdings do not count.
      b.post(b.at(1, 11), acc, 'PRODUCT_PURCHASE', cny(100_000 + b.rng.int(0, 10_000)), { product: PRODUCTS.wealthR2 });
      b.filler(2, 20);
      mortgageQueries(b, [3, 8, 15]);
      b.nearMiss('mortgage-interest');
    },
  },
  {
    name: 'mortgage-interest/near-spread-40-days',
    span: 42,
    build: (b) => {
      b.profile();
      start(b, rich(b));
      b.filler(1, 42);
      mortgageQueries(b, [1, 21, 41]); // never 3 within 30 days
      b.nearMiss('mortgage-interest');
    },
  },
  {
    name: 'policy/cooldown-mortgage-twice',
    span: 36,
    build: (b) => {
      b.profile();
      start(b, rich(b));
      b.filler(1, 36);
      // Fires on day 20 ({1,2,20}); days 1 and 2 leave the window, then {20,34,35} fires
      // again 15 days after the issued task: same rule within 30 days.
      const q = mortgageQueries(b, [1, 2, 20, 34, 35]);
      b.task('mortgage-interest', q[2] as GenRecord);
      b.suppressed('mortgage-interest', q[4] as GenRecord, 'COOLDOWN');
    },
  },
  {
    name: 'policy/no-consent-mortgage',
    span: 20,
    build: (b) => {
      b.profile({ marketingConsent: false });
      start(b, rich(b));
      b.filler(1, 20);
      const q = mortgageQueries(b, [3, 9, 16]);
      b.suppressed('mortgage-interest', q[2] as GenRecord, 'NO_CONSENT');
    },
  },
  {
    name: 'policy/cap-welcome-then-mortgage',
    span: 25,
    build: (b) => {
      b.profile();
      start(b, rich(b));
      b.filler(1, 25);
      b.task('welcome', openAccount(b, 1));
      // Ten days after the CARE contact: an ORDINARY customer's 30-day window is taken.
      const q = mortgageQueries(b, [4, 8, 11]);
      b.suppressed('mortgage-interest', q[2] as GenRecord, 'CONTACT_CAP');
    },
  },
  {
    name: 'new-parent/three-months',
    span: 150,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(80_000 + b.rng.int(0, 70_000)));
      b.filler(1, 150, 0.15);
      // Months 1, 2, 3 fire once at the third; month 4 continues the run without firing.
      const firsts = babyMonths(b, acc, [1, 2, 3, 4]);
      b.task('new-parent', firsts[2] as GenRecord);
    },
  },
  {
    name: 'new-parent/near-gap-month',
    span: 150,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(80_000 + b.rng.int(0, 70_000)));
      b.filler(1, 150, 0.15);
      babyMonths(b, acc, [1, 2, 4]);
      b.nearMiss('new-parent');
    },
  },
  {
    name: 'payroll-plan/two-salaries',
    span: 120,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(30_000 + b.rng.int(0, 30_000)));
      b.filler(1, 120, 0.2);
      // Second salary fires; the third does not (the situation already held at the second).
      const s = salaries(b, acc, [1, 2, 3], b.rng.int(5, 25), cny(b.rng.int(8, 30) * 1_000));
      b.task('payroll-plan', s[1] as GenRecord);
    },
  },
  {
    name: 'payroll-plan/near-invested',
    span: 120,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(30_000 + b.rng.int(0, 30_000)));
      b.filler(1, 120, 0.2);
      const payday = b.rng.int(5, 25);
      const employer = b.counterparty();
      const s1 = b.monthDay(1, payday);
      const s2 = b.monthDay(2, payday);
      const pay = (d: number): GenRecord => b.post(b.at(d, 9), acc, 'SALARY_CREDIT', cny(12_000), { channel: 'WEB', counterparty: employer });
      // A fund purchase 30 days before the second salary (in a short month, before the first).
      const invest = (): GenRecord => b.post(b.at(s2 - 30, 14), acc, 'PRODUCT_PURCHASE', cny(3_000), { product: PRODUCTS.balancedFund });
      if (s2 - 30 < s1) invest();
      pay(s1);
      if (s2 - 30 >= s1) invest();
      pay(s2);
      pay(b.monthDay(3, payday));
      b.nearMiss('payroll-plan');
    },
  },
  {
    name: 'payroll-plan/lapsed-investor',
    span: 185,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(40_000 + b.rng.int(0, 30_000)));
      b.filler(1, 185, 0.15);
      const payday = b.rng.int(5, 25);
      const employer = b.counterparty();
      const days = [2, 3, 4, 5].map((m) => b.monthDay(m, payday));
      // Last investment 10 days before the first salary: covered at salaries 2 and 3
      // (~40 and ~70 days), not at salary 4 (~100 days), which fires.
      b.post(b.at((days[0] as number) - 10, 14), acc, 'PRODUCT_PURCHASE', cny(5_000), { product: PRODUCTS.bondFund });
      const s = days.map((d) => b.post(b.at(d, 9), acc, 'SALARY_CREDIT', cny(15_000), { channel: 'WEB', counterparty: employer }));
      b.task('payroll-plan', s[3] as GenRecord);
    },
  },
  {
    name: 'policy/cap-welcome-then-payroll',
    span: 90,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(30_000 + b.rng.int(0, 30_000)));
      b.filler(1, 90, 0.2);
      const payday = b.rng.int(5, 25);
      const employer = b.counterparty();
      const s1 = b.monthDay(1, payday);
      const s2 = b.monthDay(2, payday);
      b.post(b.at(s1, 9), acc, 'SALARY_CREDIT', cny(10_000), { channel: 'WEB', counterparty: employer });
      b.task('welcome', openAccount(b, s2 - 10));
      const second = b.post(b.at(s2, 9), acc, 'SALARY_CREDIT', cny(10_000), { channel: 'WEB', counterparty: employer });
      b.suppressed('payroll-plan', second, 'CONTACT_CAP');
    },
  },
];
