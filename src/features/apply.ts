import { contentDigest } from '../events/digest.ts';
import { TOPICS, type InputTopic } from '../events/topics.ts';
import type { ChannelEvent, CustomerProfile, Transaction } from '../events/types.ts';
import { dayOfMonthOfDate, monthOfDate, type BusinessCalendar } from './calendar.ts';
import { draftOf, FINGERPRINT_BYTES, type CustomerState, type DigestDay, type Draft, type KeptEventId, type KeptPurchase } from './state.ts';
import { sat } from './saturate.ts';
import { depositsAt, holdingsAt, eventView, DAYS_30, DAYS_90, SLOT_MS, SLOTS_24H, type EventView } from './view.ts';

/** Where a record came from: offsets make applying idempotent. */
export interface RecordRef {
  readonly topic: InputTopic;
  readonly partition: number;
  readonly offset: number;
}

/** A validated input record (the same shape as the store's StoreRecord). */
export type FeatureRecord =
  | { readonly ref: RecordRef; readonly kind: 'transaction'; readonly event: Transaction }
  | { readonly ref: RecordRef; readonly kind: 'channel'; readonly event: ChannelEvent }
  | { readonly ref: RecordRef; readonly kind: 'profile'; readonly event: CustomerProfile };

export interface FeatureOptions {
  readonly calendar: BusinessCalendar;
  /** ALLOWED_LATENESS_MS: how far behind its topic's watermark an event may still be applied. */
  readonly allowedLatenessMs: number;
  /**
   * DUPLICATE_WINDOW_DAYS in ms: how far behind its topic's watermark an
   * event published again is still known as a duplicate (skipped) rather
   * than late (dead-lettered). No longer than the lateness: only eventIds.
   */
  readonly duplicateWindowMs: number;
  /** BABY_MCCS: merchant categories that count as maternal/baby purchases. */
  readonly babyMccs: ReadonlySet<string>;
  /** The keyed hash that replaces account ids and counterparty refs in the state (PSEUDONYM_KEY). */
  readonly pseudonym: (value: string) => string;
}

/**
 * What became of a record: APPLIED, or not applied because its offset was
 * applied already (DUPLICATE_OFFSET: a replayed chunk), its eventId was
 * applied with the same content (DUPLICATE_EVENT: inside the lateness window
 * by its kept eventId, behind it by its content's fingerprint, for the
 * duplicate window) or with other content (CONFLICT, inside the lateness
 * window), it is older than its topic's watermark minus the lateness and not
 * a known event (LATE), or it is a profile not newer than the one kept
 * (STALE_PROFILE).
 */
export type ApplyStatus = 'APPLIED' | 'DUPLICATE_OFFSET' | 'DUPLICATE_EVENT' | 'LATE' | 'STALE_PROFILE' | 'CONFLICT';

export interface Applied {
  readonly state: CustomerState;
  readonly status: ApplyStatus;
  /** The views just before and just after the event: applied transactions and channel events only. */
  readonly before?: EventView;
  readonly after?: EventView;
  /** CONFLICT: the digests of the kept event and of this record. */
  readonly digests?: { readonly kept: string; readonly record: string };
}

/** Days before the transactions' watermark day that an event inside the lateness can still change. */
export const MUTABLE_DAYS = 2;
/** The 30-day average ending 180 days ago reaches back 209 days. */
export const EOD_DAYS = 210;
export const MAX_PURCHASES = 8;
export const MAX_OUTCOMES = 10;
export const MONTHS_KEPT = 13;
const DAY_MS = 86_400_000;
const NOT_INVESTMENTS: ReadonlySet<string> = new Set(['DEPOSIT', 'INSURANCE']);

const TOPIC_INDEX: Readonly<Record<InputTopic, number>> = { [TOPICS.transactions]: 0, [TOPICS.channelEvents]: 1, [TOPICS.customerProfiles]: 2 };

/**
 * Applies one record to a customer's state. Pure: `state` is not changed;
 * the result carries the new state (the old one when nothing was applied).
 */
export function apply(state: CustomerState, record: FeatureRecord, o: FeatureOptions): Applied {
  const s = draftOf(state);
  const r = applyTo(s, record, o);
  return r.status === 'DUPLICATE_OFFSET' ? { ...r, state } : { ...r, state: s };
}

/**
 * Applies records in order (one customer's). Pure, like apply(), but copies
 * the state once: the cheap way through a customer's history.
 */
export function applyAll(state: CustomerState, records: readonly FeatureRecord[], o: FeatureOptions): { state: CustomerState; results: Omit<Applied, 'state'>[] } {
  const s = draftOf(state);
  const results = records.map((r) => applyTo(s, r, o));
  return { state: s, results };
}

