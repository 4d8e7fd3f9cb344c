// Hand-computed scenarios for the reference model (tests/support/reference-model.ts),
// one or more per feature of docs/FEATURES.md, with the edges pinned down.
import { describe, expect, it } from 'vitest';
import type { FeatureView } from '../../../src/state/feature-view.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import { SAMPLES } from '../events/samples.ts';
import { referenceFeatures, referenceRun, type ReferenceOptions } from '../../support/reference-model.ts';

const H = 3_600_000;
const DAY = 86_400_000;
const OPTS: ReferenceOptions = { timeZone: 'Asia/Shanghai', allowedLatenessMs: H, babyMccs: ['5641', '5945'] };
const LOOSE: ReferenceOptions = { ...OPTS, allowedLatenessMs: 24 * H };

/** Epoch ms of a local Asia/Shanghai wall-clock time (UTC+8, no DST). */
const sh = (y: number, m: number, d: number, hh = 0, mi = 0, ss = 0, ms = 0): number =>
  Date.UTC(y, m - 1, d, hh, mi, ss, ms) - 8 * H;
const utc = (text: string): number => Date.parse(text);

let seq = 0;
type Fields = Record<string, unknown>;

function tx(at: number, fields: Fields = {}): string {
  return JSON.stringify({
    topic: TOPICS.transactions,
    value: {
      eventId: `t${++seq}`,
      customerId: 'c1',
      accountId: 'acc-A',
      type: 'DEPOSIT',
      amountMinor: 1,
      currency: 'CNY',
      channel: 'APP',
      balanceAfterMinor: 0,
      counterparty: null,
      merchantCategory: null,
      product: null,
      maskedAccountNo: '1234',
      ...fields,
      occurredAt: new Date(at).toISOString(),
    },
  });
}
const bal = (at: number, balanceAfterMinor: number, fields: Fields = {}): string => tx(at, { balanceAfterMinor, ...fields });
const cp = (accountRef: string, ownAccount = false) => ({ accountRef, ownAccount });
const out = (at: number, amountMinor: number, ref: string | null, fields: Fields = {}): string =>
  tx(at, ref === null
    ? { type: 'WITHDRAWAL', amountMinor, ...fields }
    : { type: 'TRANSFER_OUT', amountMinor, counterparty: cp(ref), ...fields });
const tin = (at: number, ref: string, fields: Fields = {}): string =>
  tx(at, { type: 'TRANSFER_IN', amountMinor: 500, counterparty: cp(ref), ...fields });
const buy = (at: number, amountMinor: number, category: string, riskLevel: number, fields: Fields = {}): string =>
  tx(at, { type: 'PRODUCT_PURCHASE', amountMinor, product: { productId: 'P', category, riskLevel }, ...fields });
const redeem = (at: number, amountMinor: number, fields: Fields = {}): string =>
  tx(at, { type: 'PRODUCT_REDEMPTION', amountMinor, product: { productId: 'P', category: 'FUND', riskLevel: 1 }, ...fields });

function ce(at: number, action = 'LOGIN', topic: string | null = null, fields: Fields = {}): string {
  return JSON.stringify({
    topic: TOPICS.channelEvents,
    value: {
      eventId: `e${++seq}`,
      customerId: 'c1',
      occurredAt: new Date(at).toISOString(),
      channel: 'APP',
      action,
      topic,
      attributes: {},
      ...fields,
    },
  });
}

function profile(updatedAt: number, fields: Fields = {}): string {
  return JSON.stringify({
    topic: TOPICS.customerProfiles,
    value: {
      customerId: 'c1',
      updatedAt: new Date(updatedAt).toISOString(),
      birthDate: '1961-03-31',
      riskTolerance: 3,
      riskAssessedAt: null,
      marketingConsent: true,
      preferredChannels: ['WECHAT'],
      relationshipManagerId: null,
      idNumber: '110101199003078515',
      fullName: 'X',
      ...fields,
    },
  });
}

function view(lines: string[], opts: ReferenceOptions = OPTS, customerId = 'c1'): FeatureView {
  const v = referenceFeatures(lines, opts).get(customerId);
  if (!v) throw new Error(`no features for ${customerId}`);
  return v;
}

