/**
 * Rule sets over a replay history, offline: the same validation
 * (src/events/validate.ts), pure feature engine (src/features/), rules,
 * contact policy and task building (decideBatch of src/pipeline/decide.ts,
 * called per event) as the service, with no Kafka and no Redis.
 *
 * Order, as the service's: each customer's records by event time, merging the
 * three input topics with ties going by topic (transactions, channel events,
 * profiles), each topic in file order — the order a shard gives them
 * (src/stream/shard-queue.ts). When a topic's records of one partition are
 * themselves out of event-time order the service merges at partition level,
 * so the interleaving with other topics can differ there; generated files are
 * in order.
 *
 * Streaming: a history in event-time order (what `carestream generate`
 * writes) is read once, line by line, keeping per customer only the state and
 * the records not yet safe to apply (those at the latest time read, which a
 * later line of another topic could still precede). A history that is not in
 * order is read again whole, so the answer never depends on the file's
 * order; so is one whose time bounds (below) turn out to matter.
 *
 * Validation's time bounds are judged against `nowMs` (default: the latest
 * event time of the history), not the clock, so a backtest gives the same
 * answer whenever it runs. While streaming, the latest time is not known
 * yet: the time rules are checked at the end against what was accepted.
 * Tasks carry `createdAt` = `createdAt` (default 0).
 *
 * The event path only: timers (src/features/timers.ts) are not fired here.
 * The service fires them by default, at its shards' stream times, which depend
 * on how customers share partitions; what this reports is what the service
 * does with TIMERS_ENABLED=false (tests/integration/rules/
 * backtest-equivalence.test.ts compares every output with such a service).
 * With timers on, the time-driven rules add outputs and
 * the tier edges (vip-upgrade, asset-growth) are judged at a day's close, so
 * the report says so (src/backtest/report.ts).
 */
import { parseReplayLine } from '../events/json-form.ts';
import { TOPICS, type InputTopic } from '../events/topics.ts';
import { validateEvent, type InputLimits, type TimeBounds } from '../events/validate.ts';
import type { ChannelEvent, CustomerProfile, FraudCheckTask, OutreachTask, Suppression, Transaction } from '../events/types.ts';
import { applier, BusinessCalendar, emptyState, recordContacts, type CustomerState, type FeatureOptions, type FeatureRecord } from '../features/index.ts';
import { keyProblem } from '../pipeline/decode.ts';
import { decideBatch } from '../pipeline/decide.ts';
import type { RuleSet } from '../rules/config.ts';
import { STATUS, type CustomerFacts } from '../state/store.ts';
import { DAY_MS, DECISION_DEFAULTS, DEFAULTS } from '../options.ts';

const TOPIC_RANK: Readonly<Record<InputTopic, number>> = { [TOPICS.transactions]: 0, [TOPICS.channelEvents]: 1, [TOPICS.customerProfiles]: 2 };

export interface BacktestSettings {
  /** BUSINESS_TIME_ZONE. */
  readonly timeZone: string;
  /** ALLOWED_LATENESS_MS. */
  readonly allowedLatenessMs: number;
  /** DUPLICATE_WINDOW_DAYS in ms. */
  readonly duplicateWindowMs: number;
  /** BABY_MCCS. */
  readonly babyMccs: readonly string[];
  readonly maxFutureSkewMs: number;
  readonly maxEventAgeMs: number;
  /** Ids and amounts limits (src/config.ts); validation's defaults when absent. */
  readonly limits?: InputLimits;
  /** "Now" for validation's time bounds; default the latest event time of the history. */
  readonly nowMs?: number;
  readonly createdAt?: number;
  /** How long value contacts count (the service: 60 days). */
  readonly keepContactsMs?: number;
}

/** The service's defaults (src/options.ts), so a backtest without settings decides as a default deployment does. */
export const DEFAULT_BACKTEST_SETTINGS: BacktestSettings = Object.freeze({
  timeZone: DEFAULTS.BUSINESS_TIME_ZONE,
  allowedLatenessMs: DEFAULTS.ALLOWED_LATENESS_MS,
  duplicateWindowMs: DEFAULTS.DUPLICATE_WINDOW_DAYS * DAY_MS,
  babyMccs: DEFAULTS.BABY_MCCS,
  maxFutureSkewMs: DEFAULTS.MAX_FUTURE_SKEW_MS,
  maxEventAgeMs: DEFAULTS.MAX_EVENT_AGE_MS,
});

/** What a rule set decided over a history. */
export interface Outputs {
  readonly fraudChecks: FraudCheckTask[];
  readonly outreach: OutreachTask[];
  readonly suppressions: Suppression[];
}