/**
 * Applies records in order, telling `each` what became of every one with the
 * state just after it (read it there, do not keep it: it changes with the
 * next record). Pure towards `state`, copied once; returns the final state.
 */
export function applyEach(state: CustomerState, records: readonly FeatureRecord[], o: FeatureOptions, each: (record: FeatureRecord, result: Omit<Applied, 'state'>, after: CustomerState) => void): CustomerState {
  const s = draftOf(state);
  for (const r of records) each(r, applyTo(s, r, o), s);
  return s;
}

/**
 * applyEach() on the caller's own draft (from draftOf), changed in place: a
 * caller that applies a customer's records one at a time with other steps
 * between them (timers firing, decisions recorded) copies the state once for
 * all of them. Returns `draft`.
 */
export function applyEachTo(draft: Draft, records: readonly FeatureRecord[], o: FeatureOptions, each: (record: FeatureRecord, result: Omit<Applied, 'state'>, after: CustomerState) => void): Draft {
  for (const r of records) each(r, applyTo(draft, r, o), draft);
  return draft;
}

/**
 * applyEach() for records that arrive one at a time (a streaming reader):
 * `state` is copied once and each apply() changes the copy in place. Read
 * `state` between calls, do not keep it.
 */
export function applier(state: CustomerState, o: FeatureOptions): { readonly state: CustomerState; apply(record: FeatureRecord): Omit<Applied, 'state'> } {
  const s = draftOf(state);
  return { state: s, apply: (r) => applyTo(s, r, o) };
}

/** The in-place step behind apply() and applyAll(): `s` must be the caller's own draft. */
function applyTo(s: Draft, record: FeatureRecord, o: FeatureOptions): Omit<Applied, 'state'> {
  const tp = `${TOPIC_INDEX[record.ref.topic]}.${record.ref.partition}`;
  const appliedOffset = s.offsets[tp];
  if (appliedOffset !== undefined && record.ref.offset <= appliedOffset) return { status: 'DUPLICATE_OFFSET' };
  s.offsets[tp] = record.ref.offset;
  if (record.kind === 'profile') return { status: applyProfile(s, record.event) };
  const result = applyEvent(s, record, o);
  if (result.status === 'APPLIED') trim(s, o);
  return result;
}

function applyProfile(s: Draft, p: CustomerProfile): ApplyStatus {
  // A profile not newer than the one kept (the same one published again) changes nothing.
  if (s.profile !== null && s.profile.updatedAt >= p.updatedAt) return 'STALE_PROFILE';
  s.profile = {
    updatedAt: p.updatedAt,
    birthMonth: p.birthDate ? monthOfDate(p.birthDate) : null,
    birthDay: p.birthDate ? dayOfMonthOfDate(p.birthDate) : null,
    marketingConsent: p.marketingConsent,
    riskTolerance: p.riskTolerance,
    riskAssessedAt: p.riskAssessedAt,
    preferredChannels: [...p.preferredChannels],
    hasRelationshipManager: p.relationshipManagerId !== null,
  };
  return 'APPLIED';
}

