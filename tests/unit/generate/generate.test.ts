import { describe, expect, it } from 'vitest';
import { TOPICS, isInputTopic } from '../../../src/events/topics.ts';
import type { Transaction } from '../../../src/events/types.ts';
import { AMBIGUOUS_BY_DESIGN, checkReplayLines, expectedFor, generate, MAX_DAYS, nearMissesFor, type GenerateOptions, type Labels } from '../../../src/generate/index.ts';
import { isCredit } from '../../../src/generate/ledger.ts';
import { SCENARIO_TEMPLATES, copiesFor } from '../../../src/generate/scenarios/index.ts';
import { decode, eventTime, isTransaction } from './fixture.ts';

const OPTIONS: GenerateOptions = { seed: 20260601, customers: 300, days: 75, start: '2026-06-01' };
const data = decode(OPTIONS);

describe('generate: determinism', () => {
  it('gives byte-identical lines and labels for the same options', () => {
    const again = generate(OPTIONS);
    expect([...again.lines].join('\n')).toBe(data.lines.join('\n'));
    expect(JSON.stringify(again.labels)).toBe(JSON.stringify(data.labels));
  });

  it('regenerates the same lines when the iterable is iterated twice', () => {
    const g = generate({ ...OPTIONS, customers: 60, days: 5 });
    expect([...g.lines]).toEqual([...g.lines]);
  });

  it('gives different output for a different seed', () => {
    const other = generate({ ...OPTIONS, seed: OPTIONS.seed + 1 });
    const otherLines = [...other.lines];
    expect(otherLines.join('\n')).not.toBe(data.lines.join('\n'));
    expect(JSON.stringify(other.labels.planted)).not.toBe(JSON.stringify(data.labels.planted));
  });
});

