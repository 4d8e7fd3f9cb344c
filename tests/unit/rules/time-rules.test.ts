// The stories of issue 13 end to end without I/O: the feature engine applies
// the events, its timers fire as stream time passes, and decideTimers turns
// what fired into tasks through the shipped rules and the contact policy
// (src/pipeline/decide-timers.ts). Hand-computed: Asia/Shanghai, defaults of
// docs/RULES.md.
import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../src/events/topics.ts';
import type { ChannelEvent, CustomerProfile, FraudCheckTask, OutreachTask, Suppression, Transaction } from '../../../src/events/types.ts';
import { apply, emptyState, fireDue, recordIssued, recordContacts, schedule, type CustomerState, type FeatureRecord } from '../../../src/features/index.ts';
import { decideTimers } from '../../../src/pipeline/decide-timers.ts';
import { defaultRuleSet, parseRuleSet, type RuleSet } from '../../../src/rules/config.ts';
import { timerOptionsOf } from '../../../src/rules/time-context.ts';
import type { CustomerFacts } from '../../../src/state/store.ts';
import { channel, profile, tx } from '../../support/events.ts';
import { featureOptions } from '../features/fold.ts';

const H = 3_600_000;
const DAY = 86_400_000;
const O = featureOptions({ timeZone: 'Asia/Shanghai', allowedLatenessMs: H, babyMccs: [] });
const C = 'C-TIME-1';
const at = (iso: string) => Date.parse(iso);
const endOf = (date: string) => at(`${date}T23:59:59.999+08:00`);
const NOW = at('2027-01-01T00:00:00Z');

/** One customer through features, timers, rules and policy, as a shard will run them. */
class Story {
  state: CustomerState = emptyState();
  fraudChecks: FraudCheckTask[] = [];
  outreach: OutreachTask[] = [];
  suppressions: Suppression[] = [];
  private offsets = { t: 0, c: 0, p: 0 };
  private readonly rs: RuleSet;
  constructor(rs: RuleSet = defaultRuleSet()) {
    this.rs = rs;
  }
  private get T() {
    return timerOptionsOf(this.rs, O.calendar);
  }
  tx(when: string, over: Partial<Transaction> = {}): this {
    return this.feed({ ref: { topic: TOPICS.transactions, partition: 0, offset: this.offsets.t++ }, kind: 'transaction', event: tx(C, when, over) });
  }
  ce(when: string, over: Partial<ChannelEvent> = {}): this {
    return this.feed({ ref: { topic: TOPICS.channelEvents, partition: 0, offset: this.offsets.c++ }, kind: 'channel', event: channel(C, when, over) });
  }
  profile(over: Partial<CustomerProfile> = {}): this {
    return this.feed({ ref: { topic: TOPICS.customerProfiles, partition: 0, offset: this.offsets.p++ }, kind: 'profile', event: profile(C, over) });
  }
  private feed(r: FeatureRecord): this {
    if (r.kind !== 'profile') this.until(r.event.occurredAt - 1);
    this.state = schedule(apply(this.state, r, O).state, this.T);
    return this;
  }
  private facts(): CustomerFacts {
    const p = this.state.profile;
    return {
      profile: p && { updatedAt: p.updatedAt, marketingConsent: p.marketingConsent, riskTolerance: p.riskTolerance, riskAssessedAt: p.riskAssessedAt, hasRelationshipManager: p.hasRelationshipManager, preferredChannels: p.preferredChannels },
      contacts: this.state.contacts,
    };
  }
  /** Stream time reaches `t`: fire, decide, publish, remember (contacts, cadence, watched checks). */
  until(t: number | string): this {
    const r = fireDue(this.state, C, typeof t === 'string' ? at(t) : t, this.T);
    this.state = r.state;
    if (r.fired.length === 0) return this;
    const d = decideTimers({ fired: new Map([[C, r.fired]]), customers: new Map([[C, this.facts()]]), ruleSet: this.rs, calendar: O.calendar, now: NOW });
    this.fraudChecks.push(...d.fraudChecks);
    this.outreach.push(...d.outreach);
    this.suppressions.push(...d.suppressions);
    let s = recordContacts(this.state, d.records.flatMap((x) => x.contacts), 60 * DAY);
    s = recordIssued(s, { outreachAt: d.contactTimes.get(C) ?? [] });
    this.state = schedule(s, this.T);
    return this;
  }
  /** A fraud check the event path published (what the pipeline passes to recordIssued). */
  watch(taskId: string, dueBy: number): this {
    this.state = schedule(recordIssued(this.state, { fraudChecks: [{ taskId, dueBy, transactionEventId: 'E-OUT-1', transactionType: 'TRANSFER_OUT', transactionAt: dueBy - 24 * H, amountMinor: 8_000_000, maskedAccountNo: '8812' }] }), this.T);
    return this;
  }
  rules(): string[] {
    return [...this.fraudChecks, ...this.outreach].map((x) => x.ruleId);
  }
}