describe('balances and holdings', () => {
  it('takes per account the balance of the latest event by occurredAt, ties to the later in file order', () => {
    const v = view([
      bal(sh(2026, 3, 1, 10, 30), 300),
      bal(sh(2026, 3, 1, 10, 0), 100), // out of order, within the lateness: older, loses
      bal(sh(2026, 3, 1, 10, 10), 200, { accountId: 'acc-B' }),
      bal(sh(2026, 3, 1, 10, 10), 250, { accountId: 'acc-B' }), // same time, later in the file: wins
    ]);
    expect(v.asOf).toBe(sh(2026, 3, 1, 10, 30));
    expect(v.depositsMinor).toBe(550);
    expect(v.holdingsMinor).toBe(0);
    expect(v.assetsMinor).toBe(550);
  });

  it('holdings are purchases minus redemptions, clamped at 0 on the total only', () => {
    const t = sh(2026, 3, 1, 10);
    expect(view([buy(t, 1000, 'FUND', 2, { balanceAfterMinor: 9000 }), buy(t + 1, 500, 'FUND', 2, { balanceAfterMinor: 8500 }),
      redeem(t + 2, 300, { balanceAfterMinor: 8800 })])).toMatchObject({ depositsMinor: 8800, holdingsMinor: 1200, assetsMinor: 10000 });
    // -150 clamps to 0; a later purchase of 100 leaves the net at -50, still 0.
    expect(view([buy(t, 100, 'FUND', 2), redeem(t + 1, 250)]).holdingsMinor).toBe(0);
    expect(view([buy(t, 100, 'FUND', 2), redeem(t + 1, 250), buy(t + 2, 100, 'FUND', 2)]).holdingsMinor).toBe(0);
  });
});

describe('end-of-day series and avg30', () => {
  it('carries a day forward, counts days from the first event (a channel event counts, at assets 0)', () => {
    const v = view([
      ce(sh(2026, 3, 1, 10)),
      bal(sh(2026, 3, 3, 10), 3000),
      bal(sh(2026, 3, 5, 9), 2001),
    ]);
    // eod: 0, 0, 3000, 3000 (carried), 2001 -> 8001 / 5 = 1600.2
    expect(v.avg30Minor).toBe(1600);
    expect(v.assetsMinor).toBe(2001);
  });

  it('averages only the last 30 days over a long gap', () => {
    // day 0 .. day 39 at 1000, day 40 at 4000: days 11..40 -> (29 * 1000 + 4000) / 30
    expect(view([bal(sh(2026, 1, 1, 10), 1000), bal(sh(2026, 1, 1, 10) + 40 * DAY, 4000)]).avg30Minor).toBe(1100);
  });

  it('takes the latest event of each day and nets holdings of the days so far', () => {
    const d1 = sh(2026, 3, 1);
    expect(view([bal(d1 + 9 * H, 5000), bal(d1 + 20 * H, 1000), ce(d1 + DAY + H)]).avg30Minor).toBe(1000);
    // eod: 1000 (purchase), 600 (after a redemption of 400); account balances 0
    const v = view([buy(d1 + 9 * H, 1000, 'FUND', 2), redeem(d1 + DAY + 9 * H, 400)]);
    expect(v.avg30Minor).toBe(800);
    expect(v.assetsMinor).toBe(600);
  });

  it('rounds the mean down (toward -infinity for negative balances)', () => {
    const d1 = sh(2026, 3, 1, 12);
    expect(view([bal(d1, 1000), bal(d1 + 2 * DAY, 2001)]).avg30Minor).toBe(1333); // 4001 / 3
    expect(view([bal(d1, -1), bal(d1 + DAY, -2)]).avg30Minor).toBe(-2); // -3 / 2 = -1.5
  });

  it('a late but accepted event moves the first day earlier', () => {
    const v = view([bal(sh(2026, 3, 2, 0, 30), 1000), ce(sh(2026, 3, 1, 23, 50))]);
    expect(v.asOf).toBe(sh(2026, 3, 2, 0, 30));
    expect(v.avg30Minor).toBe(500); // eod 0 (day 1, channel event only), 1000
  });

  it('a late event on the previous day sets that day\'s eod without touching today\'s balance', () => {
    // acc-A: 500 at 00:10 on 03-02, then (late, accepted) 100 at 23:50 on 03-01: eod 100, 500
    const v = view([bal(sh(2026, 3, 2, 0, 10), 500), bal(sh(2026, 3, 1, 23, 50), 100)]);
    expect(v.depositsMinor).toBe(500);
    expect(v.avg30Minor).toBe(300);
  });

  it('uses the business day: 15:59:59.999Z and 16:00:00Z are different days in Asia/Shanghai', () => {
    const a = utc('2026-03-01T15:59:59.999Z'); // 2026-03-01 23:59:59.999 local
    const b = utc('2026-03-01T16:00:00.000Z'); // 2026-03-02 00:00 local
    expect(view([bal(a, 100), bal(b, 300)]).avg30Minor).toBe(200);
    expect(view([bal(a - 1, 100), bal(a, 300)]).avg30Minor).toBe(300);
  });

  it('avg30Ago is the avg30 of 180 days before, over a 200-day history', () => {
    const d0 = sh(2025, 6, 1, 10);
    const v = view([bal(d0, 1_000_000), bal(d0 + 10 * DAY, 2_000_000), bal(d0 + 200 * DAY, 5_000_000)]);
    // avg30(day 20): days 0..20 have a value: (10 * 1M + 11 * 2M) / 21 = 1,523,809.52
    expect(v.avg30AgoMinor).toBe(1_523_809);
    // avg30(day 200): days 171..200: (29 * 2M + 5M) / 30
    expect(v.avg30Minor).toBe(2_100_000);
    expect(v.tier).toBe('POTENTIAL'); // 21,000,000 >= 19,809,517
  });
});

