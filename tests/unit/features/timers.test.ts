// Hand-computed cases for time as a trigger (src/features/timers.ts): tier
// edges on days without events, the care cadence, birthdays, fraud-check
// deadlines and their near misses, in the bank's time zone (Asia/Shanghai,
// UTC+8: a local day starts at 16:00 UTC the day before).
import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../src/events/topics.ts';
import type { ChannelEvent, CustomerProfile, Transaction } from '../../../src/events/types.ts';
import {
  apply, emptyState, exactAgeOn, fireDue, nextBirthday, nextDueAt, nextTierChangeDay, recordIssued, schedule, scheduleDraft, draftOf, tierOnDay, timersOf,
  type CustomerState, type FeatureRecord, type FiredTimer, type TimerOptions,
} from '../../../src/features/index.ts';
import { dayOfDate } from '../../../src/features/calendar.ts';
import { channel, profile, tx } from '../../support/events.ts';
import { featureOptions } from './fold.ts';

const H = 3_600_000;
const DAY = 86_400_000;
const O = featureOptions({ timeZone: 'Asia/Shanghai', allowedLatenessMs: H, babyMccs: [] });
const T: TimerOptions = {
  calendar: O.calendar,
  tiers: { vipMinor: 50_000_000, growthPercent: 30 },
  cadenceDays: { VIP: 30, POTENTIAL: 14, ORDINARY: null },
  birthdays: true,
  fraudSla: true,
};
const C = 'C1';
const at = (iso: string) => Date.parse(iso);
/** The last millisecond of a local date: what a tier change of that day is dated. */
const endOf = (date: string) => at(`${date}T23:59:59.999+08:00`);

class Customer {
  state: CustomerState = emptyState();
  private offsets = { t: 0, c: 0, p: 0 };
  fired: FiredTimer[] = [];
  tx(when: string, over: Partial<Transaction> = {}): this {
    return this.feed({ ref: { topic: TOPICS.transactions, partition: 0, offset: this.offsets.t++ }, kind: 'transaction', event: tx(C, when, over) }, at(when));
  }
  ce(when: string, over: Partial<ChannelEvent> = {}): this {
    return this.feed({ ref: { topic: TOPICS.channelEvents, partition: 0, offset: this.offsets.c++ }, kind: 'channel', event: channel(C, when, over) }, at(when));
  }
  profile(over: Partial<CustomerProfile> = {}): this {
    const r: FeatureRecord = { ref: { topic: TOPICS.customerProfiles, partition: 0, offset: this.offsets.p++ }, kind: 'profile', event: profile(C, over) };
    this.state = schedule(apply(this.state, r, O).state, T);
    return this;
  }
  /** As a shard will: timers due before the record fire first, then the record is applied and the timers rescheduled. */
  private feed(r: FeatureRecord, when: number): this {
    this.until(when - 1);
    this.state = schedule(apply(this.state, r, O).state, T);
    return this;
  }
  /** Stream time reaches `t`: returns what fired now. */
  until(t: number | string): FiredTimer[] {
    const r = fireDue(this.state, C, typeof t === 'string' ? at(t) : t, T);
    this.state = r.state;
    this.fired.push(...r.fired);
    return r.fired;
  }
  tiers(): string[] {
    return this.fired.filter((f) => f.what === 'TIER').map((f) => `${new Date(f.occurredAt + 8 * H).toISOString().slice(0, 10)} ${f.tierBefore}->${f.tierAfter}`);
  }
}

