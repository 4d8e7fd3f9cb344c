import { describe, expect, it } from 'vitest';
import type { CustomerTier, OutreachKind, Priority } from '../../../src/events/types.ts';
import { contactRecordOf, decide, type ContactRecord } from '../../../src/policy/contact-policy.ts';
import { defaultRuleSet } from '../../../src/rules/config.ts';
import type { Candidate, ProfileFacts } from '../../../src/rules/types.ts';
import { taskIdFor } from '../../../src/tasks/task-id.ts';

const DAY = 86_400_000;
const T = Date.parse('2026-11-10T06:20:00Z');
const policy = defaultRuleSet().policy;

const RULE_TARGETS: Record<string, { target: 'FRAUD_CHECK' | OutreachKind; priority: Priority; offerCode?: string }> = {
  'large-outflow': { target: 'FRAUD_CHECK', priority: 'P2' },
  'outflow-velocity': { target: 'FRAUD_CHECK', priority: 'P1' },
  'vip-outflow-retention': { target: 'RETENTION', priority: 'P2' },
  'vip-upgrade': { target: 'VIP_UPGRADE', priority: 'P3' },
  'asset-growth': { target: 'GROWTH_PLAN', priority: 'P3' },
  'risky-streak': { target: 'RISK_REASSESSMENT', priority: 'P2' },
  suitability: { target: 'SUITABILITY_REVIEW', priority: 'P2' },
  'mortgage-interest': { target: 'LIFE_STAGE_OFFER', priority: 'P3', offerCode: 'MORTGAGE_RENOVATION_BUNDLE' },
  'new-parent': { target: 'LIFE_STAGE_OFFER', priority: 'P4', offerCode: 'EDUCATION_FUND' },
  'payroll-plan': { target: 'LIFE_STAGE_OFFER', priority: 'P4', offerCode: 'PAYROLL_AUTO_INVEST' },
  welcome: { target: 'CARE', priority: 'P4' },
  'complaint-recovery': { target: 'SERVICE_RECOVERY', priority: 'P2' },
  'vip-downgrade': { target: 'RETENTION', priority: 'P2' },
  'care-cadence': { target: 'CARE', priority: 'P4', offerCode: 'POTENTIAL_VALUE_CONTENT' },
  'birthday-greeting': { target: 'CARE', priority: 'P4', offerCode: 'BIRTHDAY_GREETING' },
  'fraud-check-escalation': { target: 'FRAUD_CHECK', priority: 'P1' },
};

function cand(ruleId: string, opts: { at?: number; eventId?: string; customerId?: string } = {}): Candidate {
  const r = RULE_TARGETS[ruleId]!;
  const at = opts.at ?? T;
  const eventId = opts.eventId ?? `ev-${ruleId}-${at}`;
  return {
    ruleId,
    ruleVersion: 1,
    target: r.target,
    offerCode: r.offerCode ?? null,
    priority: r.priority,
    customerId: opts.customerId ?? 'C-000001',
    triggerEventId: eventId,
    occurredAt: at,
    dueBy: at + DAY,
    reasons: ['X'],
    evidence: { k: 'v' },
    sourceEventIds: [eventId],
  };
}

const record = (c: Candidate): ContactRecord => ({ taskId: taskIdFor(c), ruleId: c.ruleId, kind: c.target, at: c.occurredAt });

const consenting: ProfileFacts = {
  marketingConsent: true,
  age: 40,
  riskTolerance: 3,
  riskAssessedAt: null,
  preferredChannels: [],
  hasRelationshipManager: false,
};
const facts = (tier: CustomerTier = 'ORDINARY', profile: ProfileFacts | null = consenting) => ({ profile, tier });

describe('decide: consent', () => {
  it('suppresses a value contact without marketing consent: NO_CONSENT', () => {
    const d = decide([cand('mortgage-interest')], [], facts('ORDINARY', { ...consenting, marketingConsent: false }), policy);
    expect(d.issued).toEqual([]);
    expect(d.suppressed).toHaveLength(1);
    expect(d.suppressed[0]!.reason).toBe('NO_CONSENT');
    expect(d.suppressed[0]!.evidence).toEqual({ marketingConsent: 'false' });
    expect(d.suppressed[0]!.taskId).toBe(taskIdFor(cand('mortgage-interest')));
  });

  it('a customer whose profile has not arrived has no consent', () => {
    const d = decide([cand('payroll-plan')], [], facts('ORDINARY', null), policy);
    expect(d.suppressed[0]!.reason).toBe('NO_CONSENT');
    expect(d.suppressed[0]!.evidence).toEqual({ marketingConsent: 'NONE', profile: 'MISSING' });
  });

  it('CARE is exempt from consent (with a false consent and without a profile)', () => {
    expect(decide([cand('welcome')], [], facts('ORDINARY', { ...consenting, marketingConsent: false }), policy).issued).toHaveLength(1);
    expect(decide([cand('welcome')], [], facts('ORDINARY', null), policy).issued).toHaveLength(1);
  });
});

