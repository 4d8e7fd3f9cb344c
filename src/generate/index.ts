// `carestream generate`: a deterministic JSONL replay file (docs/EVENTS.md format)
// of a synthetic retail-bank population, plus labels saying exactly which
// tasks and suppressions a correct carestream must emit for it.
//
// File layout: every profile first (one instant, PROFILE_LEAD_DAYS before the
// first event, so consent/age/tolerance are known before any behaviour and
// no avg30 window ever contains the profile's day together with a
// transaction), then all events sorted by event time, ties by customer
// number and creation order. Generated one business day at a time, so memory
// is bounded by one day of the population.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { formatReplayLine } from '../events/json-form.ts';
import { DEFAULT_TIME_ZONE } from '../events/time.ts';
import type { EventOf, InputEvent } from '../events/types.ts';
import { BackgroundCustomer, type PopulationContext } from './background.ts';
import { BusinessCalendar, isoDate, MAX_DAYS, parseIsoDate } from './calendar.ts';
import type { ExpectedOutput, Labels } from './labels.ts';
import { compareRecords, type GenRecord } from './ledger.ts';
import { buildScenarios, earliestDay, placeScenarios, PROFILE_LEAD_DAYS, type PlannedCustomer } from './scenarios/index.ts';

export type { ExpectedOutput, LabelMode, Labels, NearMiss, PlantedCustomer } from './labels.ts';
export { expectedFor, fraudCheckTrigger, nearMissesFor } from './labels.ts';
export { AMBIGUOUS_BY_DESIGN } from './scenarios/index.ts';
export { checkReplayLines, type CheckedOutput, type CheckResult } from './checker.ts';

export interface GenerateOptions {
  readonly seed: number;
  readonly customers: number;
  readonly days: number;
  /** First business day of the stream, `YYYY-MM-DD`, business-local. */
  readonly start: string;
  /** Business time zone; default Asia/Shanghai. */
  readonly timeZone?: string;
  /** Plant the labelled scenarios (default true). */
  readonly scenarios?: boolean;
}

export interface Generated {
  /** JSONL lines without newline. Re-iterable: each iteration regenerates the same lines. */
  readonly lines: Iterable<string>;
  readonly labels: Labels;
}

export { MAX_DAYS };

function validate(o: GenerateOptions): void {
  if (!Number.isSafeInteger(o.seed)) throw new RangeError('seed must be an integer');
  if (!Number.isSafeInteger(o.customers) || o.customers < 1) throw new RangeError('customers must be a positive integer');
  if (!Number.isSafeInteger(o.days) || o.days < 1 || o.days > MAX_DAYS) throw new RangeError(`days must be an integer from 1 to ${MAX_DAYS}`);
  if (o.customers > 999_999) throw new RangeError('customers must be at most 999,999 (customer ids have six digits)');
}

interface Plan {
  readonly calendar: BusinessCalendar;
  readonly ctx: PopulationContext;
  readonly firstDay: number;
  readonly planted: ReadonlyMap<number, PlannedCustomer>;
  readonly scenarioByDay: ReadonlyMap<number, GenRecord[]>;
  readonly labels: Labels;
}