export interface HistoryTally {
  readonly lines: number;
  /** Lines of other topics (outputs, dead letters): ignored. */
  readonly ignored: number;
  /** Records the service would dead-letter before the features (VALIDATION, LATE by age, key problems). */
  readonly invalid: number;
  readonly applied: number;
  readonly skipped: number;
  readonly late: number;
  readonly conflicts: number;
}

/** A replay line that does not parse: the line number, never its content. */
export class HistoryLineError extends Error {
  readonly line: number;
  /** What is wrong, without the line number. */
  readonly detail: string;
  constructor(line: number, detail: string) {
    super(`line ${line}: ${detail}`);
    this.name = 'HistoryLineError';
    this.line = line;
    this.detail = detail;
  }
}

/**
 * Replay lines: an array (or any iterable that can be iterated again), or a
 * function giving the lines afresh each time it is called (a file's reader).
 */
export type History = Iterable<string> | (() => Iterable<string>);

export interface RunResult {
  readonly outputs: Outputs[];
  readonly tally: HistoryTally;
  /** How many times the history was read: 1 when it streamed. */
  readonly passes: number;
  /** Why it was read again, when it was. */
  readonly reread?: string;
}

interface Pending {
  readonly record: FeatureRecord;
  readonly time: number;
}

interface Customer {
  /** Per topic rank, the records not yet applied, in file order; `heads` indexes their first. */
  readonly queues: [Pending[], Pending[], Pending[]];
  readonly heads: [number, number, number];
  readonly feed: ReturnType<typeof applier>;
  /** Per rule set, the contacts that set issued (only `contacts` is read). */
  readonly contacts: CustomerState[];
}

type PassEnd = { readonly ok: true; readonly outputs: Outputs[]; readonly tally: HistoryTally } | { readonly ok: false; readonly why: string; readonly latest: number };

/** What the deferred time rules need: the latest event time read and the extremes of what was accepted. */
export interface TimeFacts {
  readonly latest: number;
  readonly earliestEvent: number;
  readonly latestAssessment: number;
  readonly latestBirth: number;
}

/** The time rules of validate.ts that "now" = `f.latest` would have broken for an accepted record, if any. */
export function timeProblem(f: TimeFacts, s: BacktestSettings): string | undefined {
  const now = f.latest;
  if (f.earliestEvent < now - s.maxEventAgeMs) return 'some events are older than the maximum event age before the latest one';
  if (f.latestAssessment > now + s.maxFutureSkewMs) return 'a profile was assessed after the latest event';
  if (f.latestBirth > now + DAY_MS) return 'a profile’s birth date is after the latest event';
  return undefined;
}

/** Thrown by Pass.push when streaming cannot go on (the history is out of order); the caller reads it again whole. */
export class Abort {
  readonly why: string;
  constructor(why: string) {
    this.why = why;
  }
}

/** Deferred time rules: no event is in the future of, or too old for, a "now" not yet known. */
const OPEN_BOUNDS: TimeBounds = { nowMs: Number.MAX_SAFE_INTEGER, maxFutureSkewMs: 0, maxAgeMs: Number.POSITIVE_INFINITY };

/**
 * One reading of the history. `stream`: apply records as soon as no later
 * line can precede them (the history must be in time order, else Abort);
 * otherwise keep them all and apply at the end. `nowMs` known: the time rules
 * are applied as the service does; unknown: checked at the end (Abort when
 * they would have refused an accepted record).
 */
export class Pass {
  private readonly customers = new Map<string, Customer>();
  private readonly outputs: Outputs[];
  private readonly options: FeatureOptions;
  private readonly calendar: BusinessCalendar;
  private readonly keepMs: number;
  private readonly createdAt: number;
  private readonly bounds: TimeBounds;
  private readonly offsets = [-1, -1, -1];
  private lines = 0;
  private ignored = 0;
  private invalid = 0;
  private applied = 0;
  private skipped = 0;
  private late = 0;
  private conflicts = 0;
  /** The latest event time of any input line (the default "now"). */
  private latest = Number.NEGATIVE_INFINITY;
  /** The latest event time of an accepted record: nothing read later may be earlier when streaming. */
  private frontier = Number.NEGATIVE_INFINITY;
  // What the deferred time rules need at the end.
  private earliestEvent = Number.POSITIVE_INFINITY;
  private latestAssessment = Number.NEGATIVE_INFINITY;
  private latestBirth = Number.NEGATIVE_INFINITY;

  private readonly ruleSets: readonly RuleSet[];
  private readonly settings: BacktestSettings;
  private readonly stream: boolean;
  private readonly nowMs: number | undefined;

  /** When several passes share a history by customer: whether a customer is this one's (else Abort). */
  private readonly owns: ((customerId: string) => boolean) | undefined;

