// What each rule of docs/RULE-SEMANTICS.md emits, as the labels need it:
// output topic, outreach kind, offer code, default priority, due period and
// whether the contact policy treats it as a value contact. The generator's
// own copy on purpose: labels are a second, independent statement of the
// semantics, not a re-export of the implementation under test.
import { TOPICS } from '../events/topics.ts';
import type { OutreachKind, Priority } from '../events/types.ts';
import { DAY_MS, HOUR_MS } from './calendar.ts';

export const RULE_IDS = [
  'large-outflow',
  'outflow-velocity',
  'vip-outflow-retention',
  'vip-upgrade',
  'asset-growth',
  'risky-streak',
  'suitability',
  'mortgage-interest',
  'new-parent',
  'payroll-plan',
  'welcome',
  'complaint-recovery',
  'vip-downgrade',
  'care-cadence',
  'birthday-greeting',
  'fraud-check-escalation',
] as const;
/** The rules that fire on timers only (docs/RULES.md "Time-driven rules"). */
export const TIMER_RULE_IDS: readonly RuleId[] = ['vip-downgrade', 'care-cadence', 'birthday-greeting', 'fraud-check-escalation'];
export type RuleId = (typeof RULE_IDS)[number];

export type TaskTopic = typeof TOPICS.fraudCheckTasks | typeof TOPICS.outreachTasks;

export interface RuleInfo {
  readonly topic: TaskTopic;
  /** Outreach kind; null for fraud checks. */
  readonly kind: OutreachKind | null;
  readonly offerCode: string | null;
  /** Priority unless the rule raises it (large-outflow, risky-streak). */
  readonly priority: Priority;
  readonly dueMs: number;
  /** LIFE_STAGE_OFFER, GROWTH_PLAN, VIP_UPGRADE, CARE: subject to consent, cool-down and caps. */
  readonly valueContact: boolean;
}

const fraud = (priority: Priority): RuleInfo => ({
  topic: TOPICS.fraudCheckTasks, kind: null, offerCode: null, priority, dueMs: 24 * HOUR_MS, valueContact: false,
});
const outreach = (kind: OutreachKind, offerCode: string | null, priority: Priority, dueMs: number, valueContact: boolean): RuleInfo => ({
  topic: TOPICS.outreachTasks, kind, offerCode, priority, dueMs, valueContact,
});

export const RULES: Readonly<Record<RuleId, RuleInfo>> = Object.freeze({
  'large-outflow': fraud('P2'),
  'outflow-velocity': fraud('P1'),
  'vip-outflow-retention': outreach('RETENTION', null, 'P2', 72 * HOUR_MS, false),
  'vip-upgrade': outreach('VIP_UPGRADE', null, 'P3', 7 * DAY_MS, true),
  'asset-growth': outreach('GROWTH_PLAN', null, 'P3', 14 * DAY_MS, true),
  'risky-streak': outreach('RISK_REASSESSMENT', null, 'P2', 72 * HOUR_MS, false),
  suitability: outreach('SUITABILITY_REVIEW', null, 'P2', 72 * HOUR_MS, false),
  'mortgage-interest': outreach('LIFE_STAGE_OFFER', 'MORTGAGE_RENOVATION_BUNDLE', 'P3', 7 * DAY_MS, true),
  'new-parent': outreach('LIFE_STAGE_OFFER', 'EDUCATION_FUND', 'P4', 14 * DAY_MS, true),
  'payroll-plan': outreach('LIFE_STAGE_OFFER', 'PAYROLL_AUTO_INVEST', 'P4', 14 * DAY_MS, true),
  welcome: outreach('CARE', null, 'P4', 7 * DAY_MS, true),
  'complaint-recovery': outreach('SERVICE_RECOVERY', null, 'P2', 48 * HOUR_MS, false),
  'vip-downgrade': outreach('RETENTION', null, 'P2', 72 * HOUR_MS, false),
  // VIP's offer and priority; POTENTIAL's (POTENTIAL_VALUE_CONTENT, P4) are given where planted
  'care-cadence': outreach('CARE', 'VIP_MONTHLY_REVIEW', 'P3', 7 * DAY_MS, true),
  // a courtesy: the policy neither holds it back nor counts it
  'birthday-greeting': outreach('CARE', 'BIRTHDAY_GREETING', 'P4', DAY_MS, false),
  'fraud-check-escalation': { ...fraud('P1'), dueMs: 4 * HOUR_MS },
});

// Thresholds of the default rule book, in minor units / counts.
export const LARGE_OUTFLOW_MINOR = 5_000_000;
export const VERY_LARGE_OUTFLOW_MINOR = 50_000_000;
export const VIP_ASSETS_MINOR = 50_000_000;
export const MORTGAGE_DEPOSITS_MINOR = 20_000_000;
export const VELOCITY_SUM_MINOR = 5_000_000;
export const VELOCITY_COUNT = 3;
export const ELDERLY_AGE = 65;
export const BABY_MCCS: ReadonlySet<string> = new Set(['5641', '5945']);
export const ASSESSMENT_MAX_AGE_MS = 365 * DAY_MS;
export const INVESTMENT_LOOKBACK_MS = 90 * DAY_MS;
export const COOLDOWN_MS = 30 * DAY_MS;
export const VALUE_WINDOW_MS = { VIP: 30 * DAY_MS, POTENTIAL: 14 * DAY_MS, ORDINARY: 30 * DAY_MS } as const;
