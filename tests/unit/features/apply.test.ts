// Hand-computed cases for the pure feature engine (src/features/), against
// docs/FEATURES.md: business days and months in Asia/Shanghai (UTC+8), window
// edges, trimming, lateness, duplicates and tiers at their thresholds.
import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../src/events/topics.ts';
import { SUM_CAP_MINOR, type ChannelEvent, type CustomerProfile, type Transaction } from '../../../src/events/types.ts';
import { apply, emptyState, featureView, tierOf, type Applied, type CustomerState, type FeatureRecord } from '../../../src/features/index.ts';
import { channel, profile, tx } from '../../support/events.ts';
import { featureOptions } from './fold.ts';

const H = 3_600_000;
const DAY = 86_400_000;
const O = featureOptions({ timeZone: 'Asia/Shanghai', allowedLatenessMs: H, babyMccs: ['5641'] });
const C = 'C1';

/** A customer fed record by record; offsets count up per topic. */
class Customer {
  state: CustomerState = emptyState();
  private offsets = { t: 0, c: 0, p: 0 };
  last!: Applied;
  tx(at: string, over: Partial<Transaction> = {}): Applied {
    return this.feed({ ref: { topic: TOPICS.transactions, partition: 0, offset: this.offsets.t++ }, kind: 'transaction', event: tx(C, at, over) });
  }
  ce(at: string, over: Partial<ChannelEvent> = {}): Applied {
    return this.feed({ ref: { topic: TOPICS.channelEvents, partition: 0, offset: this.offsets.c++ }, kind: 'channel', event: channel(C, at, over) });
  }
  profile(over: Partial<CustomerProfile> = {}): Applied {
    return this.feed({ ref: { topic: TOPICS.customerProfiles, partition: 0, offset: this.offsets.p++ }, kind: 'profile', event: profile(C, over) });
  }
  feed(r: FeatureRecord): Applied {
    this.last = apply(this.state, r, O);
    this.state = this.last.state;
    return this.last;
  }
  get features() {
    return featureView(C, this.state);
  }
}

const balance = (balanceAfterMinor: number, over: Partial<Transaction> = {}) => ({ balanceAfterMinor, ...over });
const outflow = (amountMinor: number, accountRef: string | null, over: Partial<Transaction> = {}): Partial<Transaction> =>
  accountRef === null
    ? { type: 'WITHDRAWAL', amountMinor, ...over }
    : { type: 'TRANSFER_OUT', amountMinor, counterparty: { accountRef, ownAccount: false }, ...over };

describe('business days and months (Asia/Shanghai)', () => {
  it('23:59 and 00:00 local are two days: the end-of-day series and avg30 follow the local date', () => {
    const c = new Customer();
    c.tx('2026-03-01T23:59:00+08:00', balance(1000)); // day 1: 1000
    c.tx('2026-03-02T00:00:00+08:00', balance(3000)); // day 2: 3000 (still 2026-03-01 in UTC)
    expect(c.features.avg30Minor).toBe(2000);
    c.tx('2026-03-02T23:00:00+08:00', balance(5000)); // day 2 ends at 5000
    expect(c.features.avg30Minor).toBe(3000);
  });

  it('a month starts at local midnight: salary months 2026-03 and 2026-04 from two credits 40 minutes apart', () => {
    const c = new Customer();
    c.tx('2026-03-31T23:30:00+08:00', { type: 'SALARY_CREDIT' });
    c.tx('2026-04-01T00:10:00+08:00', { type: 'SALARY_CREDIT' });
    expect(c.features.salaryMonths).toEqual(['2026-03', '2026-04']);
    // the payroll condition held at the first salary of April (March had one, no investment ever)
    expect(c.last.after!.payrollMonth).toBe(2026 * 12 + 3);
    expect(c.last.before!.payrollMonth).toBeNull();
  });

  it('avg30 averages only the days that have a value, carrying the last day forward, rounded down', () => {
    const c = new Customer();
    c.tx('2026-03-01T10:00:00+08:00', balance(100));
    c.tx('2026-03-03T10:00:00+08:00', balance(201)); // days: 100, 100 (carried), 201
    expect(c.features.avg30Minor).toBe(133); // 401 / 3 = 133.67
    // 40 days later only the last 30 days count, all 201
    c.ce('2026-04-12T10:00:00+08:00');
    expect(c.features.avg30Minor).toBe(201);
  });
});