describe('tier edges on days without events', () => {
  it('an average that crosses 500,000 twelve days after a single deposit, next event six weeks later: one VIP edge dated the crossing day', () => {
    const c = new Customer();
    c.tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 10_000_000 }); // 100,000.00 from 1 January
    c.tx('2026-02-10T10:00:00+08:00', { balanceAfterMinor: 105_000_000 }); // 1,050,000.00 from 10 February
    // avg30 of 10 Feb + k days: ((29 - k) * 100,000 + (k + 1) * 1,050,000) / 30
    // k = 11 (21 Feb): 14,400,000 / 30 = 480,000; k = 12 (22 Feb): 15,350,000 / 30 = 511,666
    expect(c.state.timers?.find((t) => t.what === 'TIER')?.dueAt).toBe(at('2026-02-23T00:00:00+08:00'));
    expect(nextDueAt(c.state)).toBe(at('2026-02-22T16:00:00Z'));
    c.tx('2026-03-24T10:00:00+08:00', { balanceAfterMinor: 105_000_100 }); // six weeks after the deposit
    expect(c.tiers()).toEqual(['2026-02-22 ORDINARY->VIP']);
    const f = c.fired[0]!;
    expect(f.occurredAt).toBe(endOf('2026-02-22'));
    expect(f.eventId).toBe('timer:TIER:C1:2026-02-22');
    expect(f.view.avg30Minor).toBe(51_166_666);
    expect(c.state.lastEvaluated).toMatchObject({ tier: 'VIP', since: endOf('2026-02-22') });
    // nothing fires twice: the same stream time again, and a later one with no change
    expect(c.until('2026-03-24T10:00:00+08:00')).toEqual([]);
    expect(c.until('2026-12-31T00:00:00+08:00').filter((x) => x.what === 'TIER')).toEqual([]);
  });

  it('growth that appears only as the 180-day-ago window moves: POTENTIAL on that day, and back to ORDINARY when it moves on', () => {
    const c = new Customer();
    const d0 = dayOfDate(2025, 6, 1);
    const date = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);
    c.tx(`${date(d0)}T10:00:00+08:00`, { balanceAfterMinor: 20_000_000 }); // 200,000 days 0..59
    c.tx(`${date(d0 + 60)}T10:00:00+08:00`, { balanceAfterMinor: 10_000_000 }); // 100,000 days 60..99
    c.tx(`${date(d0 + 100)}T10:00:00+08:00`, { balanceAfterMinor: 14_000_000 }); // 140,000 from day 100, the last event
    // day 266: ago window 57..86 = 3 x 200,000 + 27 x 100,000 -> 110,000; 140,000 < 143,000
    // day 267: ago window 58..87 = 2 x 200,000 + 28 x 100,000 -> 106,666; 140,000 >= 138,665.8 -> POTENTIAL
    // day 285: ago window 76..105 = 24 x 100,000 + 6 x 140,000 -> 108,000; 140,000 < 140,400 -> ORDINARY
    expect(tierOnDay(c.state, d0 + 266, T.tiers)).toBe('ORDINARY');
    expect(tierOnDay(c.state, d0 + 267, T.tiers)).toBe('POTENTIAL');
    expect(nextTierChangeDay(c.state, d0 + 101, 'ORDINARY', T.tiers)).toBe(d0 + 267);
    c.until(`${date(d0 + 300)}T00:00:00+08:00`);
    expect(c.tiers()).toEqual([`${date(d0 + 267)} ORDINARY->POTENTIAL`, `${date(d0 + 285)} POTENTIAL->ORDINARY`]);
    expect(c.fired[0]!.view.avg30AgoMinor).toBe(10_666_666);
  });

  it('a VIP whose average falls below 500,000: VIP -> ORDINARY on the day it does', () => {
    const c = new Customer();
    c.tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 100_000_000 });
    c.tx('2026-02-10T10:00:00+08:00', { type: 'WITHDRAWAL', amountMinor: 90_000_000, balanceAfterMinor: 10_000_000 });
    // 10 Feb + k: ((29 - k) * 1,000,000 + (k + 1) * 100,000) / 30: k = 15 -> 520,000; k = 16 (26 Feb) -> 490,000
    c.until('2026-03-01T00:00:00+08:00');
    expect(c.tiers()).toEqual(['2026-01-01 ORDINARY->VIP', '2026-02-26 VIP->ORDINARY']);
  });

  it('near miss: a crossing that reverses before the day ends is no edge', () => {
    const c = new Customer();
    c.tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 10_000_000 });
    c.tx('2026-03-10T10:00:00+08:00', { balanceAfterMinor: 2_000_000_000 }); // 20,000,000: today's average is far past VIP ...
    expect(c.state.timers?.[0]).toEqual({ dueAt: at('2026-03-11T00:00:00+08:00'), what: 'TIER' });
    c.tx('2026-03-10T15:00:00+08:00', { type: 'WITHDRAWAL', amountMinor: 1_990_000_000, balanceAfterMinor: 10_000_000 }); // ... and back by 15:00
    expect(c.state.timers?.find((t) => t.what === 'TIER')).toBeUndefined();
    c.until('2026-06-01T00:00:00+08:00');
    expect(c.tiers()).toEqual([]);
  });

  it('the day boundary is local midnight: 23:59 and 00:01 local are on two days, and the timer fires at 16:00 UTC', () => {
    const c = new Customer();
    c.tx('2026-03-31T23:59:00+08:00', { balanceAfterMinor: 60_000_000 }); // 31 March local (15:59 UTC)
    expect(c.state.timers?.[0]).toEqual({ dueAt: at('2026-03-31T16:00:00Z'), what: 'TIER' });
    expect(c.until('2026-03-31T15:59:59.999Z')).toEqual([]);
    expect(c.until('2026-03-31T16:00:00Z').map((f) => [f.eventId, f.occurredAt])).toEqual([['timer:TIER:C1:2026-03-31', endOf('2026-03-31')]]);
  });

  it('a state kept before timers existed starts from its current tier: no edge from the past', () => {
    const c = new Customer();
    c.tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 100_000_000 });
    const { lastEvaluated: _l, timers: _t, ...old } = c.state;
    const r = fireDue(old as CustomerState, C, at('2026-06-01T00:00:00+08:00'), T);
    expect(r.fired.filter((f) => f.what === 'TIER')).toEqual([]);
    expect(r.state.lastEvaluated?.tier).toBe('VIP');
  });
});