  constructor(ruleSets: readonly RuleSet[], settings: BacktestSettings, stream: boolean, nowMs: number | undefined, owns?: (customerId: string) => boolean) {
    this.owns = owns;
    this.ruleSets = ruleSets;
    this.settings = settings;
    this.stream = stream;
    this.nowMs = nowMs;
    this.calendar = new BusinessCalendar(settings.timeZone);
    this.options = { calendar: this.calendar, allowedLatenessMs: settings.allowedLatenessMs, duplicateWindowMs: settings.duplicateWindowMs, babyMccs: new Set(settings.babyMccs), pseudonym: (v: string) => v };
    this.keepMs = settings.keepContactsMs ?? DECISION_DEFAULTS.keepContactsMs;
    this.createdAt = settings.createdAt ?? 0;
    this.outputs = ruleSets.map(() => ({ fraudChecks: [], outreach: [], suppressions: [] }));
    this.bounds = nowMs === undefined ? OPEN_BOUNDS : { nowMs, maxFutureSkewMs: settings.maxFutureSkewMs, maxAgeMs: settings.maxEventAgeMs };
  }

  /** One line; `lineNo` when the caller numbers the lines (it hands this pass only some of them). */
  push(line: string, lineNo = this.lines + 1): void {
    this.lines++;
    if (line.length === 0 || line.startsWith('#') || line.trim() === '') return;
    let r;
    try {
      r = parseReplayLine(line);
    } catch (err) {
      throw new HistoryLineError(lineNo, (err as Error).message);
    }
    const topic = r.topic;
    if (topic !== TOPICS.transactions && topic !== TOPICS.channelEvents && topic !== TOPICS.customerProfiles) {
      this.ignored++;
      return;
    }
    const rank = TOPIC_RANK[topic];
    const v = r.value as { occurredAt?: number; updatedAt?: number };
    const time = rank === 2 ? v.updatedAt! : v.occurredAt!;
    if (time > this.latest) this.latest = time;
    // Offsets count per topic in file order: the order a partition would have.
    const offset = ++this.offsets[rank]!;
    const valid = validateEvent(topic, r.value, this.bounds, this.settings.limits);
    if (!valid.ok) {
      this.invalid++;
      return;
    }
    const customerId = (valid.event as { customerId: string }).customerId;
    if (keyProblem(r.key === null ? null : Buffer.from(r.key, 'utf8'), customerId)) {
      this.invalid++;
      return;
    }
    if (this.owns && !this.owns(customerId)) throw new Abort(`line ${lineNo} went to the wrong worker (its customer id is not written plainly)`);
    if (this.nowMs === undefined) this.noteTimes(rank, valid.event as Transaction | ChannelEvent | CustomerProfile);
    if (this.stream) {
      if (time < this.frontier) throw new Abort(`line ${lineNo} is earlier than a line before it (the history is not in event-time order)`);
      this.frontier = time;
    }
    const ref = { topic, partition: 0, offset };
    const record: FeatureRecord =
      rank === 0 ? { ref, kind: 'transaction', event: valid.event as Transaction }
      : rank === 1 ? { ref, kind: 'channel', event: valid.event as ChannelEvent }
      : { ref, kind: 'profile', event: valid.event as CustomerProfile };
    let c = this.customers.get(customerId);
    if (!c) {
      c = { queues: [[], [], []], heads: [0, 0, 0], feed: applier(emptyState(), this.options), contacts: this.ruleSets.map(() => emptyState()) };
      this.customers.set(customerId, c);
    }
    c.queues[rank]!.push({ record, time });
    if (this.stream) this.drain(c, false);
  }

  /**
   * Applies what is left. With "now" unknown, the caller must then check
   * timeProblem(timeFacts()) (over every pass that read a part of the history).
   */
  end(): { outputs: Outputs[]; tally: HistoryTally } {
    for (const c of this.customers.values()) this.drain(c, true);
    const tally = {
      lines: this.lines, ignored: this.ignored, invalid: this.invalid,
      applied: this.applied, skipped: this.skipped, late: this.late, conflicts: this.conflicts,
    };
    return { outputs: this.outputs, tally };
  }

  timeFacts(): TimeFacts {
    return { latest: this.latest, earliestEvent: this.earliestEvent, latestAssessment: this.latestAssessment, latestBirth: this.latestBirth };
  }

  finish(): PassEnd {
    const { outputs, tally } = this.end();
    if (this.nowMs === undefined) {
      const problem = timeProblem(this.timeFacts(), this.settings);
      if (problem) return { ok: false, why: problem, latest: this.latest };
    }
    return { ok: true, outputs, tally };
  }


  private noteTimes(rank: number, e: Transaction | ChannelEvent | CustomerProfile): void {
    if (rank !== 2) {
      const at = (e as Transaction | ChannelEvent).occurredAt;
      if (at < this.earliestEvent) this.earliestEvent = at;
      return;
    }
    const p = e as CustomerProfile;
    if (p.riskAssessedAt !== null && p.riskAssessedAt > this.latestAssessment) this.latestAssessment = p.riskAssessedAt;
    if (p.birthDate !== null) {
      const born = Date.parse(`${p.birthDate}T00:00:00Z`);
      if (born > this.latestBirth) this.latestBirth = born;
    }
  }