describe('windows and their edges', () => {
  it('the 1-hour outflow window is slots slot(t)-11 .. slot(t) of 5 minutes', () => {
    const c = new Customer();
    c.tx('2026-03-01T10:00:00+08:00', outflow(100, null)); // slot s
    c.tx('2026-03-01T10:59:59+08:00', outflow(10, null)); // slot s+11: window s .. s+11 holds both
    expect(c.features.outflow1h).toEqual({ sumMinor: 110, count: 2 });
    c.tx('2026-03-01T11:00:00+08:00', outflow(1, null)); // slot s+12: the first leaves
    expect(c.features.outflow1h).toEqual({ sumMinor: 11, count: 2 });
    expect(c.features.outflow24h).toEqual({ sumMinor: 111, count: 3 });
  });

  it('a counterparty is new unless seen on the 90 days day(t)-89 .. day(t); cash is never new', () => {
    const c = new Customer();
    c.tx('2026-01-01T10:00:00+08:00', { type: 'TRANSFER_IN', counterparty: { accountRef: 'R1', ownAccount: false } });
    // day + 89: still seen
    let r = c.tx('2026-03-31T10:00:00+08:00', outflow(500, 'R1'));
    expect(r.before!.counterpartySeen).toBe(true);
    expect(r.after!.newCounterpartyOutflow1h).toEqual({ sumMinor: 0, count: 0 });
    // a new ref, and cash
    r = c.tx('2026-03-31T10:01:00+08:00', outflow(700, 'R2'));
    expect(r.before!.counterpartySeen).toBe(false);
    r = c.tx('2026-03-31T10:02:00+08:00', outflow(900, null));
    expect(r.after!.newCounterpartyOutflow1h).toEqual({ sumMinor: 700, count: 1 });
    expect(r.after!.counterparties90d).toBe(2);
    // R1 was last seen 2026-03-31: 90 days later (day + 90) it is new again
    r = c.tx('2026-06-29T10:00:00+08:00', outflow(1, 'R1'));
    expect(r.before!.counterpartySeen).toBe(false);
  });

  it('maxOutflow90d is the largest outflow on day(t)-89 .. day(t), before the event', () => {
    const c = new Customer();
    c.tx('2026-01-01T10:00:00+08:00', outflow(5000, null));
    let r = c.tx('2026-03-31T10:00:00+08:00', outflow(10, null)); // day + 89
    expect(r.before!.maxOutflow90dMinor).toBe(5000);
    r = c.tx('2026-04-01T10:00:00+08:00', outflow(10, null)); // day + 90
    expect(r.before!.maxOutflow90dMinor).toBe(10);
  });

  it('mortgage interest counts RATE_QUERY and CALCULATOR on MORTGAGE over day(t)-29 .. day(t)', () => {
    const c = new Customer();
    c.ce('2026-03-01T10:00:00+08:00', { action: 'RATE_QUERY', topic: 'MORTGAGE' });
    c.ce('2026-03-01T11:00:00+08:00', { action: 'CALCULATOR', topic: 'CAR_LOAN' }); // other topic
    c.ce('2026-03-30T10:00:00+08:00', { action: 'CALCULATOR', topic: 'MORTGAGE' }); // day + 29
    expect(c.features.mortgageInterest30d).toBe(2);
    c.ce('2026-03-31T10:00:00+08:00', { action: 'LOGIN' }); // day + 30: the first leaves
    expect(c.features.mortgageInterest30d).toBe(1);
  });

  it('the high-risk streak counts trailing risky purchases past the ones kept, and any other purchase resets it', () => {
    const c = new Customer();
    const risky = { type: 'PRODUCT_PURCHASE', product: { productId: 'P', category: 'FUND', riskLevel: 4 } } as const;
    for (let i = 0; i < 10; i++) c.tx(`2026-03-01T1${i}:00:00+08:00`, risky);
    expect(c.features.highRiskStreak).toBe(10);
    expect(c.state.recentPurchases.length).toBe(8);
    c.tx('2026-03-02T10:00:00+08:00', { type: 'PRODUCT_PURCHASE', product: { productId: 'D', category: 'DEPOSIT', riskLevel: 1 } });
    expect(c.features.highRiskStreak).toBe(0);
    c.tx('2026-03-02T11:00:00+08:00', { type: 'PRODUCT_PURCHASE', product: { productId: 'E', category: 'PRIVATE_EQUITY', riskLevel: 2 } });
    expect(c.features.highRiskStreak).toBe(1);
    expect(c.features.lastInvestmentAt).toBe(Date.parse('2026-03-02T11:00:00+08:00'));
  });

  it('holdings are purchases minus redemptions, never below 0, and count in assets', () => {
    const c = new Customer();
    c.tx('2026-03-01T10:00:00+08:00', { type: 'PRODUCT_PURCHASE', amountMinor: 700, balanceAfterMinor: 300, product: { productId: 'P', category: 'FUND', riskLevel: 2 } });
    expect(c.features).toMatchObject({ depositsMinor: 300, holdingsMinor: 700, assetsMinor: 1000 });
    c.tx('2026-03-01T11:00:00+08:00', { type: 'PRODUCT_REDEMPTION', amountMinor: 900, balanceAfterMinor: 1200, product: { productId: 'P', category: 'FUND', riskLevel: 2 } });
    expect(c.features).toMatchObject({ depositsMinor: 1200, holdingsMinor: 0, assetsMinor: 1200 });
  });

  it('sums of money stay exact past 2^53 up to 9 x 10^15 and saturate there; avg30 is exact', () => {
    const Q = 1_000_000_000_000_000;
    const c = new Customer();
    for (let n = 0; n < 9; n++) c.tx(`2026-11-10T10:0${n}:00+08:00`, { type: 'DEPOSIT', accountId: `A${n}`, amountMinor: Q, balanceAfterMinor: Q, counterparty: null });
    c.tx('2026-11-11T10:00:00+08:00', { type: 'WITHDRAWAL', accountId: 'A0', amountMinor: 1, balanceAfterMinor: Q - 1, counterparty: null });
    // (9e15 + 9e15 - 1) / 2: the sum of the two days is past 2^53, where doubles step by 2.
    expect(c.features).toMatchObject({ depositsMinor: 9 * Q - 1, avg30Minor: 9 * Q - 1 });
    c.tx('2026-11-11T11:00:00+08:00', { type: 'DEPOSIT', accountId: 'A9', amountMinor: Q, balanceAfterMinor: Q, counterparty: null });
    expect(c.features).toMatchObject({ depositsMinor: SUM_CAP_MINOR, assetsMinor: SUM_CAP_MINOR, avg30Minor: SUM_CAP_MINOR });
    for (let n = 0; n < 10; n++) c.tx(`2026-11-11T12:0${n}:00+08:00`, { type: 'PRODUCT_PURCHASE', accountId: 'A9', amountMinor: Q, balanceAfterMinor: Q, product: { productId: 'P', category: 'FUND', riskLevel: 2 } });
    expect(c.features).toMatchObject({ holdingsMinor: SUM_CAP_MINOR, assetsMinor: SUM_CAP_MINOR });
  });
});