describe('decide: contact cap', () => {
  const welcomed = cand('welcome', { at: T - 10 * DAY, eventId: 'ev-open' });

  it('an ORDINARY customer welcomed 10 days ago: the mortgage offer is CONTACT_CAP, naming the earlier task', () => {
    const d = decide([cand('mortgage-interest')], [record(welcomed)], facts('ORDINARY'), policy);
    expect(d.issued).toEqual([]);
    expect(d.suppressed[0]!.reason).toBe('CONTACT_CAP');
    expect(d.suppressed[0]!.evidence).toEqual({
      tier: 'ORDINARY',
      capWindowDays: '30',
      previousTaskId: taskIdFor(welcomed),
      previousRuleId: 'welcome',
      previousKind: 'CARE',
      previousAt: '2026-10-31T06:20:00.000Z',
    });
  });

  it('windows per tier: POTENTIAL 14 days, VIP and ORDINARY 30 days, half-open (exactly N days ago is outside)', () => {
    const at = (ms: number) => [record(cand('welcome', { at: T - ms }))];
    const reason = (tier: CustomerTier, ms: number) => decide([cand('payroll-plan')], at(ms), facts(tier), policy).suppressed[0]?.reason ?? 'ISSUED';
    expect(reason('POTENTIAL', 14 * DAY - 1)).toBe('CONTACT_CAP');
    expect(reason('POTENTIAL', 14 * DAY)).toBe('ISSUED');
    expect(reason('VIP', 30 * DAY - 1)).toBe('CONTACT_CAP');
    expect(reason('VIP', 30 * DAY)).toBe('ISSUED');
    expect(reason('ORDINARY', 29 * DAY)).toBe('CONTACT_CAP');
    expect(reason('ORDINARY', 30 * DAY)).toBe('ISSUED');
  });

  it('only value contacts count: fraud checks and service tasks do not cap', () => {
    const hist = [record(cand('large-outflow', { at: T - DAY })), record(cand('suitability', { at: T - 2 * DAY })), record(cand('complaint-recovery', { at: T - 3 * DAY }))];
    expect(decide([cand('new-parent')], hist, facts(), policy).issued).toHaveLength(1);
  });

  it('honours an overridden window', () => {
    const p = { ...policy, capWindowDays: { ...policy.capWindowDays, ORDINARY: 7 } };
    expect(decide([cand('mortgage-interest')], [record(welcomed)], facts('ORDINARY'), p).issued).toHaveLength(1);
  });

  it('history after the candidate (a late event) does not count', () => {
    const later = record(cand('welcome', { at: T + 60_000 }));
    expect(decide([cand('mortgage-interest')], [later], facts(), policy).issued).toHaveLength(1);
  });
});

describe('decide: cool-down', () => {
  it('the same rule issued 20 days ago: COOLDOWN, even where the tier window (POTENTIAL, 14) is over', () => {
    const prev = cand('mortgage-interest', { at: T - 20 * DAY, eventId: 'ev-q-old' });
    const d = decide([cand('mortgage-interest')], [record(prev)], facts('POTENTIAL'), policy);
    expect(d.suppressed[0]!.reason).toBe('COOLDOWN');
    expect(d.suppressed[0]!.evidence).toEqual({ cooldownDays: '30', previousTaskId: taskIdFor(prev), previousAt: '2026-10-21T06:20:00.000Z' });
  });

  it('cool-down is checked before the cap', () => {
    const prev = cand('mortgage-interest', { at: T - 10 * DAY, eventId: 'ev-q-old' });
    expect(decide([cand('mortgage-interest')], [record(prev)], facts('ORDINARY'), policy).suppressed[0]!.reason).toBe('COOLDOWN');
  });

  it('30 days later the rule may fire again', () => {
    const at = (ms: number) => [record(cand('mortgage-interest', { at: T - ms, eventId: 'ev-q-old' }))];
    expect(decide([cand('mortgage-interest')], at(30 * DAY), facts('POTENTIAL'), policy).issued).toHaveLength(1);
    expect(decide([cand('mortgage-interest')], at(30 * DAY - 1), facts('POTENTIAL'), policy).suppressed[0]!.reason).toBe('COOLDOWN');
  });

  it('consent is checked first: no consent wins over cool-down', () => {
    const prev = cand('mortgage-interest', { at: T - 10 * DAY, eventId: 'ev-q-old' });
    const d = decide([cand('mortgage-interest')], [record(prev)], facts('ORDINARY', { ...consenting, marketingConsent: false }), policy);
    expect(d.suppressed[0]!.reason).toBe('NO_CONSENT');
  });
});

