// Time as a trigger (issue 13): tier changes on days without events, the care
// cadence, birthdays and fraud-check deadlines, with their near misses.
//
// Labels are stated per pipeline (labels.ts LabelMode): what the live path
// emits today, evaluating rules on events only (`events`), and what it must
// emit once timers fire (`timers`: tier edges judged at a day's close, the
// four time-driven rules). A `timers` label states, for its customer and
// rule, every output of that rule up to the file's last event time; other
// rules' timer outputs of the same customer (a cadence after an upgrade, a
// birthday) are not stated here. Amounts are exact (accounts open at 0 and
// move by own-account transfers, which no fraud rule looks at), so the days
// in the comments are hand-computed.
import { taskIdFor } from '../../tasks/task-id.ts';
import { HOUR_MS, isoDate } from '../calendar.ts';
import type { GenRecord } from '../ledger.ts';
import { cny, type ScenarioBuilder, type ScenarioTemplate } from './builder.ts';

const DAY_MS = 24 * HOUR_MS;

/** An own-account transfer in (+) or out (-): moves assets without any fraud reason. */
function own(b: ScenarioBuilder, at: number, acc: string, amountMinor: number): GenRecord {
  return b.post(at, acc, amountMinor >= 0 ? 'TRANSFER_IN' : 'TRANSFER_OUT', Math.abs(amountMinor), { counterparty: b.counterparty(true) });
}

function eventId(r: GenRecord): string {
  return (r.value as { eventId: string }).eventId;
}

/** 1,000,000 from day 0 (VIP at once: the only day with a value averages 1,000,000). */
function vipFromDay0(b: ScenarioBuilder): { acc: string; first: GenRecord } {
  const acc = b.account(0);
  return { acc, first: own(b, b.at(0, 10), acc, cny(1_000_000)) };
}

/**
 * 1,000,000 falling to 10,000 on day `d` (own transfer out): at or below 70 %
 * of the average with a recent day above, so vip-outflow-retention fires on
 * both pipelines; the average falls below 500,000 at the close of day d + 15
 * ((14 x 1,000,000 + 16 x 10,000) / 30 = 472,000; day d + 14: 505,000).
 */
function fallFrom(b: ScenarioBuilder, acc: string, d: number): void {
  b.task('vip-outflow-retention', own(b, b.at(d, 10), acc, -cny(990_000)));
}

/** A large outflow to a new payee on day 20 at 14:00 (fraud check P2, due +24 h): its record and task id. */
function fraudCheck(b: ScenarioBuilder): { out: GenRecord; taskId: string } {
  b.profile({ age: b.rng.int(30, 55) });
  const acc = b.account(cny(300_000));
  b.spend(b.at(0, 9), acc, cny(b.rng.int(30, 300)));
  b.filler(1, 30, 0.2);
  const out = b.post(b.at(20, 14), acc, 'TRANSFER_OUT', cny(80_000), { counterparty: b.counterparty() });
  // no outflow in the previous 90 days: any amount is a spike; 160,000 < the ~300,000 of assets: no share of balance
  b.task('large-outflow', out, { reasons: ['AMOUNT_OVER_THRESHOLD', 'NEW_COUNTERPARTY', 'SPIKE_VS_HISTORY'] });
  b.spend(b.at(28, 12), acc, cny(b.rng.int(30, 300)));
  return { out, taskId: taskIdFor({ ruleId: 'large-outflow', customerId: b.customerId, triggerEventId: eventId(out) }) };
}

function outcome(b: ScenarioBuilder, at: number, taskId: string, result: string): GenRecord {
  return b.channel(at, 'CONTACT_OUTCOME', null, 'CALL_CENTER', { taskId, outcome: result });
}

/** A birthday scenario day that is not 29 February (a birth date then may not exist `age` years back). */
function birthdayDay(b: ScenarioBuilder, offset: number): number {
  return isoDate(b.day(offset)).endsWith('-02-29') ? offset + 1 : offset;
}