function applyEvent(s: Draft, record: Exclude<FeatureRecord, { kind: 'profile' }>, o: FeatureOptions): Omit<Applied, 'state'> {
  const e = record.event;
  const at = e.occurredAt;
  const isTx = record.kind === 'transaction';
  const topicWatermark = isTx ? s.transactionsWatermark : s.channelWatermark;
  const horizon = topicWatermark === null ? -Infinity : topicWatermark.at - o.allowedLatenessMs;
  const idKey = `${TOPIC_INDEX[record.ref.topic]}:${e.eventId}`;
  const digest = contentDigest(e);
  const seen = s.eventIds[idKey];
  // Behind the lateness window: applied already (published again) or late.
  if (at < horizon) return { status: (seen !== undefined && seen.digest === digest) || knownOlder(s, at, digest) ? 'DUPLICATE_EVENT' : 'LATE' };
  // Kept ids older than the horizon are outside the window (trimmed, or about to be).
  if (seen !== undefined && seen.at >= horizon) {
    return seen.digest === digest ? { status: 'DUPLICATE_EVENT' } : { status: 'CONFLICT', digests: { kept: seen.digest, record: digest } };
  }
  const day = o.calendar.day(at);
  const month = o.calendar.month(at);
  if (topicWatermark === null || at > topicWatermark.at) {
    if (isTx) s.transactionsWatermark = { at, day };
    else s.channelWatermark = { at, day };
  }
  // A customer first seen now starts ORDINARY as last evaluated, so a first day that makes them VIP is an edge (timers.ts).
  if (s.watermark === null && s.lastEvaluated === undefined) s.lastEvaluated = { tier: 'ORDINARY', day: day - 1, since: at };
  if (s.watermark === null || at > s.watermark.at) s.watermark = { at, day, month };
  if (s.firstDay === null || day < s.firstDay) s.firstDay = day;
  s.eventIds[idKey] = { at, digest };

  if (record.kind === 'transaction') {
    const t = record.event;
    const ref = t.counterparty ? o.pseudonym(t.counterparty.accountRef) : null;
    const before = eventView(s, at, day, month, ref);
    const isOutflow = t.type === 'TRANSFER_OUT' || t.type === 'WITHDRAWAL';
    applyTransaction(s, t, { day, month, ref, isNew: isOutflow && ref !== null && !before.counterpartySeen }, o);
    recomputeEndOfDay(s, day);
    return { status: 'APPLIED', before, after: eventView(s, at, day, month, ref) };
  }
  const c = record.event;
  const before = eventView(s, at, day, month, null);
  if ((c.action === 'RATE_QUERY' || c.action === 'CALCULATOR') && c.topic === 'MORTGAGE') {
    s.mortgageInterestByDay[day] = (s.mortgageInterestByDay[day] ?? 0) + 1;
  }
  noteChannelDay(s, day);
  const outcome = c.action === 'CONTACT_OUTCOME' ? c.attributes.outcome : undefined;
  if (outcome) {
    const taskId = c.attributes.taskId ?? '';
    s.outcomes.push({ at, taskId, outcome });
    if (s.outcomes.length > MAX_OUTCOMES) s.outcomes.splice(0, s.outcomes.length - MAX_OUTCOMES);
    if (outcome === 'REACHED' && (s.lastContactAt === undefined || at > s.lastContactAt)) s.lastContactAt = at;
    answerFraudCheck(s, taskId, outcome, at);
  }
  return { status: 'APPLIED', before, after: eventView(s, at, day, month, null) };
}

/** Outcomes that answer a fraud check (no escalation); NO_ANSWER is only an attempt. */
export const ANSWERING_OUTCOMES: ReadonlySet<string> = new Set(['REACHED', 'CONFIRMED_GENUINE', 'CONFIRMED_FRAUD', 'DECLINED']);

/**
 * An answering outcome at or before the check's dueBy closes it. One after
 * dueBy leaves it open: the deadline passed unanswered, and its SLA timer
 * escalates it whichever of the two is processed first (determinism).
 */
function answerFraudCheck(s: Draft, taskId: string, outcome: string, at: number): void {
  if (!s.fraudChecks || !ANSWERING_OUTCOMES.has(outcome)) return;
  const i = s.fraudChecks.findIndex((f) => f.taskId === taskId);
  const f = s.fraudChecks[i];
  if (f === undefined || f.status !== 'OPEN' || at > f.dueBy) return;
  s.fraudChecks[i] = { ...f, status: 'ANSWERED', closedAt: at };
}

/** Inserts by time; equal times keep arrival order. */
function insertByTime<T extends { readonly at: number }>(list: T[], item: T): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.at > item.at) i--;
  list.splice(i, 0, item);
}

function addMonth(set: number[], m: number): void {
  if (set.includes(m)) return;
  set.push(m);
  set.sort((a, b) => a - b);
  if (set.length > MONTHS_KEPT) set.splice(0, set.length - MONTHS_KEPT);
}

