// welcome and complaint-recovery: one task per ACCOUNT_OPENED / COMPLAINT;
// CARE goes out without marketing consent, SERVICE_RECOVERY always.
import type { GenRecord } from '../ledger.ts';
import { cny, type ScenarioBuilder, type ScenarioTemplate } from './builder.ts';

function start(b: ScenarioBuilder): string {
  const acc = b.account(cny(20_000 + b.rng.int(0, 60_000)));
  b.spend(b.at(0, 9), acc, cny(b.rng.int(30, 300)));
  b.filler(1, 20);
  return acc;
}

function opened(b: ScenarioBuilder, day: number): GenRecord {
  const ev = b.channel(b.at(day, 11, b.rng.int(0, 20)), 'ACCOUNT_OPENED', null, b.rng.pick(['BRANCH', 'APP'] as const), { accountType: 'DEBIT_CARD' });
  b.post(ev.at + 30 * 60_000, b.account(0), 'DEPOSIT', cny(b.rng.int(1, 20) * 500), { channel: 'ATM' });
  return ev;
}

function complaint(b: ScenarioBuilder, day: number, category: string): GenRecord {
  return b.channel(b.at(day, b.rng.int(9, 17)), 'COMPLAINT', null, b.rng.pick(['CALL_CENTER', 'BRANCH', 'APP'] as const), { category });
}

export const SERVICE_SCENARIOS: readonly ScenarioTemplate[] = [
  {
    name: 'welcome/account-opened',
    span: 20,
    build: (b) => {
      b.profile();
      start(b);
      b.task('welcome', opened(b, 3));
    },
  },
  {
    name: 'welcome/no-consent-still-care',
    span: 20,
    build: (b) => {
      b.profile({ marketingConsent: false });
      start(b);
      b.task('welcome', opened(b, 4));
    },
  },
  {
    name: 'welcome/near-new-account-without-event',
    span: 20,
    build: (b) => {
      b.profile();
      start(b);
      // A second account starts posting, but no ACCOUNT_OPENED channel event arrives.
      b.post(b.at(5, 11), b.account(0), 'DEPOSIT', cny(2_000), { channel: 'BRANCH' });
      b.nearMiss('welcome');
    },
  },
  {
    name: 'complaint-recovery/one',
    span: 20,
    build: (b) => {
      b.profile();
      start(b);
      b.task('complaint-recovery', complaint(b, 6, 'FEES'));
    },
  },
  {
    name: 'complaint-recovery/two',
    span: 20,
    build: (b) => {
      b.profile();
      start(b);
      b.task('complaint-recovery', complaint(b, 4, 'WAITING_TIME'));
      b.task('complaint-recovery', complaint(b, 13, 'CARD_DECLINED'));
    },
  },
  {
    name: 'complaint-recovery/near-bad-survey',
    span: 20,
    build: (b) => {
      b.profile();
      start(b);
      b.channel(b.at(7, 18), 'SURVEY_RESPONSE', null, 'SMS', { score: '1' });
      b.nearMiss('complaint-recovery');
    },
  },
];
