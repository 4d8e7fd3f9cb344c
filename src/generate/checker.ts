// A small, deliberately plain reference model of docs/FEATURES.md and
// docs/RULE-SEMANTICS.md, used to check the generator: replaying a generated
// file through it must give exactly the labelled outputs (and nothing for
// background customers). It keeps whole histories in memory and recomputes
// windows by brute force; it is a test oracle, not the pipeline.
//
// It also reports "ambiguities": events where two plausible readings of the
// semantics would disagree, e.g. a tier that changed only because days
// passed (is "before" recomputed at the event's time, or the tier stored at
// the previous event?). Generated data must have none, so any correct
// implementation agrees with the labels whichever reading it took.
import { parseReplayLine } from '../events/json-form.ts';
import { formatInstant } from '../events/time.ts';
import { TOPICS } from '../events/topics.ts';
import type {
  ChannelEvent,
  CustomerProfile,
  CustomerTier,
  OutreachKind,
  Priority,
  SuppressionReason,
  Transaction,
} from '../events/types.ts';
import { BusinessCalendar, civilFromDays } from './calendar.ts';
import { isHighRisk, isInvestment } from './catalog.ts';
import type { ExpectedOutput, ExpectedTopic } from './labels.ts';
import {
  ASSESSMENT_MAX_AGE_MS,
  BABY_MCCS,
  COOLDOWN_MS,
  ELDERLY_AGE,
  INVESTMENT_LOOKBACK_MS,
  LARGE_OUTFLOW_MINOR,
  MORTGAGE_DEPOSITS_MINOR,
  RULES,
  VALUE_WINDOW_MS,
  VELOCITY_COUNT,
  VELOCITY_SUM_MINOR,
  VERY_LARGE_OUTFLOW_MINOR,
  VIP_ASSETS_MINOR,
  type RuleId,
} from './rules.ts';

/** An output the checker derives: a label without the scenario name. */
export type CheckedOutput = Omit<ExpectedOutput, 'scenario'>;

export interface CheckResult {
  readonly outputs: CheckedOutput[];
  readonly ambiguities: string[];
}

const SLOT_MS = 5 * 60_000;
const SERVICE_KINDS: ReadonlySet<OutreachKind> = new Set(['RETENTION', 'RISK_REASSESSMENT', 'SUITABILITY_REVIEW', 'SERVICE_RECOVERY']);
const PRIORITY_RANK: Readonly<Record<Priority, number>> = { P1: 1, P2: 2, P3: 3, P4: 4 };

interface Outflow {
  readonly at: number;
  readonly day: number;
  readonly amount: number;
  readonly newCounterparty: boolean;
}

interface Candidate {
  readonly ruleId: RuleId;
  readonly priority: Priority;
  readonly reasons?: readonly string[];
}

class Customer {
  profile: CustomerProfile | null = null;
  readonly balances = new Map<string, number>();
  purchased = 0;
  redeemed = 0;
  readonly eodDays: number[] = [];
  readonly eodValues: number[] = [];
  readonly outflows: Outflow[] = [];
  readonly counterpartyLastDay = new Map<string, number>();
  streak = 0;
  lastInvestmentAt: number | null = null;
  readonly mortgageDays: number[] = [];
  readonly babyMonths = new Set<number>();
  readonly salaryMonths = new Set<number>();
  readonly salaryConditionAtFirst = new Map<number, boolean>();
  readonly valueContacts: number[] = [];
  readonly lastIssuedByRule = new Map<RuleId, number>();
  // State as of the previous event, for the ambiguity checks.
  lastTier: CustomerTier = 'ORDINARY';
  lastRetention = false;
  lastMortgage = 0;
  lastVelocity = { count: 0, sum: 0 };

  assets(): number {
    return this.deposits() + Math.max(0, this.purchased - this.redeemed);
  }

  deposits(): number {
    let s = 0;
    for (const b of this.balances.values()) s += b;
    return s;
  }

  /** eod(d) with carry-forward; undefined before the first transaction. */
  eod(d: number): number | undefined {
    const days = this.eodDays;
    let lo = 0;
    let hi = days.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((days[mid] as number) <= d) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : this.eodValues[found];
  }

  avg30(d: number): number {
    let sum = 0;
    let n = 0;
    for (let x = d - 29; x <= d; x++) {
      const v = this.eod(x);
      if (v !== undefined) {
        sum += v;
        n++;
      }
    }
    return n === 0 ? 0 : Math.floor(sum / n);
  }

  tier(d: number): CustomerTier {
    const avg = this.avg30(d);
    if (avg >= VIP_ASSETS_MINOR) return 'VIP';
    const ago = this.avg30(d - 180);
    return ago > 0 && avg * 10 >= ago * 13 ? 'POTENTIAL' : 'ORDINARY';
  }