function applyTransaction(s: Draft, t: Transaction, x: { day: number; month: number; ref: string | null; isNew: boolean }, o: FeatureOptions): void {
  const { day, month, ref } = x;
  if (t.type === 'PRODUCT_PURCHASE') {
    s.holdingsNetMinor = sat(s.holdingsNetMinor + t.amountMinor);
    s.holdingsFlowByDay[day] = sat((s.holdingsFlowByDay[day] ?? 0) + t.amountMinor);
    const p = t.product;
    const purchase: KeptPurchase = { at: t.occurredAt, highRisk: p !== null && (p.riskLevel >= 4 || p.category === 'PRIVATE_EQUITY') };
    insertByTime(s.recentPurchases, purchase);
    if (s.recentPurchases.length > MAX_PURCHASES) {
      const dropped = s.recentPurchases.shift()!;
      s.highRiskRunBefore = dropped.highRisk ? s.highRiskRunBefore + 1 : 0;
    }
    if (p !== null && !NOT_INVESTMENTS.has(p.category) && (s.lastInvestmentAt === null || t.occurredAt > s.lastInvestmentAt)) s.lastInvestmentAt = t.occurredAt;
  } else if (t.type === 'PRODUCT_REDEMPTION') {
    s.holdingsNetMinor = sat(s.holdingsNetMinor - t.amountMinor);
    s.holdingsFlowByDay[day] = sat((s.holdingsFlowByDay[day] ?? 0) - t.amountMinor);
  }
  const account = o.pseudonym(t.accountId);
  const entries = (s.accounts[account] ??= []);
  insertByTime(entries, { at: t.occurredAt, day, balanceMinor: t.balanceAfterMinor });
  const isOutflow = t.type === 'TRANSFER_OUT' || t.type === 'WITHDRAWAL';
  if (isOutflow) {
    const slot = Math.floor(t.occurredAt / SLOT_MS);
    const b = s.outflowSlots[slot] ?? { sumMinor: 0, count: 0, newCounterpartySumMinor: 0, newCounterpartyCount: 0 };
    s.outflowSlots[slot] = {
      sumMinor: sat(b.sumMinor + t.amountMinor),
      count: b.count + 1,
      newCounterpartySumMinor: x.isNew ? sat(b.newCounterpartySumMinor + t.amountMinor) : b.newCounterpartySumMinor,
      newCounterpartyCount: b.newCounterpartyCount + (x.isNew ? 1 : 0),
    };
    if (t.amountMinor > (s.maxOutflowByDay[day] ?? 0)) s.maxOutflowByDay[day] = t.amountMinor;
  }
  if (ref !== null && (isOutflow || t.type === 'TRANSFER_IN')) {
    const last = s.counterpartyLastDay[ref];
    if (last === undefined || last < day) s.counterpartyLastDay[ref] = day;
  }
  if (t.type === 'SALARY_CREDIT' && !s.salaryMonths.includes(month)) {
    // The payroll condition at the first salary of a month: a salary last month, no investment in the 90 days before.
    const holds = s.salaryMonths.includes(month - 1) && (s.lastInvestmentAt === null || t.occurredAt - s.lastInvestmentAt > 90 * DAY_MS);
    if (holds) s.payrollMonth = month;
    addMonth(s.salaryMonths, month);
  }
  if (t.type === 'CARD_PURCHASE' && t.merchantCategory !== null && o.babyMccs.has(t.merchantCategory)) addMonth(s.babyMonths, month);
}

/** Writes eod(d) = v, extending the series (carrying its last value forward) or starting it earlier. */
function setEndOfDay(s: Draft, d: number, v: number): void {
  const e = s.endOfDay;
  if (e === null) {
    s.endOfDay = { firstDay: d, values: [v] };
    return;
  }
  if (d < e.firstDay) {
    // A day before the series starts (the customer's first day moved back): it and the days up to the old start get v.
    const fill = new Array<number>(e.firstDay - d).fill(v);
    s.endOfDay = { firstDay: d, values: [...fill, ...e.values] };
    return;
  }
  const last = e.values[e.values.length - 1]!;
  while (e.firstDay + e.values.length <= d) e.values.push(last);
  e.values[d - e.firstDay] = v;
}

/**
 * Recomputes eod from a transaction's day to the end of the series: only the
 * mutable days can change, later days carry the change forward.
 */
function recomputeEndOfDay(s: Draft, fromDay: number): void {
  let last = s.transactionsWatermark!.day;
  const e = s.endOfDay;
  if (e !== null && e.firstDay + e.values.length - 1 > last) last = e.firstDay + e.values.length - 1;
  for (let d = fromDay; d <= last; d++) setEndOfDay(s, d, sat(depositsAt(s, d) + holdingsAt(s, d)));
}

/** A channel event moves no money: it only starts the series earlier (assets 0 before any transaction). */
function noteChannelDay(s: Draft, d: number): void {
  const e = s.endOfDay;
  if (e === null) {
    s.endOfDay = { firstDay: d, values: [0] };
    return;
  }
  if (d < e.firstDay) s.endOfDay = { firstDay: d, values: [...new Array<number>(e.firstDay - d).fill(0), ...e.values] };
}

/** The first FINGERPRINT_BYTES of a content digest (base64url), or null for one too short to have them. */
export function fingerprintOf(digest: string): number | null {
  const b = Buffer.from(digest.slice(0, Math.ceil((FINGERPRINT_BYTES * 4) / 3)), 'base64url');
  return b.length < FINGERPRINT_BYTES ? null : b.readUIntBE(0, FINGERPRINT_BYTES);
}

