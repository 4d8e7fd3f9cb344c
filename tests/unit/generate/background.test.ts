// Background customers must stay clear of every rule, checked here by plain
// sums and counts over the generated file (independent of the checker).
import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../src/events/topics.ts';
import type { ChannelEvent, Transaction } from '../../../src/events/types.ts';
import { BusinessCalendar, civilFromDays } from '../../../src/generate/calendar.ts';
import { decode, eventTime, isTransaction, type CustomerEvents, type Decoded } from './fixture.ts';

const DAY = 86_400_000;
const tz = 'Asia/Shanghai';
const cal = new BusinessCalendar(tz);

// A long stream (past the 180 days of the growth comparison), scenarios on,
// so background customers share the file with planted ones.
const data = decode({ seed: 77, customers: 280, days: 240, start: '2026-03-01', timeZone: tz });

function background(d: Decoded): [string, CustomerEvents][] {
  return [...d.byCustomer].filter(([id]) => !d.planted.has(id));
}

const customers = background(data);
const txs = (events: (Transaction | ChannelEvent)[]): Transaction[] => events.filter(isTransaction);
const chs = (events: (Transaction | ChannelEvent)[]): ChannelEvent[] => events.filter((e): e is ChannelEvent => !isTransaction(e));

describe('background behaviour', () => {
  it('is varied: salaries, card spending with real MCCs, transfers, cash, products, loans, channel events', () => {
    expect(customers.length).toBeGreaterThan(200);
    const all = customers.flatMap(([, c]) => c.events);
    const types = new Set(txs(all).map((t) => t.type));
    for (const t of ['SALARY_CREDIT', 'CARD_PURCHASE', 'TRANSFER_OUT', 'TRANSFER_IN', 'DEPOSIT', 'WITHDRAWAL', 'PRODUCT_PURCHASE', 'PRODUCT_REDEMPTION', 'LOAN_REPAYMENT']) {
      expect(types.has(t as Transaction['type']), t).toBe(true);
    }
    const actions = new Set(chs(all).map((e) => e.action));
    for (const a of ['LOGIN', 'PAGE_VIEW', 'PRODUCT_VIEW', 'SEARCH', 'RATE_QUERY']) expect(actions.has(a as ChannelEvent['action']), a).toBe(true);
    const salaried = customers.filter(([, c]) => txs(c.events).some((t) => t.type === 'SALARY_CREDIT')).length;
    expect(salaried / customers.length).toBeGreaterThan(0.5);
    expect(salaried).toBeLessThan(customers.length);
    const mccs = new Set(txs(all).filter((t) => t.type === 'CARD_PURCHASE').map((t) => t.merchantCategory));
    expect(mccs.size).toBeGreaterThan(10);
    expect([...mccs].every((m) => m !== null && /^\d{4}$/.test(m))).toBe(true);
    for (const t of txs(all)) {
      if (t.type === 'WITHDRAWAL') expect(t.counterparty).toBeNull();
      if (t.type === 'TRANSFER_OUT' || t.type === 'TRANSFER_IN') expect(t.counterparty?.accountRef).toMatch(/^CP-/);
    }
  });

  it('has profiles with consent mostly given, tolerance, a recent assessment and no age near 65', () => {
    const profiles = customers.map(([, c]) => c.profile!);
    const consent = profiles.filter((p) => p.marketingConsent).length / profiles.length;
    expect(consent).toBeGreaterThan(0.75);
    expect(consent).toBeLessThan(1);
    for (const p of profiles) {
      expect(p.riskTolerance).toBeGreaterThanOrEqual(1);
      expect(p.updatedAt - (p.riskAssessedAt as number)).toBeLessThan(60 * DAY);
      expect(p.idNumber).toMatch(/^\d{17}[\dX]$/);
      expect(p.fullName).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
      const born = Number(p.birthDate!.slice(0, 4));
      expect(2026 + 1 - born).toBeLessThan(64);
    }
    expect(profiles.filter((p) => p.preferredChannels.length === 0).length / profiles.length).toBeGreaterThan(0.5);
  });

  it('never has ACCOUNT_OPENED or COMPLAINT (those are planted)', () => {
    for (const [id, c] of customers) {
      expect(chs(c.events).some((e) => e.action === 'ACCOUNT_OPENED' || e.action === 'COMPLAINT'), id).toBe(false);
    }
  });

  it('keeps assets far from VIP and flat enough that no 30-day average grows 30%', () => {
    for (const [id, c] of customers) {
      const balances = new Map<string, number>();
      let net = 0;
      const eodByDay = new Map<number, number>();
      for (const t of txs(c.events)) {
        balances.set(t.accountId, t.balanceAfterMinor);
        if (t.type === 'PRODUCT_PURCHASE') net += t.amountMinor;
        if (t.type === 'PRODUCT_REDEMPTION') net -= t.amountMinor;
        let assets = Math.max(0, net);
        for (const b of balances.values()) assets += b;
        eodByDay.set(cal.dayOf(t.occurredAt), assets);
      }
      const eods = [...eodByDay.values()];
      const max = Math.max(...eods);
      const min = Math.min(...eods);
      expect(max, id).toBeLessThan(40_000_000); // 400,000.00, VIP needs 500,000 on average
      // Every end-of-day value within a band, so any average / any earlier average < 1.3.
      expect(max * 10, id).toBeLessThan(min * 13);
    }
  });

  it('keeps outflows under 50,000 and never two in the same hour', () => {
    for (const [id, c] of customers) {
      const outs = txs(c.events).filter((t) => t.type === 'TRANSFER_OUT' || t.type === 'WITHDRAWAL');
      for (const o of outs) expect(o.amountMinor, id).toBeLessThan(5_000_000);
      for (let i = 1; i < outs.length; i++) {
        // 12 five-minute slots apart: no 1-hour velocity window ever holds two.
        const gap = Math.floor(outs[i]!.occurredAt / 300_000) - Math.floor(outs[i - 1]!.occurredAt / 300_000);
        expect(gap, id).toBeGreaterThanOrEqual(12);
      }
    }
  });

  it('buys only suitable products: risk within tolerance, fresh assessment, never three high-risk in a row', () => {
    let purchases = 0;
    for (const [id, c] of customers) {
      let streak = 0;
      for (const t of txs(c.events).filter((x) => x.type === 'PRODUCT_PURCHASE')) {
        purchases++;
        const p = t.product!;
        expect(p.riskLevel, id).toBeLessThanOrEqual(c.profile!.riskTolerance!);
        expect(t.occurredAt - c.profile!.riskAssessedAt!, id).toBeLessThan(365 * DAY);
        streak = p.riskLevel >= 4 || p.category === 'PRIVATE_EQUITY' ? streak + 1 : 0;
        expect(streak, id).toBeLessThan(3);
      }
    }
    expect(purchases).toBeGreaterThan(500);
  });

  it('queries mortgage rates at most twice within any 30 days', () => {
    for (const [id, c] of customers) {
      const days = chs(c.events)
        .filter((e) => (e.action === 'RATE_QUERY' || e.action === 'CALCULATOR') && e.topic === 'MORTGAGE')
        .map((e) => cal.dayOf(e.occurredAt));
      for (const d of days) expect(days.filter((x) => x >= d - 29 && x <= d).length, id).toBeLessThanOrEqual(2);
    }
  });

  it('never buys baby goods in 3 consecutive months', () => {
    let babyBuyers = 0;
    for (const [id, c] of customers) {
      const months = new Set(
        txs(c.events)
          .filter((t) => t.type === 'CARD_PURCHASE' && (t.merchantCategory === '5641' || t.merchantCategory === '5945'))
          .map((t) => cal.monthOf(t.occurredAt)),
      );
      if (months.size > 0) babyBuyers++;
      for (const m of months) expect(months.has(m - 1) && months.has(m - 2), id).toBe(false);
    }
    expect(babyBuyers).toBeGreaterThan(0);
  });

  it('has salaried customers invest before their second salary and at least every 60 days', () => {
    for (const [id, c] of customers) {
      const t = txs(c.events);
      const salaries = t.filter((x) => x.type === 'SALARY_CREDIT');
      if (salaries.length < 2) continue;
      const investments = t
        .filter((x) => x.type === 'PRODUCT_PURCHASE' && x.product!.category !== 'DEPOSIT' && x.product!.category !== 'INSURANCE')
        .map((x) => x.occurredAt);
      for (const s of salaries.slice(1)) {
        expect(investments.some((at) => at < s.occurredAt && at > s.occurredAt - 60 * DAY), `${id} ${s.eventId}`).toBe(true);
      }
    }
  });

  it('stays under 65 years of age', () => {
    const end = civilFromDays(cal.dayOf(eventTime(data.records[data.records.length - 1]!)));
    for (const [id, c] of customers) {
      const [y, m, d] = c.profile!.birthDate!.split('-').map(Number) as [number, number, number];
      const age = end.year - y - (end.month < m || (end.month === m && end.day < d) ? 1 : 0);
      expect(age, id).toBeLessThan(64);
    }
  });
});

describe('privacy', () => {
  it('writes ID numbers and names only inside profile values', () => {
    const ids = new Set<string>();
    const names = new Set<string>();
    for (const c of data.byCustomer.values()) {
      ids.add(c.profile!.idNumber);
      names.add(c.profile!.fullName);
    }
    const idLike = /\d{17}[\dX]/g;
    const nameLike = /[A-Z][a-z]+ [A-Z][a-z]+/g;
    data.lines.forEach((line, i) => {
      if (data.records[i]!.topic === TOPICS.customerProfiles) return;
      for (const m of line.match(idLike) ?? []) expect(ids.has(m)).toBe(false);
      for (const m of line.match(nameLike) ?? []) expect(names.has(m)).toBe(false);
    });
    const labels = JSON.stringify(data.labels);
    for (const id of ids) expect(labels.includes(id)).toBe(false);
    for (const n of names) expect(labels.includes(n)).toBe(false);
  });
});