describe('tier changes with no event', () => {
  it('12 days after a single deposit the average crosses 500,000; next event six weeks later: exactly one vip-upgrade, dated the crossing day', () => {
    const s = new Story()
      .profile()
      .tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 10_000_000 })
      .tx('2026-02-10T10:00:00+08:00', { balanceAfterMinor: 105_000_000 })
      .tx('2026-03-24T10:00:00+08:00', { balanceAfterMinor: 105_000_100 });
    expect(s.rules()).toEqual(['vip-upgrade']);
    const t = s.outreach[0]!;
    expect(t).toMatchObject({ kind: 'VIP_UPGRADE', priority: 'P3', tier: 'VIP', channel: 'RM_VISIT', triggeredAt: endOf('2026-02-22'), dueBy: endOf('2026-02-22') + 168 * H, reasons: ['TIER_VIP'] });
    expect(t.evidence).toEqual({ tierBefore: 'ORDINARY', tier: 'VIP', avg30Minor: '51166666', avg30AgoMinor: '0' });
    expect(t.sourceEventIds).toEqual([`timer:TIER:${C}:2026-02-22`]);
  });

  it('a timer fired twice (the state from before the first firing, as after a crash) gives the same task id', () => {
    const s = new Story().profile().tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 10_000_000 }).tx('2026-02-10T10:00:00+08:00', { balanceAfterMinor: 105_000_000 });
    const before = s.state;
    s.until('2026-03-01T00:00:00+08:00');
    const again = new Story().profile();
    again.state = before;
    again.until('2026-03-01T00:00:00+08:00');
    expect(again.outreach.map((x) => x.taskId)).toEqual(s.outreach.map((x) => x.taskId));
  });

  it('growth that appears only as the 180-day-ago window moves: exactly one asset-growth, dated that day', () => {
    const s = new Story()
      .profile()
      .tx('2025-06-01T10:00:00+08:00', { balanceAfterMinor: 20_000_000 })
      .tx('2025-07-31T10:00:00+08:00', { balanceAfterMinor: 10_000_000 }) // day 60
      .tx('2025-09-09T10:00:00+08:00', { balanceAfterMinor: 14_000_000 }) // day 100
      .until('2026-06-01T00:00:00+08:00');
    // day 267 after 1 June 2025 = 23 February 2026 (see tests/unit/features/timers.test.ts); a care cadence follows 14 days later
    expect(s.rules()).toEqual(['asset-growth', 'care-cadence']);
    expect(s.outreach[0]).toMatchObject({ kind: 'GROWTH_PLAN', triggeredAt: endOf('2026-02-23'), tier: 'POTENTIAL', channel: 'WECHAT' });
  });

  it('a VIP whose average falls below 500,000: vip-downgrade (RETENTION to the RM, P2, +72 h) on that day, even without consent', () => {
    const s = new Story()
      .profile({ marketingConsent: false })
      .tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 100_000_000 })
      .tx('2026-02-10T10:00:00+08:00', { type: 'WITHDRAWAL', amountMinor: 90_000_000, balanceAfterMinor: 10_000_000 })
      .until('2026-03-01T00:00:00+08:00');
    expect(s.suppressions.map((x) => [x.ruleId, x.reason])).toEqual([['vip-upgrade', 'NO_CONSENT']]);
    expect(s.outreach.filter((x) => x.ruleId !== 'care-cadence').map((x) => [x.ruleId, x.kind, x.priority, x.channel, x.triggeredAt, x.dueBy - x.triggeredAt!])).toEqual([
      ['vip-downgrade', 'RETENTION', 'P2', 'RM_VISIT', endOf('2026-02-26'), 72 * H],
    ]);
    expect(s.outreach.find((x) => x.ruleId === 'vip-downgrade')!.reasons).toEqual(['TIER_DOWNGRADE']);
    // VIP from 1 January with no contact (the upgrade was held back): the cadence came due on 31 January
    expect(s.outreach.filter((x) => x.ruleId === 'care-cadence').map((x) => x.triggeredAt)).toEqual([endOf('2026-01-01') + 30 * DAY]);
  });

  it('near miss: a crossing that reverses before the day ends gives nothing', () => {
    const s = new Story()
      .profile()
      .tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 10_000_000 })
      .tx('2026-03-10T10:00:00+08:00', { balanceAfterMinor: 2_000_000_000 })
      .tx('2026-03-10T15:00:00+08:00', { type: 'WITHDRAWAL', amountMinor: 1_990_000_000, balanceAfterMinor: 10_000_000 })
      .until('2026-06-01T00:00:00+08:00');
    expect(s.rules()).toEqual([]);
    expect(s.suppressions).toEqual([]);
  });
});