describe('care cadence', () => {
  const vip = () => new Customer().tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 100_000_000 }); // VIP from the close of 1 January

  it('a VIP with no contact for 30 days: one cadence trigger, and not a second one before the next 30 days without contact', () => {
    const c = vip();
    const since = endOf('2026-01-01');
    expect(c.until(since + 30 * DAY - 1).filter((f) => f.what === 'CADENCE')).toEqual([]);
    const [f] = c.until(since + 30 * DAY).filter((x) => x.what === 'CADENCE');
    expect(f).toMatchObject({ occurredAt: since + 30 * DAY, tierAfter: 'VIP', lastContactAt: null, cadenceDays: 30 });
    // the pipeline records the issued cadence task as a contact
    c.state = schedule(recordIssued(c.state, { outreachAt: [f!.occurredAt] }), T);
    expect(c.until(since + 60 * DAY - 1).filter((x) => x.what === 'CADENCE')).toEqual([]);
    expect(c.until(since + 60 * DAY).filter((x) => x.what === 'CADENCE')).toHaveLength(1);
  });

  it('a held-back cadence task (nothing recorded) does not fire again at once: the cadence counts from the trigger too', () => {
    const c = vip();
    const since = endOf('2026-01-01');
    expect(c.until(since + 45 * DAY).filter((f) => f.what === 'CADENCE')).toHaveLength(1);
    expect(c.until(since + 60 * DAY - 1).filter((f) => f.what === 'CADENCE')).toHaveLength(0);
  });

  it('a VIP reached (REACHED) 20 days ago is not due; 30 days after it they are', () => {
    const c = vip();
    c.ce('2026-01-20T11:00:00+08:00', { action: 'CONTACT_OUTCOME', attributes: { taskId: 'T-X', outcome: 'REACHED' } });
    const reached = at('2026-01-20T11:00:00+08:00');
    expect(c.state.lastContactAt).toBe(reached);
    expect(c.until(reached + 20 * DAY).filter((f) => f.what === 'CADENCE')).toEqual([]);
    expect(c.state.timers?.find((t) => t.what === 'CADENCE')?.dueAt).toBe(reached + 30 * DAY);
    expect(c.until(reached + 30 * DAY).filter((f) => f.what === 'CADENCE').map((f) => f.lastContactAt)).toEqual([reached]);
  });

  it('NO_ANSWER is not a contact; ORDINARY has no cadence', () => {
    const c = vip();
    c.ce('2026-01-20T11:00:00+08:00', { action: 'CONTACT_OUTCOME', attributes: { taskId: 'T-X', outcome: 'NO_ANSWER' } });
    expect(c.state.lastContactAt).toBeUndefined();
    const o = new Customer().tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 1_000_000 });
    expect(o.until('2027-01-01T00:00:00+08:00').filter((f) => f.what === 'CADENCE')).toEqual([]);
  });
});

