/**
 * The offline what-if of `carestream rules backtest`: two rule sets over the
 * same history (the replay JSONL the generator writes), through the same pure
 * code the service runs — validation (src/events/validate.ts), the feature
 * engine (src/features/), the rules, the contact policy and task building
 * (decideBatch of src/pipeline/decide.ts, called per event) — with no Kafka
 * and no Redis. Pure: the caller reads the file and prints the result.
 *
 * Order, as the service's: each customer's records by event time (profiles by
 * updatedAt), merging the three input topics with ties going by topic
 * (transactions, channel events, profiles), each topic in file order — the
 * order a task gives them (src/pipeline/task-queue.ts). When a topic's records
 * of one partition are themselves out of event-time order the service merges
 * at partition level, so the interleaving with other topics can differ there;
 * generated files are in order.
 *
 * Validation's time bounds are judged against `nowMs` (default: the latest
 * event time of the history), not the clock, so a backtest gives the same
 * answer whenever it runs. Tasks carry `createdAt` = `createdAt` (default 0).
 */
import { parseReplayLine } from '../events/json-form.ts';
import { TOPICS, type InputTopic } from '../events/topics.ts';
import { validateEvent, type InputLimits } from '../events/validate.ts';
import type { ChannelEvent, CustomerProfile, FraudCheckTask, OutreachTask, Suppression, Transaction } from '../events/types.ts';
import { applyEach, BusinessCalendar, emptyState, recordContacts, type CustomerState, type FeatureRecord } from '../features/index.ts';
import { keyProblem } from '../pipeline/decode.ts';
import { decideBatch } from '../pipeline/decide.ts';
import type { RuleSet } from '../rules/config.ts';
import { STATUS, type CustomerFacts } from '../state/store.ts';

const DAY_MS = 86_400_000;
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

export const DEFAULT_BACKTEST_SETTINGS: BacktestSettings = Object.freeze({
  timeZone: 'Asia/Shanghai',
  allowedLatenessMs: 3_600_000,
  duplicateWindowMs: 7 * DAY_MS,
  babyMccs: Object.freeze(['5641', '5945']),
  maxFutureSkewMs: 300_000,
  maxEventAgeMs: 400 * DAY_MS,
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

interface Pending {
  readonly record: FeatureRecord;
  readonly time: number;
  readonly rank: number;
  readonly seq: number;
}

/** A replay line that does not parse: the line number, never its content. */
export class HistoryLineError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'HistoryLineError';
    this.line = line;
  }
}

/**
 * The history's input records per customer, validated, in the order the
 * service applies them. Throws HistoryLineError for a line that is not a
 * replay line (the replay command refuses it too).
 */
export function readHistory(history: Iterable<string>, s: BacktestSettings): { customers: Map<string, FeatureRecord[]>; tally: Pick<HistoryTally, 'lines' | 'ignored' | 'invalid'> } {
  const parsed: { topic: InputTopic; key: string | null; value: unknown; time: number }[] = [];
  let lines = 0;
  let ignored = 0;
  let invalid = 0;
  let latest = -Infinity;
  for (const line of history) {
    lines++;
    if (line.trim() === '' || line.startsWith('#')) continue;
    let r;
    try {
      r = parseReplayLine(line);
    } catch (err) {
      throw new HistoryLineError(lines, (err as Error).message);
    }
    if (r.topic !== TOPICS.transactions && r.topic !== TOPICS.channelEvents && r.topic !== TOPICS.customerProfiles) {
      ignored++;
      continue;
    }
    const v = r.value as { occurredAt?: number; updatedAt?: number };
    const time = r.topic === TOPICS.customerProfiles ? v.updatedAt! : v.occurredAt!;
    if (time > latest) latest = time;
    parsed.push({ topic: r.topic, key: r.key, value: r.value, time });
  }
  const bounds = { nowMs: s.nowMs ?? latest, maxFutureSkewMs: s.maxFutureSkewMs, maxAgeMs: s.maxEventAgeMs };
  const pending = new Map<string, Pending[]>();
  const offsets: Record<string, number> = {};
  let seq = 0;
  for (const p of parsed) {
    // Offsets count per topic in file order: the order a partition would have.
    const offset = (offsets[p.topic] = (offsets[p.topic] ?? -1) + 1);
    const valid = validateEvent(p.topic, p.value, bounds, s.limits);
    if (!valid.ok) {
      invalid++;
      continue;
    }
    const customerId = (valid.event as { customerId: string }).customerId;
    if (keyProblem(p.key === null ? null : Buffer.from(p.key, 'utf8'), customerId)) {
      invalid++;
      continue;
    }
    const ref = { topic: p.topic, partition: 0, offset };
    const record: FeatureRecord =
      p.topic === TOPICS.transactions ? { ref, kind: 'transaction', event: valid.event as Transaction }
      : p.topic === TOPICS.channelEvents ? { ref, kind: 'channel', event: valid.event as ChannelEvent }
      : { ref, kind: 'profile', event: valid.event as CustomerProfile };
    let list = pending.get(customerId);
    if (!list) pending.set(customerId, (list = []));
    list.push({ record, time: p.time, rank: TOPIC_RANK[p.topic], seq: seq++ });
  }
  const customers = new Map<string, FeatureRecord[]>();
  for (const [id, list] of pending) customers.set(id, mergeByTime(list));
  return { customers, tally: { lines, ignored, invalid } };
}