/** Scenarios whose own events make the checker's "when is before taken" ambiguity on purpose: the tier changed between events by time alone. */
export const AMBIGUOUS_BY_DESIGN: readonly string[] = ['vip-upgrade/quiet-crossing'];

export const TIME_SCENARIOS: readonly ScenarioTemplate[] = [
  {
    // avg30 of day 40 + k: ((17 - k + 12) x 100,000 + (k + 1) x 1,050,000) / 30: k = 11 -> 480,000, k = 12 -> 511,666
    name: 'vip-upgrade/quiet-crossing',
    span: 85,
    build: (b) => {
      b.profile({ withRelationshipManager: true });
      const acc = b.account(0);
      own(b, b.at(0, 10), acc, cny(100_000));
      b.post(b.at(40, 10), acc, 'DEPOSIT', cny(950_000), { channel: 'BRANCH' });
      // the next event six weeks after the deposit; on the event path "before" is VIP already: nothing
      b.spend(b.at(82, 10), acc, cny(100), '5812');
      b.timerTask('vip-upgrade', b.timerId('TIER', 52), b.endOfDay(52));
    },
  },
  {
    name: 'vip-upgrade/near-reversed-same-day',
    span: 45,
    build: (b) => {
      b.profile();
      const acc = b.account(0);
      own(b, b.at(0, 10), acc, cny(100_000));
      b.filler(1, 45, 0.2);
      // 20,000,000 in at 10:00 (today's average far past 500,000), back out at 15:00
      const jump = own(b, b.at(35, 10, 5), acc, cny(20_000_000));
      b.task('vip-upgrade', jump, { mode: 'events' });
      own(b, b.at(35, 15, 5), acc, -cny(20_000_000));
      b.nearMiss('vip-upgrade', 'timers');
    },
  },
  {
    // 200,000 days 0-59, 100,000 days 60-99, 140,000 from day 100. Day 267: ago window 58..87 = 2 x 200,000 + 28 x 100,000
    // -> 106,666; 140,000 x 100 >= 106,666 x 130: POTENTIAL (day 266: 110,000, not). Day 285 it moves past: ORDINARY again.
    name: 'asset-growth/window-moves',
    span: 290,
    build: (b) => {
      b.profile();
      const acc = b.account(0);
      own(b, b.at(0, 10), acc, cny(200_000));
      own(b, b.at(60, 10), acc, -cny(100_000));
      own(b, b.at(100, 10), acc, cny(40_000));
      b.spend(b.at(290, 12), acc, cny(100));
      b.timerTask('asset-growth', b.timerId('TIER', 267), b.endOfDay(267));
    },
  },
  {
    name: 'vip-downgrade/average-falls',
    span: 70,
    build: (b) => {
      b.profile({ withRelationshipManager: true });
      const { acc, first } = vipFromDay0(b);
      b.task('vip-upgrade', first, { mode: 'events' });
      b.timerTask('vip-upgrade', b.timerId('TIER', 0), b.endOfDay(0));
      b.filler(1, 70, 0.2);
      fallFrom(b, acc, 40);
      b.timerTask('vip-downgrade', b.timerId('TIER', 55), b.endOfDay(55));
    },
  },
  {
    // 600,000 from day 0, 510,000 from day 30: the average nears 500,000 but stays above it; 510,000 is 85 % of it (no retention)
    name: 'vip-downgrade/near-stays-above',
    span: 70,
    build: (b) => {
      b.profile({ withRelationshipManager: true });
      const acc = b.account(0);
      b.task('vip-upgrade', own(b, b.at(0, 10), acc, cny(600_000)), { mode: 'events' });
      b.filler(1, 70, 0.2);
      own(b, b.at(30, 10), acc, -cny(90_000));
      b.spend(b.at(69, 12), acc, cny(100));
      b.nearMiss('vip-downgrade', 'timers');
    },
  },
  {
    // no consent: vip-upgrade is held back, so nothing is a contact until the cadence itself
    name: 'care-cadence/vip-unreached',
    span: 75,
    build: (b) => {
      b.profile({ marketingConsent: false, withRelationshipManager: true });
      const { acc, first } = vipFromDay0(b);
      b.suppressed('vip-upgrade', first, 'NO_CONSENT', 'events');
      b.filler(1, 75, 0.3);
      const since = b.endOfDay(0);
      b.timerTask('care-cadence', b.timerId('CADENCE', since + 30 * DAY_MS), since + 30 * DAY_MS);
      b.timerTask('care-cadence', b.timerId('CADENCE', since + 60 * DAY_MS), since + 60 * DAY_MS);
      // RETENTION on day 65 is a contact; ORDINARY from the close of day 80, before the next cadence (day 95)
      fallFrom(b, acc, 65);
    },
  },
  {
    // REACHED on day 28: no cadence on day 30 (it would be due then without it), and none 20 days later
    name: 'care-cadence/near-reached-recently',
    span: 60,
    build: (b) => {
      b.profile({ marketingConsent: false });
      const { acc, first } = vipFromDay0(b);
      b.suppressed('vip-upgrade', first, 'NO_CONSENT', 'events');
      b.filler(1, 60, 0.2);
      outcome(b, b.at(28, 11), taskIdFor({ ruleId: 'vip-upgrade', customerId: b.customerId, triggerEventId: eventId(first) }), 'REACHED');
      // RETENTION on day 40 is a contact too; ORDINARY from the close of day 55, before either would make one due
      fallFrom(b, acc, 40);
      b.nearMiss('care-cadence', 'timers');
    },
  },
  {
    name: 'birthday-greeting/vip',
    span: 45,
    build: (b) => {
      const day = birthdayDay(b, 20);
      b.profile({ withRelationshipManager: true, birthdayOn: day, age: b.rng.int(35, 55) });
      const { acc, first } = vipFromDay0(b);
      b.task('vip-upgrade', first, { mode: 'events' });
      b.filler(1, 45, 0.2);
      b.timerTask('birthday-greeting', b.timerId('BIRTHDAY', day), b.startOfDay(day));
      fallFrom(b, acc, 30);
    },
  },
  {
    name: 'birthday-greeting/near-ordinary',
    span: 45,
    build: (b) => {
      b.profile({ birthdayOn: birthdayDay(b, 20), age: b.rng.int(35, 55) });
      const acc = b.account(0);
      own(b, b.at(0, 10), acc, cny(50_000));
      b.filler(1, 45, 0.3);
      b.spend(b.at(40, 12), acc, cny(100));
      b.nearMiss('birthday-greeting');
    },
  },
  {
    name: 'fraud-check-escalation/unanswered',
    span: 30,
    build: (b) => {
      const { out, taskId } = fraudCheck(b);
      b.timerTask('fraud-check-escalation', b.timerId('FRAUD_SLA', taskId), out.at + 24 * HOUR_MS);
    },
  },
  {
    name: 'fraud-check-escalation/near-answered',
    span: 30,
    build: (b) => {
      const { out, taskId } = fraudCheck(b);
      outcome(b, out.at + 3 * HOUR_MS, taskId, 'CONFIRMED_GENUINE');
      b.nearMiss('fraud-check-escalation');
    },
  },
  {
    // the answer comes one minute after dueBy: too late, escalated once
    name: 'fraud-check-escalation/answered-one-minute-late',
    span: 30,
    build: (b) => {
      const { out, taskId } = fraudCheck(b);
      outcome(b, out.at + 24 * HOUR_MS + 60_000, taskId, 'REACHED');
      b.timerTask('fraud-check-escalation', b.timerId('FRAUD_SLA', taskId), out.at + 24 * HOUR_MS);
    },
  },
];