describe('birthdays and age', () => {
  it('a VIP birthday fires at local midnight of the birthday, once a year, with month and day of the birth date kept', () => {
    const c = new Customer().profile({ birthDate: '1961-03-01' }).tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 100_000_000 });
    expect(c.state.profile).toMatchObject({ birthMonth: 1961 * 12 + 2, birthDay: 1 });
    const b = c.until('2027-03-02T00:00:00+08:00').filter((f) => f.what === 'BIRTHDAY');
    expect(b.map((f) => [f.eventId, f.occurredAt])).toEqual([
      ['timer:BIRTHDAY:C1:2026-03-01', at('2026-03-01T00:00:00+08:00')],
      ['timer:BIRTHDAY:C1:2027-03-01', at('2027-03-01T00:00:00+08:00')],
    ]);
  });

  it('an ORDINARY customer has no birthday timer', () => {
    const c = new Customer().profile({ birthDate: '1961-03-01' }).tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 1_000 });
    expect(c.until('2027-01-01T00:00:00+08:00').filter((f) => f.what === 'BIRTHDAY')).toEqual([]);
  });

  it('29 February is greeted on the 28th in other years', () => {
    expect(nextBirthday(dayOfDate(2027, 1, 1), 2, 29)).toBe(dayOfDate(2027, 2, 28));
    expect(nextBirthday(dayOfDate(2027, 3, 1), 2, 29)).toBe(dayOfDate(2028, 2, 29));
    expect(nextBirthday(dayOfDate(2026, 12, 31), 1, 1)).toBe(dayOfDate(2027, 1, 1));
  });

  it('the exact age turns 65 on the 65th birthday, not at the start of its month', () => {
    const s = apply(emptyState(), { ref: { topic: TOPICS.customerProfiles, partition: 0, offset: 0 }, kind: 'profile', event: profile(C, { birthDate: '1961-03-20' }) }, O).state;
    expect(exactAgeOn(s, dayOfDate(2026, 3, 19))).toBe(64);
    expect(exactAgeOn(s, dayOfDate(2026, 3, 20))).toBe(65);
    expect(exactAgeOn(s, dayOfDate(2026, 2, 28))).toBe(64);
  });
});