describe('tier', () => {
  const d0 = sh(2025, 6, 1, 10);
  const growth = (to: number, from = 1_000_000): string[] => [bal(d0, from), bal(d0 + 150 * DAY, to), ce(d0 + 180 * DAY)];

  it('is VIP at exactly vipMinor', () => {
    expect(view([bal(d0, 50_000_000)]).tier).toBe('VIP');
    expect(view([bal(d0, 49_999_999)]).tier).toBe('ORDINARY');
    expect(view([bal(d0, 1000)], { ...OPTS, vipMinor: 1000 }).tier).toBe('VIP');
  });

  it('is POTENTIAL at exactly +30% and not one unit below', () => {
    const v = view(growth(1_300_000));
    expect(v).toMatchObject({ avg30Minor: 1_300_000, avg30AgoMinor: 1_000_000, tier: 'POTENTIAL' });
    expect(view(growth(1_299_999))).toMatchObject({ avg30Minor: 1_299_999, tier: 'ORDINARY' });
    expect(view(growth(60_000_000)).tier).toBe('VIP'); // VIP first
  });

  it('needs avg30Ago > 0', () => {
    expect(view(growth(1_000_000, 0))).toMatchObject({ avg30AgoMinor: 0, avg30Minor: 1_000_000, tier: 'ORDINARY' });
    expect(view(growth(1_000_000, -5))).toMatchObject({ avg30AgoMinor: -5, tier: 'ORDINARY' });
  });

  it('honours another growthRatio exactly', () => {
    expect(view(growth(1_250_000), { ...OPTS, growthRatio: 1.25 }).tier).toBe('POTENTIAL');
    expect(view(growth(1_249_999), { ...OPTS, growthRatio: 1.25 }).tier).toBe('ORDINARY');
  });
});

describe('outflow windows', () => {
  it('counts 5-minute slots: slot(t)-11 .. slot(t) and slot(t)-287 .. slot(t)', () => {
    // slot(t) starts at 12:00:00Z; slot(t)-11 at 11:05:00Z; slot(t)-287 at 12:05:00Z the day before.
    const v = view([
      out(utc('2026-03-09T12:04:59.999Z'), 1, null), // slot(t)-288: in neither
      out(utc('2026-03-09T12:05:00.000Z'), 10, 'cp-A'), // 24 h
      out(utc('2026-03-10T11:04:59.999Z'), 100, 'cp-A'), // 24 h
      tx(utc('2026-03-10T11:30:00.000Z'), { type: 'DEPOSIT', amountMinor: 100_000 }), // not an outflow
      tin(utc('2026-03-10T11:31:00.000Z'), 'cp-Z', { amountMinor: 200_000 }), // not an outflow
      out(utc('2026-03-10T11:05:00.000Z'), 1000, 'cp-B'), // 1 h, new counterparty
      out(utc('2026-03-10T12:04:59.999Z'), 10_000, null), // 1 h, cash
    ], LOOSE);
    expect(v.asOf).toBe(utc('2026-03-10T12:04:59.999Z'));
    expect(v.outflow1h).toEqual({ sumMinor: 11_000, count: 2 });
    expect(v.outflow24h).toEqual({ sumMinor: 11_110, count: 4 });
    expect(v.newCounterpartyOutflow1h).toEqual({ sumMinor: 1000, count: 1 });
  });
});