/** The task queue's merge: the oldest head among the topics, ties by topic rank; each topic keeps its own order. */
function mergeByTime(list: readonly Pending[]): FeatureRecord[] {
  const queues: Pending[][] = [[], [], []];
  for (const p of list) queues[p.rank]!.push(p);
  const heads = [0, 0, 0];
  const out: FeatureRecord[] = [];
  for (;;) {
    let best = -1;
    for (let t = 0; t < 3; t++) {
      const q = queues[t]!;
      if (heads[t]! >= q.length) continue;
      if (best < 0 || q[heads[t]!]!.time < queues[best]![heads[best]!]!.time) best = t;
    }
    if (best < 0) return out;
    out.push(queues[best]![heads[best]!++]!.record);
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

/**
 * Runs rule sets over the history: the features once per customer, the
 * decisions once per rule set, each with its own contact history.
 */
export function runRuleSets(ruleSets: readonly RuleSet[], history: Iterable<string>, settings: BacktestSettings = DEFAULT_BACKTEST_SETTINGS): { outputs: Outputs[]; tally: HistoryTally } {
  const calendar = new BusinessCalendar(settings.timeZone);
  const options = { calendar, allowedLatenessMs: settings.allowedLatenessMs, duplicateWindowMs: settings.duplicateWindowMs, babyMccs: new Set(settings.babyMccs), pseudonym: (v: string) => v };
  const keepMs = settings.keepContactsMs ?? 60 * DAY_MS;
  const createdAt = settings.createdAt ?? 0;
  const { customers, tally: read } = readHistory(history, settings);
  const outputs: Outputs[] = ruleSets.map(() => ({ fraudChecks: [], outreach: [], suppressions: [] }));
  let applied = 0, skipped = 0, late = 0, conflicts = 0;
  for (const records of customers.values()) {
    // The contact history per rule set: what each one issued.
    const contacts = ruleSets.map(() => emptyState());
    applyEach(emptyState(), records, options, (record, r, state) => {
      if (r.status === 'APPLIED') applied++;
      else if (r.status === 'LATE') late++;
      else if (r.status === 'CONFLICT') conflicts++;
      else skipped++;
      if (record.kind === 'profile' || !r.before || !r.after) return;
      const item = { record, outcome: { status: STATUS.APPLIED, before: r.before, after: r.after } };
      const base = factsOf(state);
      ruleSets.forEach((ruleSet, i) => {
        const facts = { ...base, contacts: contacts[i]!.contacts };
        const d = decideBatch({ applied: [item], customers: new Map([[record.event.customerId, facts]]), ruleSet, calendar, now: createdAt });
        const out = outputs[i]!;
        out.fraudChecks.push(...d.fraudChecks);
        out.outreach.push(...d.outreach);
        out.suppressions.push(...d.suppressions);
        for (const rec of d.records) contacts[i] = recordContacts(contacts[i]!, rec.contacts, keepMs);
      });
    });
  }
  return { outputs, tally: { ...read, applied, skipped, late, conflicts } };
}

// ---- the diff ----

export interface ExampleChange {
  readonly customerId: string;
  readonly change: 'added' | 'removed';
  readonly output: 'task' | 'suppression';
  readonly taskId: string;
  /** Suppressions: why it was held back. */
  readonly reason?: string;
  readonly reasons?: readonly string[];
  readonly evidence: Readonly<Record<string, string>>;
}

export interface RuleDiff {
  readonly ruleId: string;
  readonly tasks: { readonly base: number; readonly candidate: number; readonly added: number; readonly removed: number };
  readonly suppressions: { readonly base: number; readonly candidate: number; readonly added: number; readonly removed: number };
  /** Up to `examples` customers with an added or removed output, with its evidence. */
  readonly examples: readonly ExampleChange[];
}

export interface BacktestResult {
  readonly base: { readonly version: string; readonly outputs: Outputs };
  readonly candidate: { readonly version: string; readonly outputs: Outputs };
  /** Rules with any task or suppression, by rule id. */
  readonly rules: readonly RuleDiff[];
  readonly tally: HistoryTally;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface Keyed {
  readonly key: string;
  readonly ruleId: string;
  readonly example: Omit<ExampleChange, 'change'>;
}

function keyedOutputs(o: Outputs): Keyed[] {
  const tasks = [...o.fraudChecks, ...o.outreach].map((t) => ({
    key: `task:${t.taskId}`,
    ruleId: t.ruleId,
    example: { customerId: t.customerId, output: 'task' as const, taskId: t.taskId, reasons: t.reasons, evidence: t.evidence },
  }));
  // A suppression is the task id it would have had and the reason: another reason is another suppression.
  const suppressions = o.suppressions.map((s) => ({
    key: `suppression:${s.evidence.taskId}:${s.reason}`,
    ruleId: s.ruleId,
    example: { customerId: s.customerId, output: 'suppression' as const, taskId: s.evidence.taskId ?? '', reason: s.reason, evidence: s.evidence },
  }));
  return [...tasks, ...suppressions];
}

/**
 * Per rule: tasks and suppressions the candidate adds and removes against
 * the base (by task id; suppressions by task id and reason), with up to
 * `examples` example customers (one example per customer, first by customer
 * id) and their evidence.
 */
export function diffOutputs(base: Outputs, candidate: Outputs, examples: number): RuleDiff[] {
  const a = keyedOutputs(base);
  const b = keyedOutputs(candidate);
  const inA = new Set(a.map((x) => x.key));
  const inB = new Set(b.map((x) => x.key));
  const rules = new Map<string, { tb: number; tc: number; ta: number; tr: number; sb: number; sc: number; sa: number; sr: number; ex: ExampleChange[] }>();
  const of = (id: string) => {
    let r = rules.get(id);
    if (!r) rules.set(id, (r = { tb: 0, tc: 0, ta: 0, tr: 0, sb: 0, sc: 0, sa: 0, sr: 0, ex: [] }));
    return r;
  };
  for (const x of a) {
    const r = of(x.ruleId);
    const task = x.example.output === 'task';
    if (task) r.tb++; else r.sb++;
    if (!inB.has(x.key)) {
      if (task) r.tr++; else r.sr++;
      r.ex.push({ ...x.example, change: 'removed' });
    }
  }
  for (const x of b) {
    const r = of(x.ruleId);
    const task = x.example.output === 'task';
    if (task) r.tc++; else r.sc++;
    if (!inA.has(x.key)) {
      if (task) r.ta++; else r.sa++;
      r.ex.push({ ...x.example, change: 'added' });
    }
  }
  return [...rules.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([ruleId, r]) => {
      const seen = new Set<string>();
      const picked: ExampleChange[] = [];
      for (const e of [...r.ex].sort((x, y) => cmp(x.customerId, y.customerId) || cmp(x.taskId, y.taskId) || cmp(x.change, y.change))) {
        if (picked.length >= examples) break;
        if (seen.has(e.customerId)) continue;
        seen.add(e.customerId);
        picked.push(e);
      }
      return {
        ruleId,
        tasks: { base: r.tb, candidate: r.tc, added: r.ta, removed: r.tr },
        suppressions: { base: r.sb, candidate: r.sc, added: r.sa, removed: r.sr },
        examples: picked,
      };
    });
}

export interface BacktestInput {
  readonly base: RuleSet;
  readonly candidate: RuleSet;
  /** Replay lines (`{"topic","key"?,"value"}`), e.g. a file's lines. */
  readonly history: Iterable<string>;
  /** Example customers per rule (default 3). */
  readonly examples?: number;
  readonly settings?: BacktestSettings;
}

/**
 * `carestream rules backtest`: both rule sets over the same history, and per
 * rule what the candidate adds and removes. Throws HistoryLineError for a
 * line that is not a replay line.
 */
export function backtest(input: BacktestInput): BacktestResult {
  const { outputs, tally } = runRuleSets([input.base, input.candidate], input.history, input.settings);
  return {
    base: { version: input.base.version, outputs: outputs[0]! },
    candidate: { version: input.candidate.version, outputs: outputs[1]! },
    rules: diffOutputs(outputs[0]!, outputs[1]!, input.examples ?? 3),
    tally,
  };
}