  /** Condition R of vip-outflow-retention. */
  retention(d: number): boolean {
    const avg = this.avg30(d);
    if (avg < VIP_ASSETS_MINOR) return false;
    if (this.assets() * 10 > avg * 7) return false;
    for (let x = d - 7; x <= d - 1; x++) {
      const v = this.eod(x);
      if (v !== undefined && v * 10 > avg * 7) return true;
    }
    return false;
  }

  recordEod(d: number): void {
    const last = this.eodDays.length - 1;
    if (last >= 0 && this.eodDays[last] === d) this.eodValues[last] = this.assets();
    else {
      this.eodDays.push(d);
      this.eodValues.push(this.assets());
    }
  }

  seen(ref: string, d: number): boolean {
    const last = this.counterpartyLastDay.get(ref);
    return last !== undefined && last >= d - 89;
  }

  maxOutflow90d(d: number): number {
    let max = 0;
    for (const o of this.outflows) if (o.day >= d - 89 && o.amount > max) max = o.amount;
    return max;
  }

  velocity(t: number): { count: number; sum: number } {
    const slot = Math.floor(t / SLOT_MS);
    let count = 0;
    let sum = 0;
    for (const o of this.outflows) {
      const s = Math.floor(o.at / SLOT_MS);
      if (o.newCounterparty && s >= slot - 11 && s <= slot) {
        count++;
        sum += o.amount;
      }
    }
    return { count, sum };
  }

  mortgage(d: number): number {
    return this.mortgageDays.filter((x) => x >= d - 29 && x <= d).length;
  }
}

const velocityHolds = (v: { count: number; sum: number }): boolean => v.count >= VELOCITY_COUNT && v.sum >= VELOCITY_SUM_MINOR;

export class ReferenceChecker {
  readonly outputs: CheckedOutput[] = [];
  readonly ambiguities: string[] = [];
  private readonly cal: BusinessCalendar;
  private readonly customers = new Map<string, Customer>();

  constructor(timeZone: string) {
    this.cal = new BusinessCalendar(timeZone);
  }

  private customer(id: string): Customer {
    let c = this.customers.get(id);
    if (!c) {
      c = new Customer();
      this.customers.set(id, c);
    }
    return c;
  }

  private age(c: Customer, t: number): number | null {
    const birth = c.profile?.birthDate;
    if (!birth) return null;
    const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
    const now = civilFromDays(this.cal.dayOf(t));
    return now.year - by - (now.month < bm || (now.month === bm && now.day < bd) ? 1 : 0);
  }

  private ambiguity(id: string, eventId: string, what: string): void {
    this.ambiguities.push(`${id} ${eventId}: ${what}`);
  }

  apply(topic: string, value: unknown): void {
    if (topic === TOPICS.customerProfiles) {
      const p = value as CustomerProfile;
      this.customer(p.customerId).profile = p;
    } else if (topic === TOPICS.transactions) {
      this.transaction(value as Transaction);
    } else if (topic === TOPICS.channelEvents) {
      this.channelEvent(value as ChannelEvent);
    }
  }