describe('generate: replay format', () => {
  it('writes only input topics, every line parseable, with the default key', () => {
    expect(data.lines.length).toBeGreaterThan(10_000);
    for (const [i, line] of data.lines.entries()) {
      const obj = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(obj), `line ${i}`).toEqual(['topic', 'value']);
      expect(isInputTopic(data.records[i]?.topic ?? '')).toBe(true);
    }
  });

  it('writes timestamps as ISO-8601 with the business offset', () => {
    const tx = data.lines.find((l) => l.includes(TOPICS.transactions)) as string;
    expect(tx).toMatch(/"occurredAt":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00"/);
  });

  it('puts one profile per customer first, all before any event', () => {
    const profiles = data.records.filter((r) => r.topic === TOPICS.customerProfiles);
    expect(profiles).toHaveLength(OPTIONS.customers);
    expect(data.records.slice(0, OPTIONS.customers).every((r) => r.topic === TOPICS.customerProfiles)).toBe(true);
    const ids = profiles.map((r) => (r.value as { customerId: string }).customerId);
    expect(new Set(ids).size).toBe(OPTIONS.customers);
    expect(ids.every((id) => /^C\d{6}$/.test(id))).toBe(true);
    const lastProfile = Math.max(...profiles.map(eventTime));
    const firstEvent = eventTime(data.records[OPTIONS.customers]!);
    // At least 30 days earlier: no 30-day window holds the profile's day and a transaction.
    expect(firstEvent - lastProfile).toBeGreaterThanOrEqual(30 * 86_400_000);
  });

  it('is sorted by event time', () => {
    for (let i = 1; i < data.records.length; i++) {
      expect(eventTime(data.records[i]!) >= eventTime(data.records[i - 1]!), `line ${i}`).toBe(true);
    }
  });

  it('has unique event ids', () => {
    const ids = data.records.filter((r) => r.topic !== TOPICS.customerProfiles).map((r) => (r.value as { eventId: string }).eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('starts every customer with a transaction (the daily asset series begins complete)', () => {
    for (const [id, c] of data.byCustomer) {
      const first = c.events[0];
      expect(first && isTransaction(first), id).toBe(true);
    }
  });

  it('keeps every account balance consistent: each posting moves it by the amount', () => {
    const last = new Map<string, number>();
    let postings = 0;
    for (const c of data.byCustomer.values()) {
      for (const e of c.events) {
        if (!isTransaction(e)) continue;
        const t: Transaction = e;
        expect(t.amountMinor).toBeGreaterThan(0);
        expect(t.maskedAccountNo).toBe(t.accountId.slice(-4));
        expect(t.accountId).toMatch(/^ACC\d+$/);
        const prev = last.get(t.accountId);
        if (prev !== undefined) {
          expect(t.balanceAfterMinor, t.eventId).toBe(prev + (isCredit(t.type) ? t.amountMinor : -t.amountMinor));
          postings++;
        }
        last.set(t.accountId, t.balanceAfterMinor);
      }
    }
    expect(postings).toBeGreaterThan(5_000);
  });
});

/** Customers planted with a scenario whose event-path ambiguity is its point (AMBIGUOUS_BY_DESIGN). */
function byDesign(labels: Labels): Set<string> {
  return new Set(labels.planted.filter((p) => AMBIGUOUS_BY_DESIGN.includes(p.scenario)).map((p) => p.customerId));
}

describe('generate: labels', () => {
  const RULE_IDS = [
    'large-outflow', 'outflow-velocity', 'vip-outflow-retention', 'vip-upgrade', 'asset-growth', 'risky-streak',
    'suitability', 'mortgage-interest', 'new-parent', 'payroll-plan', 'welcome', 'complaint-recovery',
    'vip-downgrade', 'care-cadence', 'birthday-greeting', 'fraud-check-escalation',
  ];
  const { labels } = data;

  it('echoes the options', () => {
    expect(labels).toMatchObject({ seed: OPTIONS.seed, customers: OPTIONS.customers, days: OPTIONS.days, start: OPTIONS.start, timeZone: 'Asia/Shanghai' });
  });

  it('covers every rule with an expected output and a near miss', () => {
    for (const rule of RULE_IDS) {
      expect(labels.expected.some((e) => e.ruleId === rule && e.outcome === 'task'), rule).toBe(true);
      expect(labels.nearMisses.some((n) => n.ruleId === rule), rule).toBe(true);
    }
  });

  it('covers every suppression reason', () => {
    for (const reason of ['NO_CONSENT', 'CONTACT_CAP', 'COOLDOWN']) {
      expect(labels.expected.some((e) => e.suppressionReason === reason), reason).toBe(true);
    }
  });

  it('plants every scenario on its own customers', () => {
    const copies = copiesFor(OPTIONS.customers);
    expect(labels.planted).toHaveLength(SCENARIO_TEMPLATES.length * copies);
    expect(new Set(labels.planted.map((p) => p.customerId)).size).toBe(labels.planted.length);
    for (const t of SCENARIO_TEMPLATES) expect(labels.planted.filter((p) => p.scenario === t.name)).toHaveLength(copies);
  });

  it('names trigger events that exist, belong to the customer and come with a due time', () => {
    const events = new Map<string, { customerId: string; occurredAt: number }>();
    for (const r of data.records) if (r.topic !== TOPICS.customerProfiles) events.set((r.value as { eventId: string }).eventId, r.value as never);
    for (const e of labels.expected) {
      if (e.mode === 'timers') {
        // a timer's trigger id names its customer (or the task it escalates, planted for this customer)
        expect(e.triggerEventId, e.scenario).toMatch(/^timer:(TIER|CADENCE|BIRTHDAY|FRAUD_SLA):/);
        if (!e.triggerEventId.startsWith('timer:FRAUD_SLA:')) expect(e.triggerEventId.split(':')[2], e.scenario).toBe(e.customerId);
        expect(e.outcome === 'task' ? e.dueBy : e.suppressionReason).toBeDefined();
        continue;
      }
      const ev = events.get(e.triggerEventId);
      expect(ev?.customerId, e.triggerEventId).toBe(e.customerId);
      expect(e.outcome === 'task' ? e.dueBy : e.suppressionReason).toBeDefined();
      expect(e.topic).toBe(e.outcome === 'suppressed' ? TOPICS.suppressions : e.kind ? TOPICS.outreachTasks : TOPICS.fraudCheckTasks);
    }
  });

  it('matches an independent replay through the reference checker exactly, for every customer (the event path: the checker has no timers)', () => {
    const result = checkReplayLines(data.lines, 'Asia/Shanghai');
    expect(result.ambiguities.filter((a) => !byDesign(labels).has(a.split(' ')[0]!))).toEqual([]);
    expect(result.ambiguities.length, 'the quiet crossing is an ambiguity of the event path').toBeGreaterThan(0);
    const strip = ({ scenario: _s, mode: _m, ...rest }: (typeof labels.expected)[number]) => rest;
    const key = (o: { customerId: string; ruleId: string; triggerEventId: string }) => `${o.customerId} ${o.ruleId} ${o.triggerEventId}`;
    const sort = <T extends { customerId: string; ruleId: string; triggerEventId: string }>(xs: T[]) => [...xs].sort((a, b) => key(a).localeCompare(key(b)));
    expect(sort(result.outputs)).toEqual(sort(expectedFor(labels, 'events').map(strip)));
  });

  it('gives near-miss customers nothing from that rule, on the pipeline the near miss is stated for', () => {
    for (const mode of ['events', 'timers'] as const) {
      for (const n of nearMissesFor(labels, mode)) {
        expect(expectedFor(labels, mode).some((e) => e.customerId === n.customerId && e.ruleId === n.ruleId), `${n.scenario} (${mode})`).toBe(false);
      }
    }
  });

  it('spells out the reasons of large outflows, e.g. no-history outflows also spike', () => {
    const noHistory = labels.expected.filter((e) => e.scenario === 'large-outflow/no-history');
    expect(noHistory.length).toBeGreaterThan(0);
    for (const e of noHistory) expect(e.reasons).toEqual(['AMOUNT_OVER_THRESHOLD', 'NEW_COUNTERPARTY', 'SPIKE_VS_HISTORY']);
    const elderly = labels.expected.filter((e) => e.scenario === 'large-outflow/elderly');
    for (const e of elderly) expect(e).toMatchObject({ priority: 'P1', reasons: ['AMOUNT_OVER_THRESHOLD', 'NEW_COUNTERPARTY', 'ELDERLY_CUSTOMER'] });
  });
});

describe('generate: other shapes of input', () => {
  it('agrees with the checker in a zone with daylight saving time and across a long stream', () => {
    const g = generate({ seed: 5, customers: 250, days: 200, start: '2026-02-15', timeZone: 'America/New_York' });
    const lines = [...g.lines];
    const result = checkReplayLines(lines, 'America/New_York');
    expect(result.ambiguities.filter((a) => !byDesign(g.labels).has(a.split(' ')[0]!))).toEqual([]);
    expect(result.outputs.length).toBe(expectedFor(g.labels, 'events').length);
    expect(lines.some((l) => l.includes('-04:00"')) && lines.some((l) => l.includes('-05:00"'))).toBe(true);
  });

  it('without scenarios produces no expected output and no task at all', () => {
    const g = generate({ seed: 9, customers: 40, days: 30, start: '2026-06-01', scenarios: false });
    expect(g.labels.expected).toEqual([]);
    expect(g.labels.planted).toEqual([]);
    expect(checkReplayLines(g.lines, 'Asia/Shanghai').outputs).toEqual([]);
  });

  it('refuses options it cannot honour, with a clear message', () => {
    expect(() => generate({ ...OPTIONS, customers: 10 })).toThrow(/at least \d+ customers/);
    expect(() => generate({ ...OPTIONS, days: MAX_DAYS + 1 })).toThrow(/days/);
    expect(() => generate({ ...OPTIONS, start: '2026-02-30' })).toThrow(/calendar date/);
    expect(() => generate({ ...OPTIONS, timeZone: 'Mars/Olympus' })).toThrow(/time zone/);
    expect(() => generate({ ...OPTIONS, seed: 1.5 })).toThrow(/seed/);
  });
});