describe('counterparties', () => {
  it('a TRANSFER_IN or an earlier outflow makes a counterparty known; cash is never new; ownAccount counts', () => {
    const t = sh(2026, 3, 1, 10);
    const v = view([
      tin(t, 'cp-IN'),
      out(t + 10 * 60_000, 100, 'cp-IN'), // known through the incoming transfer
      out(t + 20 * 60_000, 200, 'cp-N'), // new
      out(t + 30 * 60_000, 300, 'cp-N'), // seen 10 minutes ago
      out(t + 40 * 60_000, 400, null), // cash
      out(t + 50 * 60_000, 1000, 'cp-OWN', { counterparty: cp('cp-OWN', true) }), // new
    ]);
    expect(v.outflow1h).toEqual({ sumMinor: 2000, count: 5 });
    expect(v.newCounterpartyOutflow1h).toEqual({ sumMinor: 1200, count: 2 });
    expect(v.counterparties90d).toBe(3);
  });

  it('newness is decided when the outflow is applied: a TRANSFER_IN applied after it does not change it', () => {
    const t = sh(2026, 3, 1, 11);
    const v = view([out(t, 100, 'cp-L'), tin(t - 5 * 60_000, 'cp-L'), out(t + 5 * 60_000, 7, 'cp-L')]);
    expect(v.newCounterpartyOutflow1h).toEqual({ sumMinor: 100, count: 1 });
    expect(v.outflow1h).toEqual({ sumMinor: 107, count: 2 });
  });

  it('an earlier-applied event on a later business day does not make a counterparty known', () => {
    // 00:10 on 03-02 applied first; then 23:50 on 03-01 (within the lateness): its window is days ..03-01
    const v = view([out(sh(2026, 3, 2, 0, 10), 10, 'cp-X'), out(sh(2026, 3, 1, 23, 50), 20, 'cp-X')]);
    expect(v.newCounterpartyOutflow1h).toEqual({ sumMinor: 30, count: 2 });
  });

  it('a counterparty seen on day(x)-89 is known, on day(x)-90 it is new again (business days)', () => {
    const d = (k: number): number => sh(2026, 6, 1) + k * DAY; // local midnight, day k
    const outAt = d(90) + 12 * H;
    const known = view([tin(d(1), 'cp-O'), out(outAt, 100, 'cp-O')], LOOSE); // 00:00 local of day(x)-89
    expect(known.newCounterpartyOutflow1h.count).toBe(0);
    expect(known.counterparties90d).toBe(1);
    const fresh = view([tin(d(1) - 1, 'cp-O'), out(outAt, 100, 'cp-O')], LOOSE); // 23:59:59.999 of day(x)-90
    expect(fresh.newCounterpartyOutflow1h).toEqual({ sumMinor: 100, count: 1 });
    // counterparties90d counts the outflow itself; a counterparty seen only 90 days ago is not counted.
    expect(view([tin(d(1) - 1, 'cp-OLD'), out(outAt, 100, 'cp-O')]).counterparties90d).toBe(1);
  });
});

describe('maxOutflow90dMinor', () => {
  it('covers days day(t)-89 .. day(t) in the business calendar', () => {
    const d = (k: number): number => sh(2026, 6, 1) + k * DAY;
    const v = view([
      out(d(1) - 1, 9_000_000, null), // 23:59:59.999 local on day t-90: excluded
      out(d(1), 5_000_000, 'cp-1'), // 00:00 local on day t-89
      out(d(90) + 12 * H, 1_000_000, 'cp-2'),
    ]);
    expect(v.maxOutflow90dMinor).toBe(5_000_000);
    expect(v.counterparties90d).toBe(2);
    expect(view([bal(d(0), 10)]).maxOutflow90dMinor).toBe(0);
  });
});