  private transaction(e: Transaction): void {
    const c = this.customer(e.customerId);
    const t = e.occurredAt;
    const d = this.cal.dayOf(t);
    const age = this.age(c, t);
    const elderly = age !== null && age >= ELDERLY_AGE;
    const candidates: Candidate[] = [];

    // ---- before ----
    const tierBefore = c.tier(d);
    const retentionBefore = c.retention(d);
    const assetsBefore = c.assets();
    const velocityBefore = c.velocity(t);
    const isOutflow = e.type === 'TRANSFER_OUT' || e.type === 'WITHDRAWAL';
    const ref = e.counterparty?.accountRef ?? null;
    const newCounterparty = ref !== null && !c.seen(ref, d);
    const maxOutflow = c.maxOutflow90d(d);
    const streakBefore = c.streak;

    // ---- apply ----
    c.balances.set(e.accountId, e.balanceAfterMinor);
    if (e.type === 'PRODUCT_PURCHASE') c.purchased += e.amountMinor;
    if (e.type === 'PRODUCT_REDEMPTION') c.redeemed += e.amountMinor;
    c.recordEod(d);
    if (isOutflow) c.outflows.push({ at: t, day: d, amount: e.amountMinor, newCounterparty });
    if (ref !== null && (isOutflow || e.type === 'TRANSFER_IN')) c.counterpartyLastDay.set(ref, d);
    if (e.type === 'PRODUCT_PURCHASE' && e.product) {
      c.streak = isHighRisk(e.product) ? c.streak + 1 : 0;
      if (isInvestment(e.product)) c.lastInvestmentAt = Math.max(c.lastInvestmentAt ?? t, t);
    }

    // ---- rules ----
    if (isOutflow && e.amountMinor >= LARGE_OUTFLOW_MINOR && !(e.counterparty?.ownAccount ?? false)) {
      const reasons = ['AMOUNT_OVER_THRESHOLD'];
      if (newCounterparty) reasons.push('NEW_COUNTERPARTY');
      if (e.amountMinor >= 5 * maxOutflow) reasons.push('SPIKE_VS_HISTORY');
      if (e.amountMinor * 2 >= assetsBefore) reasons.push('SHARE_OF_BALANCE');
      if (reasons.length > 1) {
        if (elderly) reasons.push('ELDERLY_CUSTOMER');
        candidates.push({ ruleId: 'large-outflow', priority: e.amountMinor >= VERY_LARGE_OUTFLOW_MINOR || elderly ? 'P1' : 'P2', reasons });
      }
    }
    const velocityAfter = c.velocity(t);
    if (isOutflow && newCounterparty) {
      const now = velocityHolds(velocityAfter) && !velocityHolds(velocityBefore);
      const alt = velocityHolds(velocityAfter) && !velocityHolds(c.lastVelocity);
      if (now !== alt) this.ambiguity(e.customerId, e.eventId, 'velocity edge depends on when "before" is taken');
      if (now) candidates.push({ ruleId: 'outflow-velocity', priority: 'P1', reasons: ['VELOCITY'] });
    }
    const tierAfter = c.tier(d);
    const retentionAfter = c.retention(d);
    for (const [ruleId, target] of [['vip-upgrade', 'VIP'], ['asset-growth', 'POTENTIAL']] as const) {
      const now = tierAfter === target && tierBefore !== target;
      const alt = tierAfter === target && c.lastTier !== target;
      if (now !== alt) this.ambiguity(e.customerId, e.eventId, `${ruleId} edge: tier changed between events by time alone`);
      if (now) candidates.push({ ruleId, priority: RULES[ruleId].priority });
    }
    {
      const now = retentionAfter && !retentionBefore;
      const alt = retentionAfter && !c.lastRetention;
      if (now !== alt) this.ambiguity(e.customerId, e.eventId, 'retention edge: condition changed between events by time alone');
      if (now) candidates.push({ ruleId: 'vip-outflow-retention', priority: 'P2' });
    }
    if (e.type === 'PRODUCT_PURCHASE' && e.product) {
      if (streakBefore < 3 && c.streak >= 3) {
        candidates.push({ ruleId: 'risky-streak', priority: elderly ? 'P1' : 'P2', reasons: elderly ? ['HIGH_RISK_STREAK', 'ELDERLY_CUSTOMER'] : ['HIGH_RISK_STREAK'] });
      }
      const p = c.profile;
      const reasons: string[] = [];
      if (p?.riskTolerance != null && e.product.riskLevel > p.riskTolerance) reasons.push('RISK_ABOVE_TOLERANCE');
      if (p?.riskAssessedAt != null && t - p.riskAssessedAt > ASSESSMENT_MAX_AGE_MS) reasons.push('ASSESSMENT_OUTDATED');
      if (p?.riskAssessedAt == null || p.riskTolerance == null) reasons.push('ASSESSMENT_MISSING');
      if (reasons.length > 0) candidates.push({ ruleId: 'suitability', priority: 'P2', reasons });
    }
    if (e.type === 'CARD_PURCHASE' && e.merchantCategory !== null && BABY_MCCS.has(e.merchantCategory)) {
      const m = this.cal.monthOf(t);
      if (!c.babyMonths.has(m)) {
        c.babyMonths.add(m);
        if (c.babyMonths.has(m - 1) && c.babyMonths.has(m - 2) && !c.babyMonths.has(m - 3)) {
          candidates.push({ ruleId: 'new-parent', priority: 'P4' });
        }
      }
    }
    if (e.type === 'SALARY_CREDIT') {
      const m = this.cal.monthOf(t);
      if (!c.salaryMonths.has(m)) {
        c.salaryMonths.add(m);
        const noInvestment = c.lastInvestmentAt === null || t - c.lastInvestmentAt > INVESTMENT_LOOKBACK_MS;
        const condition = c.salaryMonths.has(m - 1) && noInvestment;
        c.salaryConditionAtFirst.set(m, condition);
        if (condition && !(c.salaryConditionAtFirst.get(m - 1) ?? false)) candidates.push({ ruleId: 'payroll-plan', priority: 'P4' });
      }
    }

    c.lastTier = tierAfter;
    c.lastRetention = retentionAfter;
    c.lastVelocity = velocityAfter;
    c.lastMortgage = c.mortgage(d);
    this.decide(c, e.customerId, e.eventId, t, tierBefore, tierAfter, candidates);
  }