describe('trimming', () => {
  it('keeps only what a window can still read, however long the history', () => {
    const c = new Customer();
    const start = Date.parse('2026-01-01T10:00:00+08:00');
    for (let d = 0; d < 300; d++) {
      const at = new Date(start + d * DAY).toISOString();
      c.tx(at, outflow(100 + d, `R${d}`, { balanceAfterMinor: d }));
      c.ce(at, { action: 'RATE_QUERY', topic: 'MORTGAGE' });
    }
    const s = c.state;
    const wd = s.watermark!.day;
    expect(s.endOfDay!.values.length).toBeLessThanOrEqual(212);
    expect(s.endOfDay!.firstDay).toBe(wd - 211);
    expect(Math.min(...Object.keys(s.maxOutflowByDay).map(Number))).toBeGreaterThanOrEqual(wd - 92);
    expect(Object.keys(s.counterpartyLastDay).length).toBeLessThanOrEqual(93);
    // 24 h plus the lateness back from the watermark: today's slot and yesterday's
    expect(Object.keys(s.outflowSlots).length).toBe(2);
    expect(Object.keys(s.mortgageInterestByDay).length).toBeLessThanOrEqual(33);
    // the mutable days (today and the two before) and the latest entry before them
    expect(s.accounts['p:ACC6222021234568812']!.map((e) => wd - e.day)).toEqual([3, 2, 1, 0]);
    expect(Object.keys(s.eventIds).length).toBe(2);
    // the windows are unchanged by what was dropped
    expect(c.features.maxOutflow90dMinor).toBe(399);
    expect(c.features.counterparties90d).toBe(90);
    expect(c.features.mortgageInterest30d).toBe(30);
    // the average 180 days ago: days 90..119 had balances 90..119
    expect(c.features.avg30AgoMinor).toBe(Math.floor((90 + 119) / 2));
  });
});