describe('idempotence', () => {
  it('skips a known eventId within the lateness', () => {
    const t = sh(2026, 3, 1, 10);
    const line = out(t, 700, 'cp-1', { eventId: 'dup-1' });
    const login = ce(t + 1000, 'RATE_QUERY', 'MORTGAGE', { eventId: 'dup-2' });
    const run = referenceRun([line, login, line, login, out(t + 2000, 1, null)], OPTS);
    expect(run).toMatchObject({ applied: 3, duplicates: 2, late: 0, staleProfiles: 0, ignored: 0 });
    expect(run.perCustomer.get('c1')).toEqual({ applied: 3, duplicates: 2, late: 0, staleProfiles: 0 });
    const v = run.features.get('c1')!;
    expect(v.outflow1h).toEqual({ sumMinor: 701, count: 2 });
    expect(v.mortgageInterest30d).toBe(1);
  });

  it('rejects events older than watermark - lateness (exactly at the edge is applied)', () => {
    const w = sh(2026, 3, 1, 12);
    const run = referenceRun([
      bal(w, 0, { type: 'DEPOSIT' }),
      out(w - H - 1, 5, null), // late
      out(w - H, 7, null), // applied
      ce(w - 2 * H), // another topic: its own watermark, so not late
      profile(w - 400 * DAY), // profiles: no lateness, no watermark
    ], OPTS);
    expect(run).toMatchObject({ applied: 4, late: 1, duplicates: 0 });
    const v = run.features.get('c1')!;
    expect(v.asOf).toBe(w);
    expect(v.outflow24h).toEqual({ sumMinor: 7, count: 1 });
    expect(v.outflow1h).toEqual({ sumMinor: 0, count: 0 }); // 11:00 is slot(t)-12
    expect(v.profile?.updatedAt).toBe(w - 400 * DAY);
  });

  it('a re-publication of an event older than the lateness is late, not a duplicate', () => {
    const t = sh(2026, 3, 1, 10);
    const first = bal(t, 100, { eventId: 'old-1' });
    const run = referenceRun([first, bal(t + 2 * H, 200), first], OPTS);
    expect(run).toMatchObject({ applied: 2, late: 1, duplicates: 0 });
    expect(run.features.get('c1')!.depositsMinor).toBe(200);
  });

  it('keeps watermarks per customer', () => {
    const t = sh(2026, 3, 1, 10);
    const run = referenceRun([bal(t, 1), bal(t - 5 * H, 2, { customerId: 'c2' })], OPTS);
    expect(run).toMatchObject({ applied: 2, late: 0 });
    expect(run.features.get('c2')?.asOf).toBe(t - 5 * H);
  });

  it('ignores other topics and blank lines', () => {
    const other = JSON.stringify({ topic: TOPICS.outreachTasks, value: SAMPLES[TOPICS.outreachTasks][0] });
    const run = referenceRun(['', other, '  ', bal(sh(2026, 3, 1), 5)], OPTS);
    expect(run).toMatchObject({ applied: 1, ignored: 1 });
    expect([...run.features.keys()]).toEqual(['c1']);
  });
});

describe('mortgage interest', () => {
  it('counts RATE_QUERY/CALCULATOR on MORTGAGE on days day(t)-29 .. day(t)', () => {
    const w = sh(2026, 4, 30, 12); // day t = 2026-04-30, t-29 = 2026-04-01
    const v = view([
      ce(utc('2026-03-31T15:59:59.999Z'), 'CALCULATOR', 'MORTGAGE'), // 2026-03-31 23:59:59.999 local: excluded
      ce(utc('2026-03-31T16:00:00.000Z'), 'RATE_QUERY', 'MORTGAGE'), // 2026-04-01 00:00 local
      ce(w - H, 'CALCULATOR', 'MORTGAGE'),
      ce(w - H, 'RATE_QUERY', 'CAR_LOAN'),
      ce(w - H, 'PAGE_VIEW', 'MORTGAGE'),
      ce(w),
    ]);
    expect(v.mortgageInterest30d).toBe(2);
  });
});