describe('fraud-check deadlines', () => {
  const dueBy = at('2026-03-02T10:00:00+08:00');
  const check = { taskId: 'T-FC1', dueBy, transactionEventId: 'E1', transactionType: 'TRANSFER_OUT' as const, transactionAt: dueBy - 24 * H, amountMinor: 8_000_000, maskedAccountNo: '8812' };
  const watched = () => {
    const c = new Customer().tx('2026-03-01T10:00:00+08:00', { balanceAfterMinor: 1_000_000 });
    c.state = schedule(recordIssued(c.state, { fraudChecks: [check] }), T);
    return c;
  };
  const outcome = (when: string, o: string) => ({ action: 'CONTACT_OUTCOME' as const, attributes: { taskId: 'T-FC1', outcome: o } });

  it('answered in time: not escalated', () => {
    const c = watched();
    expect(c.state.timers).toContainEqual({ dueAt: dueBy + 1, what: 'FRAUD_SLA', ref: 'T-FC1' });
    c.ce('2026-03-02T09:59:00+08:00', outcome('', 'CONFIRMED_GENUINE'));
    expect(c.state.fraudChecks?.[0]).toMatchObject({ status: 'ANSWERED', closedAt: dueBy - 60_000 });
    expect(c.until(dueBy + DAY).filter((f) => f.what === 'FRAUD_SLA')).toEqual([]);
  });

  it('an answer at dueBy itself is in time', () => {
    const c = watched();
    c.ce('2026-03-02T10:00:00+08:00', outcome('', 'DECLINED'));
    expect(c.until(dueBy + DAY).filter((f) => f.what === 'FRAUD_SLA')).toEqual([]);
  });

  it('left unanswered: escalated exactly once, dated its deadline, naming the original task', () => {
    const c = watched();
    expect(c.until(dueBy)).toEqual([]);
    const [f] = c.until(dueBy + 1);
    expect(f).toMatchObject({ what: 'FRAUD_SLA', eventId: 'timer:FRAUD_SLA:T-FC1', occurredAt: dueBy, check: { taskId: 'T-FC1', transactionEventId: 'E1' } });
    expect(c.until(dueBy + 10 * DAY).filter((x) => x.what === 'FRAUD_SLA')).toEqual([]);
    // a replayed decision records the same check again: still escalated, nothing new to fire
    c.state = schedule(recordIssued(c.state, { fraudChecks: [check] }), T);
    expect(c.state.fraudChecks).toHaveLength(1);
    expect(c.until(dueBy + 20 * DAY).filter((x) => x.what === 'FRAUD_SLA')).toEqual([]);
  });

  it('near miss: an outcome one minute after dueBy does not save it (escalated once, the late answer changes nothing)', () => {
    const c = watched();
    c.ce('2026-03-02T10:01:00+08:00', outcome('', 'REACHED'));
    expect(c.fired.filter((f) => f.what === 'FRAUD_SLA')).toHaveLength(1);
    expect(c.state.fraudChecks?.[0]?.status).toBe('ESCALATED');
    // the same even if the outcome is applied before the timer is fired
    const d = watched();
    const late: FeatureRecord = { ref: { topic: TOPICS.channelEvents, partition: 0, offset: 99 }, kind: 'channel', event: channel(C, '2026-03-02T10:01:00+08:00', outcome('', 'REACHED')) };
    d.state = schedule(apply(d.state, late, O).state, T);
    expect(d.until(dueBy + 60_000).filter((f) => f.what === 'FRAUD_SLA')).toHaveLength(1);
  });

  it('NO_ANSWER is an attempt, not an answer; at most 8 checks are watched, open ones kept first', () => {
    const c = watched();
    c.ce('2026-03-02T09:00:00+08:00', outcome('', 'NO_ANSWER'));
    expect(c.state.fraudChecks?.[0]?.status).toBe('OPEN');
    const many = Array.from({ length: 12 }, (_, i) => ({ ...check, taskId: `T-${String(i).padStart(2, '0')}`, transactionAt: check.transactionAt + i }));
    const s = recordIssued(c.state, { fraudChecks: many });
    expect(s.fraudChecks).toHaveLength(8);
    expect(timersOf(s, T).length).toBeLessThanOrEqual(11);
  });
});

describe('the start of a local day', () => {
  it('is local midnight, also across a clock change (America/New_York, 8 March and 1 November 2026)', async () => {
    const { BusinessCalendar } = await import('../../../src/features/calendar.ts');
    const ny = new BusinessCalendar('America/New_York');
    expect(ny.startOfDay(dayOfDate(2026, 3, 8))).toBe(at('2026-03-08T00:00:00-05:00'));
    expect(ny.startOfDay(dayOfDate(2026, 3, 9))).toBe(at('2026-03-09T00:00:00-04:00'));
    expect(ny.startOfDay(dayOfDate(2026, 11, 1))).toBe(at('2026-11-01T00:00:00-04:00'));
    expect(ny.startOfDay(dayOfDate(2026, 11, 2))).toBe(at('2026-11-02T00:00:00-05:00'));
    expect(O.calendar.startOfDay(dayOfDate(2026, 1, 1))).toBe(at('2025-12-31T16:00:00Z'));
    // a zone whose midnight is skipped by its clock change (America/Santiago, 6 September 2026: 00:00 -> 01:00)
    const cl = new BusinessCalendar('America/Santiago');
    const d = dayOfDate(2026, 9, 6);
    const start = cl.startOfDay(d);
    expect(cl.day(start)).toBe(d);
    expect(cl.day(start - 1)).toBe(d - 1);
  });
});