describe('lateness (per input topic, ALLOWED_LATENESS_MS = 1 h)', () => {
  it('an event older than its topic watermark minus the lateness is LATE; exactly at the edge it is applied', () => {
    const c = new Customer();
    c.tx('2026-03-01T12:00:00+08:00', balance(100));
    expect(c.tx('2026-03-01T10:59:59.999+08:00', balance(1)).status).toBe('LATE');
    expect(c.tx('2026-03-01T11:00:00+08:00', balance(2)).status).toBe('APPLIED');
    // the balance is the one with the largest occurredAt
    expect(c.features.depositsMinor).toBe(100);
  });

  it('the other topic running ahead does not make an event late', () => {
    const c = new Customer();
    c.ce('2026-03-02T12:00:00+08:00');
    expect(c.tx('2026-03-01T12:00:00+08:00', balance(5)).status).toBe('APPLIED');
    expect(c.features.asOf).toBe(Date.parse('2026-03-02T12:00:00+08:00'));
  });

  it('a late transaction inside the lateness lands on its own day, and later days carry it forward', () => {
    const c = new Customer();
    c.tx('2026-03-01T12:00:00+08:00', balance(100));
    c.tx('2026-03-02T00:30:00+08:00', balance(100));
    // 23:45 on day 1 arrives after 00:30 on day 2 (within the hour): day 1 ends at 400, day 2 keeps the later 100
    const r = c.tx('2026-03-01T23:45:00+08:00', balance(400));
    expect(r.status).toBe('APPLIED');
    // its views are as of the end of its day (FEATURES.md, known approximations)
    expect(r.before!.depositsMinor).toBe(100);
    expect(r.after!.depositsMinor).toBe(400);
    expect(c.state.endOfDay!.values).toEqual([400, 100]);
    expect(c.features.avg30Minor).toBe(250);
  });
});

describe('idempotence', () => {
  it('an offset at or below the applied one is DUPLICATE_OFFSET and leaves the state as it was', () => {
    const c = new Customer();
    const event = tx(C, '2026-03-01T12:00:00+08:00');
    c.feed({ ref: { topic: TOPICS.transactions, partition: 3, offset: 7 }, kind: 'transaction', event });
    const before = c.state;
    const r = c.feed({ ref: { topic: TOPICS.transactions, partition: 3, offset: 7 }, kind: 'transaction', event: tx(C, '2026-03-01T12:01:00+08:00') });
    expect(r.status).toBe('DUPLICATE_OFFSET');
    expect(r.state).toBe(before);
  });

  it('the same eventId at a new offset is DUPLICATE_EVENT with the same content, CONFLICT with other content', () => {
    const c = new Customer();
    const event = tx(C, '2026-03-01T12:00:00+08:00', { amountMinor: 50 });
    c.feed({ ref: { topic: TOPICS.transactions, partition: 0, offset: 1 }, kind: 'transaction', event });
    expect(c.feed({ ref: { topic: TOPICS.transactions, partition: 0, offset: 2 }, kind: 'transaction', event: { ...event } }).status).toBe('DUPLICATE_EVENT');
    const other = c.feed({ ref: { topic: TOPICS.transactions, partition: 0, offset: 3 }, kind: 'transaction', event: { ...event, amountMinor: 51 } });
    expect(other.status).toBe('CONFLICT');
    expect(other.digests!.kept).not.toBe(other.digests!.record);
    // the same eventId on the other topic is another event
    expect(c.feed({ ref: { topic: TOPICS.channelEvents, partition: 0, offset: 1 }, kind: 'channel', event: channel(C, '2026-03-01T12:00:00+08:00', { eventId: event.eventId }) }).status).toBe('APPLIED');
  });

  it('an old event published again after the lateness window is a duplicate within the duplicate window, never applied twice', () => {
    const c = new Customer();
    const event = tx(C, '2026-03-01T10:00:00+08:00', { balanceAfterMinor: 9 });
    c.feed({ ref: { topic: TOPICS.transactions, partition: 0, offset: 1 }, kind: 'transaction', event });
    c.feed({ ref: { topic: TOPICS.transactions, partition: 0, offset: 2 }, kind: 'transaction', event: tx(C, '2026-03-01T12:00:00+08:00') });
    expect(c.feed({ ref: { topic: TOPICS.transactions, partition: 0, offset: 5 }, kind: 'transaction', event }).status).toBe('DUPLICATE_EVENT');
    // 8 days on, beyond the 7-day window: LATE (tests/unit/features/duplicates.test.ts has the rest)
    c.feed({ ref: { topic: TOPICS.transactions, partition: 0, offset: 6 }, kind: 'transaction', event: tx(C, '2026-03-09T12:00:00+08:00') });
    expect(c.feed({ ref: { topic: TOPICS.transactions, partition: 0, offset: 7 }, kind: 'transaction', event }).status).toBe('LATE');
    expect(c.features.depositsMinor).toBe(100_000);
  });

  it('a profile not newer than the kept one is STALE_PROFILE', () => {
    const c = new Customer();
    expect(c.profile().status).toBe('APPLIED');
    expect(c.profile({ marketingConsent: false }).status).toBe('STALE_PROFILE');
    expect(c.features.profile!.marketingConsent).toBe(true);
    expect(c.profile({ updatedAt: Date.parse('2026-02-01T00:00:00+08:00'), marketingConsent: false }).status).toBe('APPLIED');
    expect(c.features.profile!.marketingConsent).toBe(false);
  });

  it('apply() never changes the state it is given', () => {
    const c = new Customer();
    c.tx('2026-03-01T12:00:00+08:00', outflow(100, 'R'));
    const s = c.state;
    const copy = structuredClone(s);
    apply(s, { ref: { topic: TOPICS.transactions, partition: 0, offset: 99 }, kind: 'transaction', event: tx(C, '2026-03-01T12:10:00+08:00', outflow(5, 'R')) }, O);
    expect(s).toEqual(copy);
  });
});