describe('products', () => {
  const t = sh(2026, 3, 1, 10);
  it('the high-risk streak follows event time, not arrival', () => {
    const base = [
      buy(t, 1, 'FUND', 5),
      buy(t + H, 1, 'BOND', 2), // resets
      buy(t + 2 * H, 1, 'STRUCTURED', 4),
      buy(t + 3 * H, 1, 'PRIVATE_EQUITY', 2), // PE counts at any risk level
    ];
    expect(view([...base, buy(t + 1.5 * H, 1, 'FUND', 5), redeem(t + 4 * H, 1)], LOOSE).highRiskStreak).toBe(3);
    expect(view([...base, buy(t + 2.5 * H, 1, 'FUND', 3)], LOOSE).highRiskStreak).toBe(1);
    expect(view([bal(t, 5)]).highRiskStreak).toBe(0);
  });

  it('lastInvestmentAt is the largest occurredAt of a non-DEPOSIT, non-INSURANCE purchase', () => {
    const v = view([
      buy(t + 3 * H, 1, 'WEALTH_MANAGEMENT', 2),
      buy(t + 2 * H, 1, 'FUND', 2), // applied later, older
      buy(t + 4 * H, 1, 'DEPOSIT', 1),
      buy(t + 5 * H, 1, 'INSURANCE', 1),
      redeem(t + 6 * H, 1),
    ], LOOSE);
    expect(v.lastInvestmentAt).toBe(t + 3 * H);
    expect(view([buy(t, 1, 'DEPOSIT', 1)]).lastInvestmentAt).toBeNull();
  });
});

describe('months', () => {
  it('baby months follow the business month and the MCC list', () => {
    const card = (at: number, mcc: string): string => tx(at, { type: 'CARD_PURCHASE', merchantCategory: mcc });
    const lines = [
      card(utc('2026-01-31T15:59:59.999Z'), '5641'), // 2026-01-31 23:59:59.999 local
      card(utc('2026-01-31T16:00:00.000Z'), '5945'), // 2026-02-01 00:00 local
      card(utc('2026-03-10T00:00:00.000Z'), '5411'), // not a baby MCC
      tx(utc('2026-04-10T00:00:00.000Z'), { type: 'TRANSFER_OUT', merchantCategory: '5641' }), // not a card purchase
    ];
    expect(view(lines).babyMonths).toEqual(['2026-01', '2026-02']);
    expect(view(lines, { ...OPTS, babyMccs: ['5411'] }).babyMonths).toEqual(['2026-03']);
    expect(view(lines).salaryMonths).toEqual([]);
  });

  it('keeps the last 13 months, ascending', () => {
    const lines: string[] = [];
    for (let i = 0; i < 15; i++) lines.push(tx(sh(2025, 1, 1) + i * 31 * DAY, { type: 'SALARY_CREDIT', amountMinor: 100 }));
    lines.push(tx(sh(2025, 1, 1) + 14 * 31 * DAY + H, { type: 'SALARY_CREDIT', amountMinor: 100 })); // same month again
    const v = view(lines);
    // 2025-01-01 + 31*i days: months 2025-01 .. 2026-03 (15 distinct)
    expect(v.salaryMonths).toHaveLength(13);
    expect(v.salaryMonths[0]).toBe('2025-03');
    expect(v.salaryMonths[12]).toBe('2026-03');
    expect(v.babyMonths).toEqual([]);
  });
});