describe('care cadence', () => {
  const vipSince = endOf('2026-01-01');

  it('a VIP with no contact for 30 days: one care-cadence task, and not a second before the next 30 days without contact', () => {
    // no consent: vip-upgrade is held back, so nothing counts as a contact; CARE needs no consent
    const s = new Story().profile({ marketingConsent: false }).tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 100_000_000 });
    s.until(vipSince + 30 * DAY - 1);
    expect(s.rules()).toEqual([]);
    s.until(vipSince + 59 * DAY);
    expect(s.outreach.map((x) => [x.ruleId, x.kind, x.offerCode, x.priority, x.channel, x.triggeredAt])).toEqual([
      ['care-cadence', 'CARE', 'VIP_MONTHLY_REVIEW', 'P3', 'RM_VISIT', vipSince + 30 * DAY],
    ]);
    expect(s.outreach[0]!.evidence).toEqual({ tier: 'VIP', cadenceDays: '30', lastContactAt: 'NONE' });
    s.until(vipSince + 60 * DAY);
    expect(s.outreach.map((x) => x.triggeredAt)).toEqual([vipSince + 30 * DAY, vipSince + 60 * DAY]);
  });

  it('an issued vip-upgrade is a contact: the cadence counts from it', () => {
    const s = new Story().profile().tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 100_000_000 }).until(vipSince + 45 * DAY);
    expect(s.outreach.map((x) => [x.ruleId, x.triggeredAt])).toEqual([
      ['vip-upgrade', vipSince],
      ['care-cadence', vipSince + 30 * DAY],
    ]);
  });

  it('a VIP reached (REACHED) 20 days ago is not due', () => {
    const s = new Story().profile({ marketingConsent: false }).tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 100_000_000 });
    s.ce('2026-01-25T11:00:00+08:00', { action: 'CONTACT_OUTCOME', attributes: { taskId: 'T-ANY', outcome: 'REACHED' } });
    s.until(at('2026-01-25T11:00:00+08:00') + 20 * DAY);
    expect(s.rules()).toEqual([]);
    s.until(at('2026-01-25T11:00:00+08:00') + 30 * DAY);
    expect(s.outreach.map((x) => [x.ruleId, x.evidence.lastContactAt])).toEqual([['care-cadence', '2026-01-25T03:00:00.000Z']]);
  });

  it('POTENTIAL every 14 days: the 30-day cool-down does not hold the cadence back; the cap counts it as CARE', () => {
    const s = new Story()
      .profile()
      .tx('2025-06-01T10:00:00+08:00', { balanceAfterMinor: 20_000_000 })
      .tx('2025-07-31T10:00:00+08:00', { balanceAfterMinor: 10_000_000 })
      .tx('2025-09-09T10:00:00+08:00', { balanceAfterMinor: 14_000_000 })
      .until(endOf('2026-02-22') + 29 * DAY);
    // POTENTIAL from the close of 23 Feb to that of 13 Mar: asset-growth at the edge, a cadence 14 days after it
    const since = endOf('2026-02-23');
    expect(s.outreach.map((x) => [x.ruleId, x.offerCode, x.priority, x.triggeredAt])).toEqual([
      ['asset-growth', null, 'P3', since],
      ['care-cadence', 'POTENTIAL_VALUE_CONTENT', 'P4', since + 14 * DAY],
    ]);
    expect(s.state.contacts.map((c) => c.ruleId)).toEqual(['asset-growth', 'care-cadence']);
  });

  it('switched off, no cadence timer is kept at all', () => {
    const rs = parseRuleSet({ version: 'off', rules: { 'care-cadence': { enabled: false } } });
    const s = new Story(rs).profile({ marketingConsent: false, birthDate: null }).tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 100_000_000 }).until('2026-12-01T00:00:00+08:00');
    expect(s.rules()).toEqual([]);
    expect(s.state.timers?.some((t) => t.what === 'CADENCE')).toBe(false);
  });
});

