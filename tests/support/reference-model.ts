// An independent recomputation of the per-customer features of
// docs/FEATURES.md from a replay file (JSONL, docs/EVENTS.md), used by the tests as
// an oracle for the Redis store. It is written from the spec alone: it keeps
// every applied event of a customer in memory and recomputes each feature from
// scratch "as of" the customer's watermark. Clarity over speed; exact integer
// arithmetic (BigInt) for every sum and mean.
//
// Decisions where the spec leaves room (the store must make the same ones):
// - Records are folded per customer (value.customerId) in file order; topics
//   other than the three input topics are ignored; blank lines are skipped.
//   Events are assumed valid (the processor dead-letters invalid ones).
// - Watermark W: the largest occurredAt applied over transactions and channel
//   events (profiles do not move it); features are "as of" W. Lateness is per
//   input topic: a record is LATE when occurredAt < W_topic - allowedLatenessMs
//   (strictly: exactly W_topic - L is applied), W_topic the largest occurredAt
//   applied from the same topic, because the topics are consumed side by side.
//   The late check comes first: an old re-publication is late, not a duplicate.
// - Duplicate: the eventId of an event already applied from the same topic for
//   this customer whose occurredAt >= W_topic - L (before the record).
// - Profiles: the one with the largest updatedAt wins; one that is not newer
//   than the one kept (a re-publication has the same updatedAt) is counted as
//   staleProfiles and changes nothing. Profiles are never late or duplicates.
// - "New counterparty at the time of the outflow": no event applied EARLIER
//   (file order among applied events) that is an outflow or TRANSFER_IN with
//   the same counterparty.accountRef and a day in day(x)-89 .. day(x), x the
//   outflow's occurredAt. Events applied later (even with an earlier
//   occurredAt) never change an outflow's newness; an earlier-applied event on
//   a later day than the outflow does not count. Cash outflows (no
//   counterparty) are never new. ownAccount counterparties count like others.
// - avg30/avg30Ago: floor toward -infinity of the exact mean; eod values can be
//   negative (credit lines). The first day is the smallest day of any applied
//   transaction or channel event (event time), so a channel event with no money
//   starts the eod series at assets 0.
// - Tier growth: avg30 * den >= avg30Ago * num where num/den is growthRatio as
//   an exact decimal fraction (1.3 -> 13/10).
// - highRiskStreak / lastInvestmentAt consider only PRODUCT_PURCHASE with a
//   product (the contract requires one); ties in occurredAt keep file order.
// - age: floor((month(asOf) - birthMonth) / 12), asOf = watermark, or the
//   profile's updatedAt when no transaction/channel event was applied.
import type { FeatureView, ProfileView, Tally } from '../../src/state/feature-view.ts';
import { parseReplayLine } from '../../src/events/json-form.ts';
import type { ChannelEvent, CustomerProfile, CustomerTier, Transaction } from '../../src/events/types.ts';

const TX_TOPIC = 'bank.transactions.v1';
const CE_TOPIC = 'bank.channel-events.v1';
const PROFILE_TOPIC = 'bank.customer-profiles.v1';

const SLOT_MS = 300_000;

/**
 * Its own business calendar (Intl, not src/features/calendar.ts), so a
 * mistake in the engine's calendar cannot hide behind a shared one.
 */
class LocalCalendar {
  private readonly format: Intl.DateTimeFormat;
  private readonly cache = new Map<number, readonly [number, number, number]>();
  constructor(timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
  }
  private ymd(ms: number): readonly [number, number, number] {
    let v = this.cache.get(ms);
    if (!v) {
      const parts = Object.fromEntries(this.format.formatToParts(ms).map((p) => [p.type, p.value]));
      v = [Number(parts.year), Number(parts.month), Number(parts.day)] as const;
      this.cache.set(ms, v);
    }
    return v;
  }
  /** Days since 1970-01-01 of the local date. */
  day(ms: number): number {
    const [y, m, d] = this.ymd(ms);
    return Date.UTC(y, m - 1, d) / 86_400_000;
  }
  /** year * 12 + (month - 1) of the local date. */
  month(ms: number): number {
    const [y, m] = this.ymd(ms);
    return y * 12 + (m - 1);
  }
}