  /**
   * Applies the customer's records in the shard queue's order: the oldest head,
   * ties by topic rank. Before the end, a head waits while a later line (of a
   * topic whose queue is empty) could still come before it: one at the latest
   * time read, with a lower rank.
   */
  private drain(c: Customer, end: boolean): void {
    const { queues, heads } = c;
    for (;;) {
      let best = -1;
      let bestTime = 0;
      for (let t = 0; t < 3; t++) {
        const q = queues[t]!;
        if (heads[t]! < q.length && (best < 0 || q[heads[t]!]!.time < bestTime)) {
          best = t;
          bestTime = q[heads[t]!]!.time;
        }
      }
      if (best < 0) return;
      if (!end && bestTime >= this.frontier) {
        for (let t = 0; t < best; t++) if (heads[t]! >= queues[t]!.length) return;
      }
      const q = queues[best]!;
      const p = q[heads[best]!]!;
      if (++heads[best]! === q.length) {
        q.length = 0;
        heads[best] = 0;
      }
      this.applyRecord(c, p.record);
    }
  }

  private applyRecord(c: Customer, record: FeatureRecord): void {
    const r = c.feed.apply(record);
    if (r.status === 'APPLIED') this.applied++;
    else if (r.status === 'LATE') this.late++;
    else if (r.status === 'CONFLICT') this.conflicts++;
    else this.skipped++;
    if (record.kind === 'profile' || !r.before || !r.after) return;
    const item = { record, outcome: { status: STATUS.APPLIED, before: r.before, after: r.after } };
    const base = factsOf(c.feed.state);
    const customerId = record.event.customerId;
    for (let i = 0; i < this.ruleSets.length; i++) {
      const facts = { ...base, contacts: c.contacts[i]!.contacts };
      const d = decideBatch({ applied: [item], customers: new Map([[customerId, facts]]), ruleSet: this.ruleSets[i]!, calendar: this.calendar, now: this.createdAt });
      const out = this.outputs[i]!;
      for (const t of d.fraudChecks) out.fraudChecks.push(t);
      for (const t of d.outreach) out.outreach.push(t);
      for (const s of d.suppressions) out.suppressions.push(s);
      for (const rec of d.records) c.contacts[i] = recordContacts(c.contacts[i]!, rec.contacts, this.keepMs);
    }
  }
}

function factsOf(state: CustomerState): CustomerFacts {
  const p = state.profile;
  return {
    profile: p && {
      updatedAt: p.updatedAt,
      marketingConsent: p.marketingConsent,
      riskTolerance: p.riskTolerance,
      riskAssessedAt: p.riskAssessedAt,
      hasRelationshipManager: p.hasRelationshipManager,
      preferredChannels: p.preferredChannels,
    },
    contacts: state.contacts,
  };
}

function readPass(pass: Pass, lines: Iterable<string>): PassEnd {
  try {
    for (const line of lines) pass.push(line);
  } catch (err) {
    if (err instanceof Abort) return { ok: false, why: err.why, latest: Number.NaN };
    throw err;
  }
  return pass.finish();
}

/**
 * Runs rule sets over the history: the features once per customer, the
 * decisions once per rule set, each with its own contact history. Throws
 * HistoryLineError for a line that is not a replay line.
 */
export function runRuleSets(ruleSets: readonly RuleSet[], history: History, settings: BacktestSettings = DEFAULT_BACKTEST_SETTINGS, start: { stream?: boolean; reasons?: readonly string[] } = {}): RunResult {
  let source: () => Iterable<string>;
  if (typeof history === 'function') source = history;
  else {
    const it = history[Symbol.iterator]();
    // An iterator that is its own iterable (a generator) reads once: keep its lines for a second reading.
    const once = (it as unknown as Iterable<string>)[Symbol.iterator]?.() === it;
    const lines = once ? [...(it as unknown as Iterable<string>)] : history;
    source = () => lines;
  }
  let stream = start.stream ?? true;
  let nowMs = settings.nowMs;
  const reasons: string[] = [...(start.reasons ?? [])];
  for (let passes = 1 + reasons.length; ; passes++) {
    const end = readPass(new Pass(ruleSets, settings, stream, nowMs), source());
    if (end.ok) return { outputs: end.outputs, tally: end.tally, passes, ...(reasons.length ? { reread: reasons.join('; ') } : {}) };
    reasons.push(end.why);
    // Out of order: read it whole. Time rules that mattered: read it again knowing "now".
    if (Number.isNaN(end.latest)) stream = false;
    else nowMs = end.latest;
  }
}