describe('decide: always issued', () => {
  it('fraud checks and service/risk kinds go out regardless of consent, cool-down and caps', () => {
    const hist = ['large-outflow', 'complaint-recovery', 'vip-outflow-retention', 'risky-streak', 'suitability', 'welcome'].map((r) =>
      record(cand(r, { at: T - DAY, eventId: `old-${r}` })),
    );
    const cands = ['large-outflow', 'complaint-recovery', 'vip-outflow-retention', 'risky-streak', 'suitability'].map((r) => cand(r));
    const d = decide(cands, hist, facts('VIP', null), policy);
    expect(d.suppressed).toEqual([]);
    expect(d.issued.map((i) => [i.candidate.ruleId, i.channel])).toEqual([
      ['complaint-recovery', 'RM_VISIT'],
      ['large-outflow', 'CALL_CENTER'],
      ['risky-streak', 'RM_VISIT'],
      ['suitability', 'RM_VISIT'],
      ['vip-outflow-retention', 'RM_VISIT'],
    ]);
  });

  it('two complaints give two recovery tasks', () => {
    const first = cand('complaint-recovery', { at: T, eventId: 'ch-c1' });
    const second = cand('complaint-recovery', { at: T + 3_600_000, eventId: 'ch-c2' });
    const d1 = decide([first], [], facts(), policy);
    const d2 = decide([second], d1.issued.map(contactRecordOf), facts(), policy);
    expect(d1.issued).toHaveLength(1);
    expect(d2.issued).toHaveLength(1);
    expect(d1.issued[0]!.taskId).not.toBe(d2.issued[0]!.taskId);
  });
});

describe('decide: order within one event', () => {
  it('takes candidates by priority then rule id, and an issued value contact caps the next ones', () => {
    const cands = [cand('welcome'), cand('new-parent'), cand('vip-upgrade'), cand('large-outflow'), cand('asset-growth')];
    const d = decide(cands, [], facts('VIP'), policy);
    // P2 large-outflow; P3 asset-growth (issued) then vip-upgrade (capped); P4 new-parent, welcome (capped).
    expect(d.issued.map((i) => i.candidate.ruleId)).toEqual(['large-outflow', 'asset-growth']);
    expect(d.suppressed.map((s) => [s.candidate.ruleId, s.reason])).toEqual([
      ['vip-upgrade', 'CONTACT_CAP'],
      ['new-parent', 'CONTACT_CAP'],
      ['welcome', 'CONTACT_CAP'],
    ]);
    expect(d.suppressed[0]!.evidence.previousTaskId).toBe(d.issued[1]!.taskId);
  });

  it('a suppressed candidate does not count as a contact', () => {
    // POTENTIAL: mortgage-interest 20 days ago is out of the 14-day window but in its cool-down.
    const hist = [record(cand('mortgage-interest', { at: T - 20 * DAY, eventId: 'ev-q-old' }))];
    const d = decide([cand('mortgage-interest'), cand('new-parent')], hist, facts('POTENTIAL'), policy);
    expect(d.suppressed.map((s) => s.reason)).toEqual(['COOLDOWN']);
    expect(d.issued.map((i) => i.candidate.ruleId)).toEqual(['new-parent']);
  });
});