/** Index of `day` in the ascending days, or of where it would go. */
function dayIndex(days: readonly DigestDay[], day: number): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (days[mid]!.day < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether an event of time `at` with this digest left the kept eventIds (was applied) within the duplicate window. */
function knownOlder(s: CustomerState, at: number, digest: string): boolean {
  const day = Math.floor(at / DAY_MS);
  const d = s.olderDigests[dayIndex(s.olderDigests, day)];
  if (d === undefined || d.day !== day) return false;
  const f = fingerprintOf(digest);
  return f !== null && d.fingerprints.includes(f);
}

/** Keeps the fingerprint of an eventId leaving the lateness window (its day replaced, not changed: it may be shared). */
function keepOlder(s: Draft, kept: KeptEventId): void {
  const f = fingerprintOf(kept.digest);
  if (f === null) return;
  const day = Math.floor(kept.at / DAY_MS);
  const i = dayIndex(s.olderDigests, day);
  const d = s.olderDigests[i];
  if (d !== undefined && d.day === day) s.olderDigests[i] = { day, fingerprints: [...d.fingerprints, f] };
  else s.olderDigests.splice(i, 0, { day, fingerprints: [f] });
}

/**
 * Drops the eventIds behind their topic's lateness window, keeping their
 * fingerprints when the duplicate window is longer, and the fingerprints of
 * the days wholly behind the duplicate window of the older topic watermark
 * (a topic that lags keeps both topics' longer, never shorter).
 */
function trimEventIds(s: Draft, o: FeatureOptions): void {
  const keepOlderIds = o.duplicateWindowMs > o.allowedLatenessMs;
  for (const k in s.eventIds) {
    const w = k.startsWith('0:') ? s.transactionsWatermark : s.channelWatermark;
    const kept = s.eventIds[k]!;
    if (w !== null && kept.at < w.at - o.allowedLatenessMs) {
      if (keepOlderIds) keepOlder(s, kept);
      delete s.eventIds[k];
    }
  }
  if (s.olderDigests.length === 0) return;
  const tw = s.transactionsWatermark?.at ?? Infinity;
  const cw = s.channelWatermark?.at ?? Infinity;
  const fromDay = Math.floor((Math.min(tw, cw) - o.duplicateWindowMs) / DAY_MS);
  const keepFrom = dayIndex(s.olderDigests, fromDay);
  if (keepFrom > 0) s.olderDigests.splice(0, keepFrom);
}

/** Drops what no window can read any more, relative to the watermarks. */
function trim(s: Draft, o: FeatureOptions): void {
  const latenessMs = o.allowedLatenessMs;
  trimEventIds(s, o);
  const tw = s.transactionsWatermark;
  if (tw !== null) {
    const mutableFrom = tw.day - MUTABLE_DAYS;
    for (const k in s.accounts) {
      // keep the entries of the mutable days and the latest one before them
      const entries = s.accounts[k]!;
      let keepFrom = 0;
      entries.forEach((e, i) => {
        if (e.day < mutableFrom) keepFrom = i;
      });
      if (keepFrom > 0) s.accounts[k] = entries.slice(keepFrom);
    }
    for (const k in s.holdingsFlowByDay) if (Number(k) < mutableFrom) delete s.holdingsFlowByDay[k];
    const minSlot = Math.floor((tw.at - latenessMs) / SLOT_MS) - SLOTS_24H;
    for (const k in s.outflowSlots) if (Number(k) < minSlot) delete s.outflowSlots[k];
    for (const k in s.maxOutflowByDay) if (Number(k) < mutableFrom - DAYS_90) delete s.maxOutflowByDay[k];
    for (const k in s.counterpartyLastDay) if (s.counterpartyLastDay[k]! < mutableFrom - DAYS_90) delete s.counterpartyLastDay[k];
  }
  // eod: the days from watermark day - EOD_DAYS - MUTABLE_DAYS + 1 on; when the
  // series ends before that, its last value (carried forward) starts the kept range.
  const e = s.endOfDay;
  if (e !== null && s.watermark !== null) {
    const keepFrom = s.watermark.day - EOD_DAYS - MUTABLE_DAYS + 1;
    if (e.firstDay < keepFrom) {
      let kept = e.values.slice(keepFrom - e.firstDay);
      if (kept.length === 0) kept = [e.values[e.values.length - 1]!];
      s.endOfDay = { firstDay: keepFrom, values: kept };
    }
  }
  const cw = s.channelWatermark;
  if (cw !== null) for (const k in s.mortgageInterestByDay) if (Number(k) < cw.day - DAYS_30 - MUTABLE_DAYS) delete s.mortgageInterestByDay[k];
}
