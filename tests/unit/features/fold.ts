// Folds replay lines (the generator's JSONL) through the pure feature engine,
// customer by customer in file order — the reference model's reading of a
// file — so the two can be compared.
import { parseReplayLine } from '../../../src/events/json-form.ts';
import { TOPICS, type InputTopic } from '../../../src/events/topics.ts';
import type { ChannelEvent, CustomerProfile, Transaction } from '../../../src/events/types.ts';
import { apply, BusinessCalendar, emptyState, featureView, type ApplyStatus, type CustomerState, type FeatureOptions, type FeatureRecord } from '../../../src/features/index.ts';
import type { FeatureView } from '../../../src/state/feature-view.ts';

export interface FoldOptions {
  readonly timeZone: string;
  readonly allowedLatenessMs: number;
  /** Default 7 days (DUPLICATE_WINDOW_DAYS' default). */
  readonly duplicateWindowMs?: number;
  readonly babyMccs: readonly string[];
  readonly tiers?: { readonly vipMinor: number; readonly growthPercent: number };
}

export function featureOptions(o: FoldOptions): FeatureOptions {
  return { calendar: new BusinessCalendar(o.timeZone), allowedLatenessMs: o.allowedLatenessMs, duplicateWindowMs: o.duplicateWindowMs ?? 7 * 86_400_000, babyMccs: new Set(o.babyMccs), pseudonym: (v) => `p:${v}` };
}

/** A record of a replay line, at the next offset of its topic (partition 0). */
export function recordsOf(lines: Iterable<string>): FeatureRecord[] {
  const offsets = new Map<string, number>();
  const out: FeatureRecord[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const r = parseReplayLine(line);
    if (r.topic !== TOPICS.transactions && r.topic !== TOPICS.channelEvents && r.topic !== TOPICS.customerProfiles) continue;
    const offset = offsets.get(r.topic) ?? 0;
    offsets.set(r.topic, offset + 1);
    const ref = { topic: r.topic as InputTopic, partition: 0, offset };
    if (r.topic === TOPICS.transactions) out.push({ ref, kind: 'transaction', event: r.value as Transaction });
    else if (r.topic === TOPICS.channelEvents) out.push({ ref, kind: 'channel', event: r.value as ChannelEvent });
    else out.push({ ref, kind: 'profile', event: r.value as CustomerProfile });
  }
  return out;
}

export interface Folded {
  readonly states: Map<string, CustomerState>;
  readonly features: Map<string, FeatureView>;
  readonly statuses: Record<ApplyStatus, number>;
}

export function fold(lines: Iterable<string>, o: FoldOptions): Folded {
  const opts = featureOptions(o);
  const states = new Map<string, CustomerState>();
  const statuses: Record<ApplyStatus, number> = { APPLIED: 0, DUPLICATE_OFFSET: 0, DUPLICATE_EVENT: 0, LATE: 0, STALE_PROFILE: 0, CONFLICT: 0 };
  for (const r of recordsOf(lines)) {
    const id = r.event.customerId;
    const res = apply(states.get(id) ?? emptyState(), r, opts);
    states.set(id, res.state);
    statuses[res.status]++;
  }
  const features = new Map<string, FeatureView>();
  for (const [id, s] of states) {
    const profileMonth = s.profile ? opts.calendar.month(s.profile.updatedAt) : undefined;
    features.set(id, featureView(id, s, o.tiers, profileMonth));
  }
  return { states, features, statuses };
}
