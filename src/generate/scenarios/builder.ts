// Scripted history of one planted customer, with the outputs it must cause.
// A scenario writes its events in time order (transactions must be; filler
// channel events may be added anywhere) and states its expectations next to
// the event that triggers them; the reference checker (../checker.ts)
// recomputes them from the events in the unit tests.
import { formatInstant } from '../../events/time.ts';
import { TOPICS } from '../../events/topics.ts';
import type {
  ChannelAction,
  Counterparty,
  InteractionChannel,
  InterestTopic,
  Priority,
  Product,
  SuppressionReason,
  TransactionChannel,
  TransactionType,
} from '../../events/types.ts';
import { BusinessCalendar, dayOfMonthAhead, isoDate } from '../calendar.ts';
import { accountId, counterpartyRef } from '../identity.ts';
import type { ExpectedOutput, LabelMode, NearMiss } from '../labels.ts';
import { CustomerLedger, type GenRecord } from '../ledger.ts';
import { Rng } from '../prng.ts';
import { makeProfile } from '../profile.ts';
import { RULES, type RuleId } from '../rules.ts';

export const cny = (amount: number): number => Math.round(amount * 100);

export interface ScenarioProfile {
  readonly age?: number;
  readonly riskTolerance?: number | null;
  /** Days between the assessment and the profile's updatedAt. */
  readonly assessedDaysBefore?: number | null;
  readonly marketingConsent?: boolean;
  readonly withRelationshipManager?: boolean;
  readonly preferredChannels?: readonly InteractionChannel[];
  /** Scenario day of a birthday (the birth date is `age` years before it). */
  readonly birthdayOn?: number;
}

export interface ScenarioEnv {
  readonly seed: number;
  readonly calendar: BusinessCalendar;
  readonly customerNumber: number;
  readonly scenario: string;
  readonly copy: number;
  /** Business day of the scenario's day 0. */
  readonly baseDay: number;
  /** Days from day 0 to the last allowed event. */
  readonly span: number;
  readonly profileAt: number;
  /**
   * Upper bound for a default ("fresh") assessment's days before updatedAt so
   * it is still < 365 days old at the scenario's last event.
   */
  readonly freshAssessmentMaxDays: number;
}

export interface PlannedCustomer {
  readonly customerNumber: number;
  readonly customerId: string;
  readonly scenario: string;
  /** Profile first, then events in time order. */
  readonly records: readonly GenRecord[];
  readonly expected: readonly ExpectedOutput[];
  readonly nearMisses: readonly NearMiss[];
}

interface Extra {
  readonly priority?: Priority;
  readonly reasons?: readonly string[];
  readonly offerCode?: string | null;
  readonly mode?: LabelMode;
}

export class ScenarioBuilder {
  readonly rng: Rng;
  readonly ledger: CustomerLedger;
  readonly env: ScenarioEnv;
  private readonly cal: BusinessCalendar;
  private readonly records: GenRecord[] = [];
  private readonly expected: ExpectedOutput[] = [];
  private readonly nearMisses: NearMiss[] = [];
  private readonly refs = new Set<string>();
  private profileRecord: GenRecord | null = null;
  private accountSlot = 0;

  constructor(env: ScenarioEnv) {
    this.env = env;
    this.cal = env.calendar;
    this.rng = Rng.derive(env.seed, `scenario:${env.scenario}:${env.copy}`);
    this.ledger = new CustomerLedger(env.customerNumber);
  }

  get customerId(): string {
    return this.ledger.customerId;
  }

  /** Required once. Defaults: age 30-58, tolerance 3 assessed 20-60 days before, consent. */
  profile(spec: ScenarioProfile = {}): void {
    const rng = this.rng;
    const value = makeProfile(
      this.env.customerNumber,
      this.env.profileAt,
      {
        age: spec.age ?? rng.int(30, 58),
        referenceDay: this.env.baseDay,
        riskTolerance: spec.riskTolerance === undefined ? 3 : spec.riskTolerance,
        assessedDaysBefore: spec.assessedDaysBefore === undefined ? this.freshAssessment() : spec.assessedDaysBefore,
        marketingConsent: spec.marketingConsent ?? true,
        preferredChannels: spec.preferredChannels ?? [],
        withRelationshipManager: spec.withRelationshipManager ?? rng.chance(0.3),
        ...(spec.birthdayOn === undefined ? {} : { birthdayDay: this.day(spec.birthdayOn) }),
      },
      rng,
    );
    this.profileRecord = this.ledger.profile(value);
  }