describe('profile', () => {
  it('age counts whole years from the birth month at the watermark, in the business month', () => {
    const before = view([profile(utc('2020-01-01T00:00:00Z')), ce(utc('2026-02-28T15:59:59.999Z'))]); // 2026-02 local
    const after = view([profile(utc('2020-01-01T00:00:00Z')), ce(utc('2026-02-28T16:00:00.000Z'))]); // 2026-03 local
    expect(before.profile?.age).toBe(64);
    expect(after.profile?.age).toBe(65); // born 1961-03-31: counted from the month, 65 on 2026-03-01
  });

  it('keeps the latest profile by updatedAt (a tie is a re-publication: stale), and maps its fields', () => {
    const t = sh(2026, 3, 1, 10);
    const run = referenceRun([
      profile(t - 5, { relationshipManagerId: 'rm-1', riskAssessedAt: '2025-12-30T14:20:00+08:00', preferredChannels: ['CALL_CENTER', 'APP'] }),
      profile(t - 6, { marketingConsent: false }), // older: stale
      profile(t, { riskTolerance: 5, relationshipManagerId: 'rm-2', preferredChannels: ['CALL_CENTER', 'APP'],
        riskAssessedAt: '2025-12-30T14:20:00+08:00' }), // newer: replaces
      profile(t, { riskTolerance: 1 }), // same updatedAt: a re-publication, stale
    ], OPTS);
    expect(run).toMatchObject({ applied: 2, staleProfiles: 2 });
    expect(run.features.get('c1')!.profile).toEqual({
      age: 65, // no event: as of updatedAt, 2026-03 local
      marketingConsent: true,
      riskTolerance: 5,
      riskAssessedAt: sh(2025, 12, 30, 14, 20),
      preferredChannels: ['CALL_CENTER', 'APP'],
      hasRelationshipManager: true,
      updatedAt: t,
    });
  });

  it('profile only: asOf null, age as of updatedAt, everything else empty', () => {
    const v = view([profile(sh(2026, 3, 1), { birthDate: '1961-03-31' })]);
    expect(v).toEqual({
      customerId: 'c1',
      asOf: null,
      depositsMinor: 0,
      holdingsMinor: 0,
      assetsMinor: 0,
      avg30Minor: 0,
      avg30AgoMinor: 0,
      tier: 'ORDINARY',
      outflow1h: { sumMinor: 0, count: 0 },
      outflow24h: { sumMinor: 0, count: 0 },
      newCounterpartyOutflow1h: { sumMinor: 0, count: 0 },
      maxOutflow90dMinor: 0,
      counterparties90d: 0,
      highRiskStreak: 0,
      mortgageInterest30d: 0,
      babyMonths: [],
      salaryMonths: [],
      lastInvestmentAt: null,
      profile: {
        age: 65,
        marketingConsent: true,
        riskTolerance: 3,
        riskAssessedAt: null,
        preferredChannels: ['WECHAT'],
        hasRelationshipManager: false,
        updatedAt: sh(2026, 3, 1),
      },
    });
    expect(view([profile(sh(2026, 3, 1), { birthDate: null })]).profile?.age).toBeNull();
  });

  it('no profile: null', () => {
    expect(view([bal(sh(2026, 3, 1), 1)]).profile).toBeNull();
  });
});

describe('scale', () => {
  it('folds 1,000 customers x 60 days (~200k events) well under a minute', () => {
    let state = 42;
    const rnd = (): number => ((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const start = sh(2026, 1, 1);
    const lines: string[] = [];
    for (let c = 0; c < 1000; c++) {
      const customerId = `cust-${c}`;
      lines.push(profile(start, { customerId }));
      let at = start;
      for (let i = 0; i < 200; i++) {
        at += Math.floor(rnd() * 0.6 * DAY);
        const when = at - Math.floor(rnd() * 30 * 60_000); // some out of order, within 1 h
        const r = rnd();
        if (r < 0.25) lines.push(ce(when, pick(['LOGIN', 'RATE_QUERY', 'CALCULATOR']), pick(['MORTGAGE', null]), { customerId }));
        else if (r < 0.5) lines.push(out(when, 1 + Math.floor(rnd() * 1e6), pick([null, 'a', 'b', 'c', `n${i}`]), { customerId, balanceAfterMinor: Math.floor(rnd() * 1e8) }));
        else if (r < 0.6) lines.push(buy(when, 1 + Math.floor(rnd() * 1e6), pick(['FUND', 'PRIVATE_EQUITY', 'DEPOSIT']), 1 + Math.floor(rnd() * 5), { customerId }));
        else if (r < 0.7) lines.push(tx(when, { customerId, type: 'CARD_PURCHASE', merchantCategory: pick(['5641', '5411']) }));
        else lines.push(bal(when, Math.floor(rnd() * 1e8), { customerId, accountId: pick(['a1', 'a2', 'a3']), type: pick(['DEPOSIT', 'SALARY_CREDIT', 'TRANSFER_IN']), counterparty: cp(pick(['a', 'x'])) }));
        if (rnd() < 0.02) lines.push(lines[lines.length - 1]!); // re-delivery
      }
    }
    const t0 = performance.now();
    const run = referenceRun(lines, OPTS);
    const ms = performance.now() - t0;
    console.log(`reference model: ${lines.length} lines in ${Math.round(ms)} ms`);
    expect(run.applied + run.duplicates + run.late + run.staleProfiles + run.ignored).toBe(lines.length);
    expect(run.features.size).toBe(1000);
    expect(run.duplicates).toBeGreaterThan(0);
    expect(ms).toBeLessThan(60_000);
  }, 120_000);
});