function monthLabel(month: number): string {
  return `${String(Math.floor(month / 12)).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;
}

export interface ReferenceOptions {
  readonly timeZone: string;
  readonly allowedLatenessMs: number;
  readonly babyMccs: readonly string[];
  /** VIP threshold for avg30, minor units; default 50,000,000. */
  readonly vipMinor?: number;
  /** POTENTIAL when avg30 >= avg30Ago * growthRatio; default 1.3. */
  readonly growthRatio?: number;
}

export interface ReferenceCounts {
  /** Transactions and channel events applied, plus profiles that replaced the stored one. */
  applied: number;
  /** Skipped: an eventId already applied within the lateness window. */
  duplicates: number;
  /** Not applied: occurredAt < watermark - allowedLatenessMs. */
  late: number;
  /** Profiles with an updatedAt below the stored one: no effect. */
  staleProfiles: number;
}

export interface ReferenceRun extends ReferenceCounts {
  readonly features: Map<string, FeatureView>;
  readonly perCustomer: Map<string, ReferenceCounts>;
  /** Lines of non-input topics. */
  readonly ignored: number;
}

interface AppliedEvent {
  /** Position among this customer's applied events (file order). */
  readonly seq: number;
  readonly occurredAt: number;
  readonly day: number;
  readonly tx: Transaction | null;
  readonly ce: ChannelEvent | null;
}

interface CustomerState {
  readonly customerId: string;
  watermark: number | null;
  /** Per input topic: the largest occurredAt applied from it. */
  readonly topicWatermarks: Map<string, number>;
  readonly events: AppliedEvent[];
  /** eventId -> largest occurredAt of an applied event with that id. */
  readonly eventIds: Map<string, number>;
  profile: CustomerProfile | null;
  readonly counts: ReferenceCounts;
}

// ---- exact arithmetic helpers ----

function toSafe(v: bigint, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`reference model: ${what} exceeds the safe integer range`);
  return n;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** A finite positive decimal number as an exact fraction: 1.3 -> [13n, 10n]. */
export function decimalFraction(x: number): readonly [bigint, bigint] {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(String(x));
  if (!m || !(x > 0)) throw new RangeError(`reference model: growthRatio must be a plain positive decimal, got ${x}`);
  const frac = m[2] ?? '';
  return [BigInt(m[1]! + frac), 10n ** BigInt(frac.length)];
}

function monthOfBirthDate(date: string): number {
  const [y, mo] = date.split('-').map(Number);
  return y! * 12 + (mo! - 1);
}

const isOutflow = (t: Transaction): boolean => t.type === 'TRANSFER_OUT' || t.type === 'WITHDRAWAL';
/** Events that make a counterparty "seen". */
const seesCounterparty = (t: Transaction): boolean => isOutflow(t) || t.type === 'TRANSFER_IN';

function newCounts(): ReferenceCounts {
  return { applied: 0, duplicates: 0, late: 0, staleProfiles: 0 };
}

// ---- folding ----

export function referenceRun(lines: Iterable<string>, opts: ReferenceOptions): ReferenceRun {
  const cal = new LocalCalendar(opts.timeZone);
  const customers = new Map<string, CustomerState>();
  const total = newCounts();
  let ignored = 0;

  const stateOf = (customerId: string): CustomerState => {
    let s = customers.get(customerId);
    if (!s) {
      s = { customerId, watermark: null, topicWatermarks: new Map(), events: [], eventIds: new Map(), profile: null, counts: newCounts() };
      customers.set(customerId, s);
    }
    return s;
  };
  const count = (s: CustomerState, k: keyof ReferenceCounts): void => {
    s.counts[k] += 1;
    total[k] += 1;
  };

  for (const line of lines) {
    if (line.trim() === '') continue;
    const rec = parseReplayLine(line);
    if (rec.topic === PROFILE_TOPIC) {
      const p = rec.value as CustomerProfile;
      const s = stateOf(p.customerId);
      if (s.profile === null || p.updatedAt > s.profile.updatedAt) {
        s.profile = p;
        count(s, 'applied');
      } else {
        count(s, 'staleProfiles');
      }
      continue;
    }
    if (rec.topic !== TX_TOPIC && rec.topic !== CE_TOPIC) {
      ignored += 1;
      continue;
    }
    const tx = rec.topic === TX_TOPIC ? (rec.value as Transaction) : null;
    const ce = rec.topic === CE_TOPIC ? (rec.value as ChannelEvent) : null;
    const ev = (tx ?? ce)!;
    const s = stateOf(ev.customerId);
    // Lateness and duplicates are judged per input topic: the topics are
    // consumed side by side, so one topic's progress must not make the other's
    // records late.
    const topicWatermark = s.topicWatermarks.get(rec.topic) ?? null;
    const idKey = `${rec.topic}\u0000${ev.eventId}`;
    if (topicWatermark !== null) {
      const horizon = topicWatermark - opts.allowedLatenessMs;
      if (ev.occurredAt < horizon) {
        count(s, 'late');
        continue;
      }
      const seenAt = s.eventIds.get(idKey);
      if (seenAt !== undefined && seenAt >= horizon) {
        count(s, 'duplicates');
        continue;
      }
    }
    s.events.push({ seq: s.events.length, occurredAt: ev.occurredAt, day: cal.day(ev.occurredAt), tx, ce });
    s.eventIds.set(idKey, Math.max(s.eventIds.get(idKey) ?? -Infinity, ev.occurredAt));
    s.topicWatermarks.set(rec.topic, topicWatermark === null ? ev.occurredAt : Math.max(topicWatermark, ev.occurredAt));
    s.watermark = s.watermark === null ? ev.occurredAt : Math.max(s.watermark, ev.occurredAt);
    count(s, 'applied');
  }

  const features = new Map<string, FeatureView>();
  const perCustomer = new Map<string, ReferenceCounts>();
  for (const s of customers.values()) {
    features.set(s.customerId, viewOf(s, cal, opts));
    perCustomer.set(s.customerId, { ...s.counts });
  }
  return { features, perCustomer, ignored, ...total };
}

export function referenceFeatures(lines: Iterable<string>, opts: ReferenceOptions): Map<string, FeatureView> {
  return referenceRun(lines, opts).features;
}

// ---- features as of the watermark ----

function profileView(p: CustomerProfile | null, asOf: number | null, cal: LocalCalendar): ProfileView | null {
  if (p === null) return null;
  const at = asOf ?? p.updatedAt;
  return {
    age: p.birthDate === null ? null : Math.floor((cal.month(at) - monthOfBirthDate(p.birthDate)) / 12),
    marketingConsent: p.marketingConsent,
    riskTolerance: p.riskTolerance,
    riskAssessedAt: p.riskAssessedAt,
    preferredChannels: [...p.preferredChannels],
    hasRelationshipManager: p.relationshipManagerId !== null,
    updatedAt: p.updatedAt,
  };
}

const ZERO: Tally = { sumMinor: 0, count: 0 };

function tally(items: readonly Transaction[], what: string): Tally {
  let sum = 0n;
  for (const t of items) sum += BigInt(t.amountMinor);
  return { sumMinor: toSafe(sum, what), count: items.length };
}

/** The later of two applications: larger occurredAt, ties the later in file order. */
const laterThan = (a: AppliedEvent, b: AppliedEvent): boolean =>
  a.occurredAt > b.occurredAt || (a.occurredAt === b.occurredAt && a.seq > b.seq);

function lastMonths(months: Iterable<number>): string[] {
  return [...new Set(months)].sort((a, b) => a - b).slice(-13).map(monthLabel);
}

function viewOf(s: CustomerState, cal: LocalCalendar, opts: ReferenceOptions): FeatureView {
  const asOf = s.watermark;
  const profile = profileView(s.profile, asOf, cal);
  if (asOf === null) {
    return {
      customerId: s.customerId,
      asOf: null,
      depositsMinor: 0,
      holdingsMinor: 0,
      assetsMinor: 0,
      avg30Minor: 0,
      avg30AgoMinor: 0,
      tier: 'ORDINARY',
      outflow1h: ZERO,
      outflow24h: ZERO,
      newCounterpartyOutflow1h: ZERO,
      maxOutflow90dMinor: 0,
      counterparties90d: 0,
      highRiskStreak: 0,
      mortgageInterest30d: 0,
      babyMonths: [],
      salaryMonths: [],
      lastInvestmentAt: null,
      profile,
    };
  }

  const today = cal.day(asOf);
  const slotNow = Math.floor(asOf / SLOT_MS);
  const slotOf = (ms: number): number => Math.floor(ms / SLOT_MS);
  const txs = s.events.filter((e): e is AppliedEvent & { tx: Transaction } => e.tx !== null);

  // -- money now --
  const latestPerAccount = new Map<string, AppliedEvent & { tx: Transaction }>();
  let net = 0n;
  for (const e of txs) {
    const cur = latestPerAccount.get(e.tx.accountId);
    if (!cur || laterThan(e, cur)) latestPerAccount.set(e.tx.accountId, e);
    if (e.tx.type === 'PRODUCT_PURCHASE') net += BigInt(e.tx.amountMinor);
    if (e.tx.type === 'PRODUCT_REDEMPTION') net -= BigInt(e.tx.amountMinor);
  }
  let deposits = 0n;
  for (const e of latestPerAccount.values()) deposits += BigInt(e.tx.balanceAfterMinor);
  const holdings = net > 0n ? net : 0n;

  // -- end-of-day series, firstDay .. today --
  let firstDay = today;
  for (const e of s.events) firstDay = Math.min(firstDay, e.day);
  const byDay = new Map<number, AppliedEvent[]>();
  for (const e of s.events) {
    const list = byDay.get(e.day);
    if (list) list.push(e);
    else byDay.set(e.day, [e]);
  }
  const eod: bigint[] = []; // eod[d - firstDay]
  {
    const best = new Map<string, AppliedEvent & { tx: Transaction }>();
    let dep = 0n;
    let n = 0n;
    for (let d = firstDay; d <= today; d++) {
      for (const e of byDay.get(d) ?? []) {
        if (e.tx === null) continue;
        const t = e.tx;
        const cur = best.get(t.accountId);
        if (!cur || laterThan(e, cur)) {
          dep += BigInt(t.balanceAfterMinor) - (cur ? BigInt(cur.tx.balanceAfterMinor) : 0n);
          best.set(t.accountId, e as AppliedEvent & { tx: Transaction });
        }
        if (t.type === 'PRODUCT_PURCHASE') n += BigInt(t.amountMinor);
        if (t.type === 'PRODUCT_REDEMPTION') n -= BigInt(t.amountMinor);
      }
      eod.push(dep + (n > 0n ? n : 0n));
    }
  }
  const avg30 = (d: number): bigint => {
    let sum = 0n;
    let k = 0n;
    for (let x = Math.max(d - 29, firstDay); x <= Math.min(d, today); x++) {
      sum += eod[x - firstDay]!;
      k += 1n;
    }
    return k === 0n ? 0n : floorDiv(sum, k);
  };
  const avgNow = avg30(today);
  const avgAgo = avg30(today - 180);

  // -- tier --
  const [num, den] = decimalFraction(opts.growthRatio ?? 1.3);
  let tier: CustomerTier = 'ORDINARY';
  if (avgNow >= BigInt(opts.vipMinor ?? 50_000_000)) tier = 'VIP';
  else if (avgAgo > 0n && avgNow * den >= avgAgo * num) tier = 'POTENTIAL';

  // -- outflows and counterparties --
  const outflows = txs.filter((e) => isOutflow(e.tx));
  const in1h = outflows.filter((e) => slotOf(e.occurredAt) >= slotNow - 11 && slotOf(e.occurredAt) <= slotNow);
  const in24h = outflows.filter((e) => slotOf(e.occurredAt) >= slotNow - 287 && slotOf(e.occurredAt) <= slotNow);
  const sightings = new Map<string, AppliedEvent[]>(); // accountRef -> seeing events, file order
  for (const e of txs) {
    if (e.tx.counterparty === null || !seesCounterparty(e.tx)) continue;
    const list = sightings.get(e.tx.counterparty.accountRef);
    if (list) list.push(e);
    else sightings.set(e.tx.counterparty.accountRef, [e]);
  }
  const isNewCounterparty = (o: AppliedEvent & { tx: Transaction }): boolean => {
    const cp = o.tx.counterparty;
    if (cp === null) return false;
    const seen = (sightings.get(cp.accountRef) ?? []).some((e) => e.seq < o.seq && e.day >= o.day - 89 && e.day <= o.day);
    return !seen;
  };
  let maxOutflow = 0;
  for (const e of outflows) {
    if (e.day >= today - 89 && e.day <= today) maxOutflow = Math.max(maxOutflow, e.tx.amountMinor);
  }
  const counterparties = new Set<string>();
  for (const [ref, list] of sightings) {
    if (list.some((e) => e.day >= today - 89 && e.day <= today)) counterparties.add(ref);
  }

  // -- mortgage interest --
  let mortgage = 0;
  for (const e of s.events) {
    const c = e.ce;
    if (c === null || c.topic !== 'MORTGAGE' || (c.action !== 'RATE_QUERY' && c.action !== 'CALCULATOR')) continue;
    if (e.day >= today - 29 && e.day <= today) mortgage += 1;
  }

  // -- products --
  const purchases = txs
    .filter((e) => e.tx.type === 'PRODUCT_PURCHASE' && e.tx.product !== null)
    .sort((a, b) => a.occurredAt - b.occurredAt || a.seq - b.seq);
  let streak = 0;
  for (const e of purchases) {
    const p = e.tx.product!;
    streak = p.riskLevel >= 4 || p.category === 'PRIVATE_EQUITY' ? streak + 1 : 0;
  }
  let lastInvestmentAt: number | null = null;
  for (const e of purchases) {
    const c = e.tx.product!.category;
    if (c === 'DEPOSIT' || c === 'INSURANCE') continue;
    lastInvestmentAt = lastInvestmentAt === null ? e.occurredAt : Math.max(lastInvestmentAt, e.occurredAt);
  }

  // -- months --
  const baby = new Set(opts.babyMccs);
  const babyMonths = lastMonths(
    txs
      .filter((e) => e.tx.type === 'CARD_PURCHASE' && e.tx.merchantCategory !== null && baby.has(e.tx.merchantCategory))
      .map((e) => cal.month(e.occurredAt)),
  );
  const salaryMonths = lastMonths(txs.filter((e) => e.tx.type === 'SALARY_CREDIT').map((e) => cal.month(e.occurredAt)));

  return {
    customerId: s.customerId,
    asOf,
    depositsMinor: toSafe(deposits, 'depositsMinor'),
    holdingsMinor: toSafe(holdings, 'holdingsMinor'),
    assetsMinor: toSafe(deposits + holdings, 'assetsMinor'),
    avg30Minor: toSafe(avgNow, 'avg30Minor'),
    avg30AgoMinor: toSafe(avgAgo, 'avg30AgoMinor'),
    tier,
    outflow1h: tally(in1h.map((e) => e.tx), 'outflow1h'),
    outflow24h: tally(in24h.map((e) => e.tx), 'outflow24h'),
    newCounterpartyOutflow1h: tally(in1h.filter(isNewCounterparty).map((e) => e.tx), 'newCounterpartyOutflow1h'),
    maxOutflow90dMinor: maxOutflow,
    counterparties90d: counterparties.size,
    highRiskStreak: streak,
    mortgageInterest30d: mortgage,
    babyMonths,
    salaryMonths,
    lastInvestmentAt,
    profile,
  };
}