describe('nextTierChangeDay against every day computed', () => {
  // A brute-force reading of the same definition: the first day from `from` whose tier (tierOnDay) differs.
  const bruteForce = (s: CustomerState, from: number, tier: string, last: number) => {
    for (let d = Math.max(from, s.firstDay!); d <= last; d++) if (tierOnDay(s, d, T.tiers) !== tier) return d;
    return null;
  };
  // Deterministic pseudo-random series near and far from the thresholds (500,000 and +30 %).
  let seed = 20261203;
  const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const levels = [0, 1_000_000, 30_000_000, 45_000_000, 49_999_999, 50_000_000, 65_000_000, 200_000_000, -5_000_000];

  it('agrees on 600 random end-of-day series (quiet, near a threshold, a step of exactly 30 %, growing, falling, from before the first value)', () => {
    for (let i = 0; i < 600; i++) {
      const length = 1 + Math.floor(next() * 210);
      const base = levels[Math.floor(next() * levels.length)]!;
      const drift = (next() - 0.5) * 2 * (next() < 0.5 ? 0 : 1_000_000);
      // Every third series a step from X to about X + 30 % (exactly, one below, one above) after `stepAt` days.
      const step = i % 3 === 0;
      const x = 10_000_000 + Math.floor(next() * 10) * 1_000_000;
      const y = x * 1.3 + [0, -1, 1][i % 3 === 0 ? Math.floor(next() * 3) : 0]!;
      const stepAt = Math.floor(next() * length);
      const values = Array.from({ length }, (_, k) =>
        step ? (k < stepAt ? x : y) : Math.max(-10_000_000, Math.round(base + drift * k + (next() < 0.1 ? (next() - 0.5) * 40_000_000 : 0))));
      const eFirst = 20_000 + Math.floor(next() * 10);
      const firstDay = eFirst - Math.floor(next() * 5);
      const s: CustomerState = { ...emptyState(), firstDay, endOfDay: { firstDay: eFirst, values } };
      const end = eFirst + length - 1;
      // A quarter of the time from a day before the series' first value (no value in the window yet).
      const from = next() < 0.25 ? firstDay + Math.floor(next() * (eFirst - firstDay + 1)) : firstDay + Math.floor(next() * (length + 20));
      for (const tier of ['ORDINARY', 'POTENTIAL', 'VIP'] as const) {
        expect(nextTierChangeDay(s, from, tier, T.tiers), `series ${i} from ${from} tier ${tier}`).toBe(bruteForce(s, from, tier, Math.max(end, from) + 240));
      }
    }
  });
});

describe('scheduleDraft: schedule() in place on a draft', () => {
  it('gives the draft the timers and tier as last evaluated that schedule() gives a copy, and leaves a scheduled draft alone', () => {
    const c = new Customer().profile({ birthDate: '1980-03-09' });
    // A large credit: the tier's next edge (and so the timers) move.
    const unscheduled = apply(c.state, { ref: { topic: TOPICS.transactions, partition: 0, offset: 99 }, kind: 'transaction', event: tx(C, '2026-01-09T10:00:00+08:00', { amountMinor: 60_000_000, balanceAfterMinor: 60_000_000 }) }, O).state;
    const expected = schedule(unscheduled, T);
    expect(expected.timers).not.toEqual(unscheduled.timers);
    const draft = draftOf(unscheduled);
    scheduleDraft(draft, T);
    expect(draft).toEqual(expected);
    expect(draft.timers!.length).toBeGreaterThan(0);
    const timers = draft.timers;
    scheduleDraft(draft, T);
    expect(draft.timers).toBe(timers); // nothing changed: nothing replaced
  });
});