describe('tiers at their thresholds', () => {
  it('VIP from avg30 >= 50,000,000; POTENTIAL when avg30 * 100 >= avg30Ago * 130', () => {
    expect(tierOf(50_000_000, 0)).toBe('VIP');
    expect(tierOf(49_999_999, 0)).toBe('ORDINARY');
    expect(tierOf(1300, 1000)).toBe('POTENTIAL');
    expect(tierOf(1299, 1000)).toBe('ORDINARY');
    expect(tierOf(1300, 0)).toBe('ORDINARY');
    expect(tierOf(100, 50, { vipMinor: 100, growthPercent: 30 })).toBe('VIP');
  });

  it('a customer whose 30-day average reaches exactly 50,000,000 is VIP; the first event starts from ORDINARY', () => {
    const c = new Customer();
    const r = c.tx('2026-03-01T10:00:00+08:00', balance(50_000_000));
    expect(tierOf(r.before!.avg30Minor, r.before!.avg30AgoMinor)).toBe('ORDINARY');
    expect(c.features.tier).toBe('VIP');
    c.tx('2026-03-02T10:00:00+08:00', balance(49_999_998)); // (50,000,000 + 49,999,998) / 2
    expect(c.features.avg30Minor).toBe(49_999_999);
    expect(c.features.tier).toBe('ORDINARY');
  });

  it('POTENTIAL at exactly +30 % against the average 180 days before', () => {
    const c = new Customer();
    c.tx('2026-01-01T10:00:00+08:00', balance(1000));
    c.tx('2026-06-30T10:00:00+08:00', balance(1300)); // day + 180: avg30 of today's window = 1000 (carried) ... and 1300
    const f = c.features;
    expect(f.avg30AgoMinor).toBe(1000);
    // days +151 .. +179 carry 1000, day +180 is 1300: floor(30_300 / 30) = 1010
    expect(f.avg30Minor).toBe(1010);
    expect(f.tier).toBe('ORDINARY');
    c.tx('2026-06-30T11:00:00+08:00', balance(10_000)); // (29 * 1000 + 10000) / 30 = 1300
    expect(c.features.avg30Minor).toBe(1300);
    expect(c.features.tier).toBe('POTENTIAL');
  });
});

describe('profile and age', () => {
  it('age in whole years from the birth month at the event month; before any event, at the profile month', () => {
    const c = new Customer();
    c.profile({ birthDate: '1961-03-20', updatedAt: Date.parse('2026-02-28T10:00:00+08:00') });
    expect(featureView(C, c.state, undefined, O.calendar.month(Date.parse('2026-02-28T10:00:00+08:00'))).profile!.age).toBe(64);
    const r = c.tx('2026-03-01T00:05:00+08:00'); // March in Shanghai (still February in UTC)
    expect(r.after!.age).toBe(65);
  });

  it('contact outcomes are kept, the last 10', () => {
    const c = new Customer();
    for (let i = 0; i < 12; i++) c.ce(`2026-03-01T1${Math.floor(i / 6)}:${String(i * 5 % 60).padStart(2, '0')}:00+08:00`, { action: 'CONTACT_OUTCOME', attributes: { taskId: `T-${i}`, outcome: 'REACHED' } });
    expect(c.state.outcomes.map((o) => o.taskId)).toEqual(['T-2', 'T-3', 'T-4', 'T-5', 'T-6', 'T-7', 'T-8', 'T-9', 'T-10', 'T-11']);
  });
});
