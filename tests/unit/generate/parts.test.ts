import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BusinessCalendar, dayOfMonthAhead, isoDate, parseIsoDate } from '../../../src/generate/calendar.ts';
import { fakeIdNumber } from '../../../src/generate/identity.ts';
import { generate, writeGenerated } from '../../../src/generate/index.ts';
import { CustomerLedger } from '../../../src/generate/ledger.ts';
import { Rng } from '../../../src/generate/prng.ts';

describe('Rng', () => {
  it('repeats for a seed and label, differs otherwise', () => {
    const a = Array.from({ length: 5 }, ((r) => () => r.next())(Rng.derive(1, 'x')));
    const b = Array.from({ length: 5 }, ((r) => () => r.next())(Rng.derive(1, 'x')));
    const c = Array.from({ length: 5 }, ((r) => () => r.next())(Rng.derive(1, 'y')));
    const d = Array.from({ length: 5 }, ((r) => () => r.next())(Rng.derive(2, 'x')));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).not.toEqual(d);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('draws integers in the closed range, roughly uniformly', () => {
    const r = new Rng(7);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[r.int(1, 4) - 1]!++;
    for (const c of counts) expect(c).toBeGreaterThan(9_000);
  });
});

describe('BusinessCalendar', () => {
  it('maps instants to local days and months', () => {
    const cal = new BusinessCalendar('Asia/Shanghai');
    const day = parseIsoDate('2026-06-01');
    const t = cal.time(day, 0, 30); // 00:30 local = 16:30 UTC the day before
    expect(new Date(t).toISOString()).toBe('2026-05-31T16:30:00.000Z');
    expect(cal.dayOf(t)).toBe(day);
    expect(cal.monthOf(t)).toBe(2026 * 12 + 5);
  });

  it('keeps wall-clock times across a DST change', () => {
    const cal = new BusinessCalendar('America/New_York');
    const before = cal.time(parseIsoDate('2026-03-07'), 9);
    const after = cal.time(parseIsoDate('2026-03-09'), 9);
    expect(new Date(before).toISOString()).toBe('2026-03-07T14:00:00.000Z');
    expect(new Date(after).toISOString()).toBe('2026-03-09T13:00:00.000Z');
  });

  it('finds days of later months and refuses impossible dates', () => {
    expect(isoDate(dayOfMonthAhead(parseIsoDate('2026-11-30'), 3, 15))).toBe('2027-02-15');
    expect(() => parseIsoDate('2026-13-01')).toThrow(RangeError);
    expect(() => parseIsoDate('June 1')).toThrow(/YYYY-MM-DD/);
  });
});

describe('identity', () => {
  it('makes 18-character ID numbers with a valid GB 11643 check character', () => {
    const id = fakeIdNumber('1990-03-07', new Rng(3));
    expect(id).toMatch(/^\d{6}19900307\d{3}[\dX]$/);
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const sum = weights.reduce((s, w, i) => s + w * Number(id[i]), 0);
    expect(id[17]).toBe('10X98765432'[sum % 11]);
  });
});

describe('CustomerLedger', () => {
  it('moves balances by the amount and refuses overdrafts and out-of-order postings', () => {
    const l = new CustomerLedger(1);
    const acc = l.openAccount('ACC00000011234', 10_000);
    const r1 = l.post(1_000, acc, 'TRANSFER_IN', 500, { channel: 'APP' });
    expect((r1.value as { balanceAfterMinor: number }).balanceAfterMinor).toBe(10_500);
    const r2 = l.post(2_000, acc, 'CARD_PURCHASE', 700, { channel: 'POS', merchantCategory: '5411' });
    expect((r2.value as { balanceAfterMinor: number; maskedAccountNo: string }).balanceAfterMinor).toBe(9_800);
    expect((r2.value as { maskedAccountNo: string }).maskedAccountNo).toBe('1234');
    expect(() => l.post(3_000, acc, 'WITHDRAWAL', 1_000_000, { channel: 'ATM' })).toThrow(/overdraw/);
    expect(() => l.post(1_500, acc, 'DEPOSIT', 1, { channel: 'ATM' })).toThrow(/order/);
  });
});

describe('writeGenerated', () => {
  it('streams the same lines as generate() and writes the labels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'carestream-generate-'));
    try {
      const options = { seed: 3, customers: 60, days: 10, start: '2026-06-01' };
      const res = await writeGenerated(options, join(dir, 'events.jsonl'), join(dir, 'labels.json'));
      const expected = [...generate(options).lines];
      expect(res.events).toBe(expected.length);
      expect(await readFile(join(dir, 'events.jsonl'), 'utf8')).toBe(`${expected.join('\n')}\n`);
      expect(JSON.parse(await readFile(join(dir, 'labels.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(res.labels)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