describe('decide: replay determinism', () => {
  const hist = [
    record(cand('welcome', { at: T - 40 * DAY, eventId: 'ev-open' })),
    record(cand('mortgage-interest', { at: T - 20 * DAY, eventId: 'ev-q-old' })),
  ];
  const cands = [cand('complaint-recovery'), cand('mortgage-interest'), cand('new-parent'), cand('payroll-plan'), cand('large-outflow')];

  it.each(['VIP', 'POTENTIAL', 'ORDINARY'] as const)('deciding again with the first run in the history gives the same decisions (%s)', (tier) => {
    const first = decide(cands, hist, facts(tier), policy);
    const replayHistory = [...hist, ...first.issued.map(contactRecordOf)];
    const again = decide(cands, replayHistory, facts(tier), policy);
    expect(again).toEqual(first);
    // and in another input order
    expect(decide([...cands].reverse(), replayHistory, facts(tier), policy)).toEqual(first);
  });

  it('an earlier event at the same instant counts only when its task id sorts first', () => {
    const c = cand('payroll-plan');
    const id = taskIdFor(c);
    const sameInstant = (taskId: string): ContactRecord => ({ taskId, ruleId: 'welcome', kind: 'CARE', at: T });
    const before = 'T-' + '0'.repeat(20);
    const after = 'T-' + 'z'.repeat(20);
    expect(before < id && id < after).toBe(true);
    expect(decide([c], [sameInstant(before)], facts(), policy).suppressed[0]!.reason).toBe('CONTACT_CAP');
    expect(decide([c], [sameInstant(after)], facts(), policy).issued).toHaveLength(1);
  });

  it('never counts the candidate\'s own task', () => {
    const c = cand('mortgage-interest');
    expect(decide([c], [record(c)], facts(), policy).issued).toHaveLength(1);
  });
});

describe('time-driven rules in the policy', () => {
  const noConsent: ProfileFacts = { ...consenting, marketingConsent: false };

  it('care-cadence has no cool-down of its own: POTENTIAL every 14 days', () => {
    const earlier = cand('care-cadence', { at: T - 14 * DAY });
    const d = decide([cand('care-cadence')], [record(earlier)], { profile: consenting, tier: 'POTENTIAL' }, policy);
    expect(d.issued.map((i) => i.candidate.ruleId)).toEqual(['care-cadence']);
  });

  it('care-cadence is CARE: no consent needed, and it is held back by and counts against the cap', () => {
    expect(decide([cand('care-cadence')], [], { profile: noConsent, tier: 'POTENTIAL' }, policy).issued).toHaveLength(1);
    const offer = cand('mortgage-interest', { at: T - 3 * DAY });
    const capped = decide([cand('care-cadence')], [record(offer)], { profile: consenting, tier: 'POTENTIAL' }, policy);
    expect(capped.suppressed.map((s) => s.reason)).toEqual(['CONTACT_CAP']);
    const after = decide([cand('mortgage-interest', { at: T + DAY })], [record(cand('care-cadence'))], { profile: consenting, tier: 'POTENTIAL' }, policy);
    expect(after.suppressed.map((s) => [s.reason, s.evidence.previousRuleId])).toEqual([['CONTACT_CAP', 'care-cadence']]);
  });

  it('birthday-greeting is a courtesy: issued without consent, inside a cap and a cool-down, and it holds nothing back', () => {
    const history = [record(cand('mortgage-interest', { at: T - DAY })), record(cand('birthday-greeting', { at: T - 100 * DAY }))];
    const d = decide([cand('birthday-greeting')], history, { profile: noConsent, tier: 'VIP' }, policy);
    expect(d.issued.map((i) => i.candidate.ruleId)).toEqual(['birthday-greeting']);
    const later = decide([cand('mortgage-interest', { at: T + DAY })], [record(cand('birthday-greeting'))], { profile: consenting, tier: 'VIP' }, policy);
    expect(later.issued.map((i) => i.candidate.ruleId)).toEqual(['mortgage-interest']);
    const same = decide([cand('birthday-greeting'), cand('vip-upgrade')], [], { profile: consenting, tier: 'VIP' }, policy);
    expect(same.issued.map((i) => i.candidate.ruleId).sort()).toEqual(['birthday-greeting', 'vip-upgrade']);
  });

  it('vip-downgrade and fraud-check-escalation always go out', () => {
    const history = [record(cand('vip-downgrade', { at: T - DAY }))];
    const d = decide([cand('vip-downgrade'), cand('fraud-check-escalation')], history, { profile: null, tier: 'ORDINARY' }, policy);
    expect(d.issued.map((i) => i.channel)).toEqual(['CALL_CENTER', 'RM_VISIT']);
  });
});