  private channelEvent(e: ChannelEvent): void {
    const c = this.customer(e.customerId);
    const t = e.occurredAt;
    const d = this.cal.dayOf(t);
    const candidates: Candidate[] = [];
    if (c.eodDays.length === 0) {
      this.ambiguity(e.customerId, e.eventId, 'channel event before the first transaction (does it start the daily asset series at 0?)');
    }
    const tier = c.tier(d);
    if ((e.action === 'RATE_QUERY' || e.action === 'CALCULATOR') && e.topic === 'MORTGAGE') {
      const before = c.mortgage(d);
      c.mortgageDays.push(d);
      const after = c.mortgage(d);
      const rich = c.deposits() >= MORTGAGE_DEPOSITS_MINOR;
      const now = before < 3 && after >= 3 && rich;
      const alt = c.lastMortgage < 3 && after >= 3 && rich;
      if (now !== alt) this.ambiguity(e.customerId, e.eventId, 'mortgage edge depends on when "before" is taken');
      if (now) candidates.push({ ruleId: 'mortgage-interest', priority: 'P3' });
    }
    if (e.action === 'ACCOUNT_OPENED') candidates.push({ ruleId: 'welcome', priority: 'P4' });
    if (e.action === 'COMPLAINT') candidates.push({ ruleId: 'complaint-recovery', priority: 'P2' });
    // Time alone may have moved these; record them as of this event for the next comparison.
    c.lastTier = tier;
    c.lastRetention = c.retention(d);
    c.lastVelocity = c.velocity(t);
    c.lastMortgage = c.mortgage(d);
    this.decide(c, e.customerId, e.eventId, t, tier, tier, candidates);
  }

  /** The contact policy of RULE-SEMANTICS.md, candidates in priority then rule-id order. */
  private decide(c: Customer, customerId: string, eventId: string, t: number, tierBefore: CustomerTier, tierAfter: CustomerTier, candidates: Candidate[]): void {
    candidates.sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || (a.ruleId < b.ruleId ? -1 : 1));
    if (candidates.filter((x) => RULES[x.ruleId].valueContact).length > 1) {
      this.ambiguity(customerId, eventId, 'several value contacts from one event (does the first count against the second?)');
    }
    for (const cand of candidates) {
      const info = RULES[cand.ruleId];
      const dueBy = formatInstant(t + info.dueMs, this.cal.timeZone);
      const base = { customerId, ruleId: cand.ruleId, triggerEventId: eventId };
      if (info.kind === null) {
        this.outputs.push({ ...base, outcome: 'task', topic: TOPICS.fraudCheckTasks, priority: cand.priority, reasons: cand.reasons ?? [], dueBy });
        continue;
      }
      const outreach = { kind: info.kind, offerCode: info.offerCode };
      const task = (): void => {
        this.outputs.push({ ...base, outcome: 'task', topic: TOPICS.outreachTasks, ...outreach, priority: cand.priority, ...(cand.reasons ? { reasons: cand.reasons } : {}), dueBy });
      };
      const suppress = (reason: SuppressionReason): void => {
        this.outputs.push({ ...base, outcome: 'suppressed', topic: TOPICS.suppressions, ...outreach, suppressionReason: reason });
      };
      if (SERVICE_KINDS.has(info.kind)) {
        task();
        continue;
      }
      if (info.kind !== 'CARE' && !(c.profile?.marketingConsent ?? false)) {
        suppress('NO_CONSENT');
        continue;
      }
      const lastSame = c.lastIssuedByRule.get(cand.ruleId);
      if (lastSame !== undefined && t - lastSame < COOLDOWN_MS) {
        suppress('COOLDOWN');
        continue;
      }
      const capped = (tier: CustomerTier): boolean => c.valueContacts.some((at) => t - at < VALUE_WINDOW_MS[tier]);
      if (capped(tierAfter) !== capped(tierBefore)) this.ambiguity(customerId, eventId, 'contact cap depends on the tier before or after the event');
      if (capped(tierAfter)) {
        suppress('CONTACT_CAP');
        continue;
      }
      task();
      c.valueContacts.push(t);
      c.lastIssuedByRule.set(cand.ruleId, t);
    }
  }
}

/** Runs replay lines (docs/EVENTS.md format) through the reference model. */
export function checkReplayLines(lines: Iterable<string>, timeZone: string): CheckResult {
  const checker = new ReferenceChecker(timeZone);
  for (const line of lines) {
    const rec = parseReplayLine(line);
    checker.apply(rec.topic, rec.value);
  }
  return { outputs: checker.outputs, ambiguities: checker.ambiguities };
}