  private freshAssessment(): number {
    const max = this.env.freshAssessmentMaxDays;
    if (max < 0) throw new RangeError(`scenario ${this.env.scenario} runs too long after the profiles for a fresh risk assessment`);
    return Math.min(max, this.rng.int(20, 60));
  }

  /** Business day number of scenario day `offset`. */
  day(offset: number): number {
    return this.env.baseDay + offset;
  }

  /** Scenario day of the `dom`-th of the month `monthsAhead` after day 0's month. */
  monthDay(monthsAhead: number, dom: number): number {
    return dayOfMonthAhead(this.env.baseDay, monthsAhead, dom) - this.env.baseDay;
  }

  /** Instant at local hh:mm on scenario day `offset`; seconds (and minutes if omitted) random. */
  at(offset: number, hh: number, mm?: number): number {
    if (offset > this.env.span) throw new RangeError(`scenario ${this.env.scenario}: day ${offset} is past its span ${this.env.span}`);
    return this.cal.time(this.day(offset), hh, mm ?? this.rng.int(0, 59), this.rng.int(0, 59));
  }

  account(balanceMinor: number): string {
    return this.ledger.openAccount(accountId(this.env.customerNumber, ++this.accountSlot, this.rng), balanceMinor);
  }

  /** A counterparty reference never used before by this customer. */
  counterparty(ownAccount = false): Counterparty {
    let ref = counterpartyRef(this.rng);
    while (this.refs.has(ref)) ref = counterpartyRef(this.rng);
    this.refs.add(ref);
    return { accountRef: ref, ownAccount };
  }

  post(
    at: number,
    account: string,
    type: TransactionType,
    amountMinor: number,
    opts: { channel?: TransactionChannel; counterparty?: Counterparty | null; merchantCategory?: string | null; product?: Product | null } = {},
  ): GenRecord {
    const rec = this.ledger.post(at, account, type, amountMinor, { channel: opts.channel ?? 'APP', ...opts });
    this.records.push(rec);
    return rec;
  }

  channel(
    at: number,
    action: ChannelAction,
    topic: InterestTopic | null = null,
    channel: InteractionChannel = 'APP',
    attributes: Readonly<Record<string, string>> = {},
  ): GenRecord {
    const rec = this.ledger.channel(at, channel, action, topic, attributes);
    this.records.push(rec);
    return rec;
  }

  /** Logins (sometimes with a page view) on about `rate` of days in [from, to], evenings. */
  filler(from: number, to: number, rate = 0.3): void {
    for (let d = from; d <= Math.min(to, this.env.span); d++) {
      if (!this.rng.chance(rate)) continue;
      const t = this.cal.time(this.day(d), this.rng.int(19, 21), this.rng.int(0, 59), this.rng.int(0, 59));
      this.records.push(this.ledger.channel(t, 'APP', 'LOGIN'));
      if (this.rng.chance(0.5)) {
        this.records.push(this.ledger.channel(t + this.rng.int(20, 120) * 1000, 'APP', 'PAGE_VIEW', this.rng.pick(['WEALTH', 'CARD', 'OTHER'] as const)));
      }
    }
  }

  /** A small card purchase (harmless filler that still moves the balance). */
  spend(at: number, account: string, amountMinor: number, mcc = '5411'): GenRecord {
    return this.post(at, account, 'CARD_PURCHASE', amountMinor, { channel: 'POS', merchantCategory: mcc });
  }

  task(ruleId: RuleId, trigger: GenRecord, extra: Extra = {}): void {
    this.taskAt(ruleId, (trigger.value as { eventId: string }).eventId, trigger.at, extra);
  }