function plan(options: GenerateOptions): Plan {
  validate(options);
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const calendar = new BusinessCalendar(timeZone);
  const startDay = parseIsoDate(options.start);
  const endDay = startDay + options.days - 1;
  const placements = options.scenarios === false ? [] : placeScenarios(options.seed, options.customers, startDay, endDay);
  const firstDay = earliestDay(placements, startDay);
  const profileDay = firstDay - PROFILE_LEAD_DAYS;
  const profileAt = calendar.time(profileDay, 9);
  const plannedList = buildScenarios(options.seed, calendar, placements, profileAt, profileDay);

  const planted = new Map<number, PlannedCustomer>();
  const scenarioByDay = new Map<number, GenRecord[]>();
  for (const p of plannedList) {
    planted.set(p.customerNumber, p);
    for (const r of p.records.slice(1)) {
      const day = calendar.dayOf(r.at);
      if (day < firstDay || day > endDay) throw new Error(`scenario ${p.scenario} has an event outside the file (${isoDate(day)})`);
      const list = scenarioByDay.get(day);
      if (list) list.push(r);
      else scenarioByDay.set(day, [r]);
    }
  }

  const byKey = (e: ExpectedOutput): string => `${e.customerId}\u0000${e.triggerEventId}\u0000${e.ruleId}`;
  const expected = plannedList.flatMap((p) => p.expected).sort((a, b) => (byKey(a) < byKey(b) ? -1 : byKey(a) > byKey(b) ? 1 : 0));
  const labels: Labels = {
    seed: options.seed,
    customers: options.customers,
    days: options.days,
    start: options.start,
    timeZone,
    expected,
    nearMisses: plannedList.flatMap((p) => p.nearMisses),
    planted: plannedList.map((p) => ({ customerId: p.customerId, scenario: p.scenario })).sort((a, b) => (a.customerId < b.customerId ? -1 : 1)),
  };
  return {
    calendar,
    ctx: { seed: options.seed, calendar, startDay, endDay, profileAt },
    firstDay,
    planted,
    scenarioByDay,
    labels,
  };
}

function format(r: GenRecord, timeZone: string): string {
  return formatReplayLine({ topic: r.topic, value: r.value as EventOf<typeof r.topic> & InputEvent }, timeZone);
}

function* records(p: Plan, customers: number): Generator<GenRecord> {
  // Background customers are built fresh for every pass: they hold running state.
  const background: BackgroundCustomer[] = [];
  const profiles: GenRecord[] = [];
  for (let n = 1; n <= customers; n++) {
    const planted = p.planted.get(n);
    if (planted) {
      profiles.push(planted.records[0] as GenRecord);
    } else {
      const c = new BackgroundCustomer(n, p.ctx);
      background.push(c);
      profiles.push(c.profileRecord);
    }
  }
  profiles.sort(compareRecords);
  yield* profiles;
  for (let day = p.firstDay; day <= p.ctx.endDay; day++) {
    const today: GenRecord[] = [...(p.scenarioByDay.get(day) ?? [])];
    if (day >= p.ctx.startDay) for (const c of background) for (const r of c.dayRecords(day)) today.push(r);
    today.sort(compareRecords);
    yield* today;
  }
}

/** Generates the replay lines (lazily) and the labels. Same options, same bytes. */
export function generate(options: GenerateOptions): Generated {
  const p = plan(options);
  const tz = p.calendar.timeZone;
  const lines: Iterable<string> = {
    *[Symbol.iterator]() {
      for (const r of records(p, options.customers)) yield format(r, tz);
    },
  };
  return { lines, labels: p.labels };
}

/**
 * Streams the events to `eventsPath` (JSONL, one line per event, trailing
 * newline) and writes the labels as pretty JSON to `labelsPath`.
 */
export async function writeGenerated(
  options: GenerateOptions,
  eventsPath: string,
  labelsPath: string,
): Promise<{ readonly events: number; readonly labels: Labels }> {
  const { lines, labels } = generate(options);
  const out = createWriteStream(eventsPath, { encoding: 'utf8' });
  const closed = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
  });
  let events = 0;
  let chunk: string[] = [];
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const ok = out.write(`${chunk.join('\n')}\n`);
    chunk = [];
    if (!ok) await Promise.race([once(out, 'drain'), closed]);
  };
  try {
    for (const line of lines) {
      chunk.push(line);
      events++;
      if (chunk.length >= 2_000) await flush();
    }
    await flush();
  } finally {
    out.end();
  }
  await closed;
  await writeFile(labelsPath, `${JSON.stringify(labels, null, 2)}\n`, 'utf8');
  return { events, labels };
}