describe('birthday-greeting', () => {
  it('a VIP on their birthday: CARE BIRTHDAY_GREETING, P4, +1 day, tier channel; never capped and not a contact', () => {
    const s = new Story().profile({ birthDate: '1970-01-20' }).tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 100_000_000 }).until('2026-01-21T00:00:00+08:00');
    // vip-upgrade (issued 1 Jan) caps value contacts until 31 Jan; the greeting goes out anyway
    expect(s.outreach.map((x) => [x.ruleId, x.kind, x.offerCode, x.priority, x.channel, x.triggeredAt, x.dueBy - x.triggeredAt!])).toEqual([
      ['vip-upgrade', 'VIP_UPGRADE', null, 'P3', 'RM_VISIT', endOf('2026-01-01'), 168 * H],
      ['birthday-greeting', 'CARE', 'BIRTHDAY_GREETING', 'P4', 'RM_VISIT', at('2026-01-20T00:00:00+08:00'), 24 * H],
    ]);
    expect(s.outreach[1]!.evidence).toEqual({ tier: 'VIP', day: '2026-01-20' });
    expect(s.state.contacts.map((c) => c.ruleId)).toEqual(['vip-upgrade']);
    expect(s.state.lastContactAt).toBe(endOf('2026-01-01'));
  });

  it('an ORDINARY customer gets no greeting', () => {
    const s = new Story().profile({ birthDate: '1970-01-20' }).tx('2026-01-01T10:00:00+08:00', { balanceAfterMinor: 1_000_000 }).until('2026-12-31T00:00:00+08:00');
    expect(s.rules()).toEqual([]);
  });
});

describe('fraud-check-escalation', () => {
  const dueBy = at('2026-03-02T10:00:00+08:00');
  const base = () => new Story().profile().tx('2026-03-01T10:00:00+08:00', { balanceAfterMinor: 1_000_000 }).watch('T-FC-ORIG', dueBy);
  const outcome = (o: string) => ({ action: 'CONTACT_OUTCOME' as const, attributes: { taskId: 'T-FC-ORIG', outcome: o } });

  it('answered in time: not escalated', () => {
    const s = base().ce('2026-03-02T08:00:00+08:00', outcome('CONFIRMED_FRAUD')).until(dueBy + 10 * DAY);
    expect(s.fraudChecks).toEqual([]);
  });

  it('left unanswered: escalated exactly once, P1 SLA_MISSED, due 4 h after the missed dueBy, for the same transaction, naming the original task', () => {
    const s = base().until(dueBy + 1).until(dueBy + 10 * DAY);
    expect(s.fraudChecks).toHaveLength(1);
    expect(s.fraudChecks[0]).toMatchObject({
      ruleId: 'fraud-check-escalation', priority: 'P1', reasons: ['SLA_MISSED'], dueBy: dueBy + 4 * H, triggeredAt: dueBy,
      transactionEventId: 'E-OUT-1', maskedAccountNo: '8812', amountMinor: 8_000_000,
      evidence: { originalTaskId: 'T-FC-ORIG', originalDueBy: '2026-03-02T02:00:00.000Z', transactionEventId: 'E-OUT-1', amountMinor: '8000000' },
    });
  });

  it('near miss: an outcome one minute after dueBy is too late: escalated once', () => {
    const s = base().ce('2026-03-02T10:01:00+08:00', outcome('REACHED')).until(dueBy + 10 * DAY);
    expect(s.fraudChecks.map((x) => x.evidence.originalTaskId)).toEqual(['T-FC-ORIG']);
  });

  it('NO_ANSWER in time does not answer it', () => {
    const s = base().ce('2026-03-02T08:00:00+08:00', outcome('NO_ANSWER')).until(dueBy + 1);
    expect(s.fraudChecks).toHaveLength(1);
  });
});