  /** A task whose trigger is a timer (mode `timers`): its trigger id and time (timerId(), endOfDay(), startOfDay()). */
  timerTask(ruleId: RuleId, triggerId: string, triggeredAt: number, extra: Extra = {}): void {
    this.taskAt(ruleId, triggerId, triggeredAt, { ...extra, mode: 'timers' });
  }

  /** Trigger id of a timer of this customer: TIER and BIRTHDAY on a scenario day, CADENCE at an instant, FRAUD_SLA of a task id. */
  timerId(what: 'TIER' | 'BIRTHDAY' | 'CADENCE' | 'FRAUD_SLA', at: number | string): string {
    if (what === 'FRAUD_SLA') return `timer:FRAUD_SLA:${at}`;
    if (what === 'CADENCE') return `timer:CADENCE:${this.customerId}:${new Date(at as number).toISOString()}`;
    return `timer:${what}:${this.customerId}:${isoDate(this.day(at as number))}`;
  }

  /** The last millisecond of scenario day `offset` (what a tier change of that day is dated). */
  endOfDay(offset: number): number {
    return this.cal.time(this.day(offset) + 1, 0, 0, 0) - 1;
  }

  /** Local midnight starting scenario day `offset`. */
  startOfDay(offset: number): number {
    return this.cal.time(this.day(offset), 0, 0, 0);
  }

  private taskAt(ruleId: RuleId, eventId: string, at: number, extra: Extra): void {
    const info = RULES[ruleId];
    this.expected.push({
      ...(extra.mode ? { mode: extra.mode } : {}),
      customerId: this.customerId,
      scenario: this.env.scenario,
      ruleId,
      outcome: 'task',
      topic: info.topic,
      ...(info.kind === null ? {} : { kind: info.kind, offerCode: extra.offerCode === undefined ? info.offerCode : extra.offerCode }),
      priority: extra.priority ?? info.priority,
      ...(extra.reasons ? { reasons: [...extra.reasons] } : {}),
      triggerEventId: eventId,
      dueBy: formatInstant(at + info.dueMs, this.cal.timeZone),
    });
  }

  suppressed(ruleId: RuleId, trigger: GenRecord, reason: SuppressionReason, mode?: LabelMode): void {
    this.suppressedBy(ruleId, (trigger.value as { eventId: string }).eventId, reason, mode);
  }

  /** A suppression whose trigger is a timer (mode `timers`; timerId()). */
  timerSuppressed(ruleId: RuleId, triggerId: string, reason: SuppressionReason): void {
    this.suppressedBy(ruleId, triggerId, reason, 'timers');
  }

  private suppressedBy(ruleId: RuleId, triggerEventId: string, reason: SuppressionReason, mode?: LabelMode): void {
    const info = RULES[ruleId];
    if (info.kind === null) throw new Error('fraud checks are never suppressed');
    this.expected.push({
      ...(mode ? { mode } : {}),
      customerId: this.customerId,
      scenario: this.env.scenario,
      ruleId,
      outcome: 'suppressed',
      topic: TOPICS.suppressions,
      kind: info.kind,
      offerCode: info.offerCode,
      suppressionReason: reason,
      triggerEventId,
    });
  }

  nearMiss(ruleId: RuleId, mode?: LabelMode): void {
    this.nearMisses.push({ ...(mode ? { mode } : {}), customerId: this.customerId, scenario: this.env.scenario, ruleId });
  }

  build(): PlannedCustomer {
    if (!this.profileRecord) throw new Error(`scenario ${this.env.scenario} did not set a profile`);
    const events = [...this.records].sort((a, b) => a.at - b.at || a.seq - b.seq);
    return {
      customerNumber: this.env.customerNumber,
      customerId: this.customerId,
      scenario: this.env.scenario,
      records: [this.profileRecord, ...events],
      expected: this.expected,
      nearMisses: this.nearMisses,
    };
  }
}

export interface ScenarioTemplate {
  readonly name: string;
  /** Days from day 0 to the last event; placement keeps the whole span inside the file. */
  readonly span: number;
  /** Writes the profile, the events and the expectations (tasks, suppressions, near misses). */
  readonly build: (b: ScenarioBuilder) => void;
}
