// Tier rules: vip-upgrade, vip-outflow-retention, asset-growth.
// Tier edges are made by one event each (a big transfer in), never by days
// passing: an implementation that compares with the tier stored at the
// previous event and one that recomputes "before" at the event's time then
// agree (the checker flags any event where they would not). With timers on
// (labels.ts LabelMode) the same edge is judged at the close of that event's
// day: the `events` label names the event, the `timers` label the day's TIER
// timer. Other timer outputs of these customers (a VIP's cadence, a tier
// falling back later) are not stated here.
import type { ScenarioTemplate } from './builder.ts';
import { cny, type ScenarioBuilder } from './builder.ts';

/** One account, first event a small card purchase on day 0. */
function start(b: ScenarioBuilder, balanceMinor: number): string {
  const acc = b.account(balanceMinor);
  b.spend(b.at(0, 9), acc, cny(b.rng.int(30, 300)));
  return acc;
}

/** Share `pct` of current assets, rounded to whole yuan hundreds. */
function share(b: ScenarioBuilder, pct: number): number {
  return Math.round((b.ledger.assetsMinor() * pct) / 10_000) * 10_000;
}

function vipThenOutflow(b: ScenarioBuilder, fallPct: number, consent: boolean): void {
  b.profile({ marketingConsent: consent, withRelationshipManager: true });
  const acc = b.account(cny(1_000_000 + b.rng.int(0, 200_000)));
  // First event with >= 500,000: tier goes ORDINARY -> VIP right here.
  const first = b.spend(b.at(0, 10), acc, cny(b.rng.int(100, 900)), '5812');
  if (consent) {
    b.task('vip-upgrade', first, { mode: 'events' });
    b.timerTask('vip-upgrade', b.timerId('TIER', 0), b.endOfDay(0));
  } else {
    b.suppressed('vip-upgrade', first, 'NO_CONSENT', 'events');
    b.timerSuppressed('vip-upgrade', b.timerId('TIER', 0), 'NO_CONSENT');
  }
  b.filler(1, 45, 0.4);
  b.spend(b.at(20, 12), acc, cny(b.rng.int(200, 2_000)), '5311');
  // Move money to the customer's own account elsewhere: no fraud reason, but a fall.
  const out = b.post(b.at(38, 15), acc, 'TRANSFER_OUT', share(b, fallPct), { counterparty: b.counterparty(true) });
  if (fallPct >= 0.3) b.task('vip-outflow-retention', out);
  else b.nearMiss('vip-outflow-retention');
  // Within the next week the fall is still "recent": no second retention task.
  b.spend(b.at(40, 12), acc, cny(b.rng.int(100, 800)), '5411');
  b.spend(b.at(44, 18), acc, cny(b.rng.int(100, 800)), '5812');
}

function growth(b: ScenarioBuilder, jumpFactor: number | null): void {
  b.profile();
  const base = cny(100_000 + b.rng.int(0, 20_000));
  const acc = start(b, base);
  b.filler(1, 225, 0.08);
  // +25% after five months: the six-month ratio sits at 1.25 for weeks.
  b.post(b.at(150, 11), acc, 'DEPOSIT', Math.round(base / 4), { channel: 'BRANCH' });
  if (jumpFactor !== null) {
    // Day 215: avg30 180 days earlier is ~base; one transfer lifts today's avg30 over 1.3 x base.
    const jump = b.post(b.at(215, 10), acc, 'TRANSFER_IN', Math.round(base * jumpFactor), { counterparty: b.counterparty(true) });
    b.task('asset-growth', jump, { mode: 'events' });
    b.timerTask('asset-growth', b.timerId('TIER', 215), b.endOfDay(215));
  } else {
    b.nearMiss('asset-growth');
  }
  b.spend(b.at(222, 13), acc, cny(b.rng.int(50, 500)));
}

export const WEALTH_SCENARIOS: readonly ScenarioTemplate[] = [
  { name: 'vip-outflow-retention/fall-40pct', span: 45, build: (b) => vipThenOutflow(b, 0.4, true) },
  { name: 'vip-outflow-retention/no-consent', span: 45, build: (b) => vipThenOutflow(b, 0.4, false) },
  { name: 'vip-outflow-retention/near-fall-20pct', span: 45, build: (b) => vipThenOutflow(b, 0.2, true) },
  {
    name: 'vip-upgrade/grown',
    span: 45,
    build: (b) => {
      b.profile({ withRelationshipManager: true });
      const acc = start(b, cny(490_000 + b.rng.int(0, 5_000)));
      b.filler(1, 45, 0.3);
      // avg30 ~490,000 -> (29 x 490,000 + 1,090,000) / 30 ~ 510,000.
      const jump = b.post(b.at(36, 11), acc, 'TRANSFER_IN', cny(600_000), { counterparty: b.counterparty(true) });
      b.task('vip-upgrade', jump, { mode: 'events' });
      b.timerTask('vip-upgrade', b.timerId('TIER', 36), b.endOfDay(36));
      b.spend(b.at(40, 12), acc, cny(b.rng.int(100, 900)), '5812');
    },
  },
  {
    name: 'vip-upgrade/near-almost',
    span: 45,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(480_000 + b.rng.int(0, 2_000)));
      b.filler(1, 45, 0.3);
      // avg30 reaches ~496,700 for a few hours, then the money goes back out.
      const own = b.counterparty(true);
      b.post(b.at(36, 10), acc, 'TRANSFER_IN', cny(500_000), { counterparty: own });
      b.post(b.at(36, 15), acc, 'TRANSFER_OUT', cny(500_000), { counterparty: own });
      b.nearMiss('vip-upgrade');
      b.nearMiss('vip-outflow-retention'); // a 50% fall, but never VIP
      b.spend(b.at(40, 12), acc, cny(b.rng.int(100, 900)));
    },
  },
  { name: 'asset-growth/six-months', span: 225, build: (b) => growth(b, 2) },
  { name: 'asset-growth/near-25pct', span: 225, build: (b) => growth(b, null) },
  {
    name: 'asset-growth/near-short-history',
    span: 150,
    build: (b) => {
      b.profile();
      const acc = start(b, cny(100_000 + b.rng.int(0, 20_000)));
      b.filler(1, 150, 0.1);
      // Triples, but there is no average 180 days back to compare with.
      b.post(b.at(60, 11), acc, 'TRANSFER_IN', cny(200_000), { counterparty: b.counterparty(true) });
      b.spend(b.at(148, 13), acc, cny(b.rng.int(50, 500)));
      b.nearMiss('asset-growth');
    },
  },
];
