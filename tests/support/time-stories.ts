// The time stories' comparison (issue 13), shared by the pure pipeline's
// test and the two service tests (fault-free and after kill -9): an output
// and a label are reduced to the same key — topic, rule, trigger, priority,
// due time and, for outreach, kind and offer — and a planted customer's
// outputs of the rules its labels and near misses name must be exactly its
// labelled ones.
import { parseReplayLine } from '../../src/events/json-form.ts';
import { parseInstant } from '../../src/events/time.ts';
import { TOPICS } from '../../src/events/topics.ts';
import type { FraudCheckTask, OutreachTask, Suppression } from '../../src/events/types.ts';
import type { Harness } from './harness.ts';
import { channel } from './events.ts';
import { expectedFor, fraudCheckTrigger, nearMissesFor, type ExpectedOutput, type Labels, type PlantedCustomer } from '../../src/generate/index.ts';

export interface StoryOutputs {
  readonly fraudChecks: readonly FraudCheckTask[];
  readonly outreach: readonly OutreachTask[];
  readonly suppressions: readonly Suppression[];
}

export interface StoryKey {
  readonly customerId: string;
  readonly ruleId: string;
  readonly key: string;
}

/** Every output as a key (an escalation's trigger is the timer of the check it escalates). */
export function outputKeys(out: StoryOutputs): StoryKey[] {
  return [
    ...out.fraudChecks.map((t) => ({ customerId: t.customerId, ruleId: t.ruleId, key: `${TOPICS.fraudCheckTasks}|${t.ruleId}|${fraudCheckTrigger(t)}|${t.priority}|${t.dueBy}` })),
    ...out.outreach.map((t) => ({ customerId: t.customerId, ruleId: t.ruleId, key: `${TOPICS.outreachTasks}|${t.ruleId}|${t.sourceEventIds.at(-1)}|${t.priority}|${t.dueBy}|${t.kind}|${t.offerCode}` })),
    ...out.suppressions.map((x) => ({ customerId: x.customerId, ruleId: x.ruleId, key: `${TOPICS.suppressions}|${x.ruleId}|${x.sourceEventIds.at(-1)}|${x.reason}` })),
  ];
}

/** A label as the key of the output it stands for. */
export function labelKey(e: ExpectedOutput): string {
  if (e.topic === TOPICS.fraudCheckTasks) return `${e.topic}|${e.ruleId}|${e.triggerEventId}|${e.priority}|${parseInstant(e.dueBy!)}`;
  if (e.topic === TOPICS.outreachTasks) return `${e.topic}|${e.ruleId}|${e.triggerEventId}|${e.priority}|${parseInstant(e.dueBy!)}|${e.kind}|${e.offerCode}`;
  return `${e.topic}|${e.ruleId}|${e.triggerEventId}|${e.suppressionReason}`;
}

/** The rules a planted customer's `timers` labels and near misses name. */
export function storyRules(labels: Pick<Labels, 'expected' | 'nearMisses'>, customerId: string): Set<string> {
  return new Set([...expectedFor(labels, 'timers').filter((e) => e.customerId === customerId).map((e) => e.ruleId), ...nearMissesFor(labels, 'timers').filter((n) => n.customerId === customerId).map((n) => n.ruleId)]);
}

/** One line per planted customer whose outputs of its stories' rules are not exactly its `timers` labels. */
export function storyMismatches(labels: Pick<Labels, 'expected' | 'nearMisses'>, planted: readonly PlantedCustomer[], out: StoryOutputs): string[] {
  const got = outputKeys(out);
  const expected = expectedFor(labels, 'timers');
  const problems: string[] = [];
  for (const p of planted) {
    const rules = storyRules(labels, p.customerId);
    const mineGot = got.filter((g) => g.customerId === p.customerId && rules.has(g.ruleId)).map((g) => g.key).sort();
    const mineWant = expected.filter((e) => e.customerId === p.customerId).map(labelKey).sort();
    if (JSON.stringify(mineGot) !== JSON.stringify(mineWant)) problems.push(`${p.scenario} ${p.customerId}: want ${JSON.stringify(mineWant)} got ${JSON.stringify(mineGot)}`);
  }
  return problems;
}

/** Customers of one login each at the horizon: enough keys that every partition gets one. */
export const HORIZON_KEYS = 60;

/**
 * With the clock off, a shard's stream time is the largest event time it has
 * applied: a login at the lines' last event time on HORIZON_KEYS keys of
 * their own brings every shard there, so every timer due by then fires.
 * Returns how many records it produced.
 */
export async function reachHorizon(h: Harness, lines: readonly string[]): Promise<number> {
  let horizon = -Infinity;
  for (const l of lines) {
    const r = parseReplayLine(l);
    if (r.topic !== TOPICS.customerProfiles) horizon = Math.max(horizon, (r.value as { occurredAt: number }).occurredAt);
  }
  const iso = new Date(horizon).toISOString();
  for (let i = 0; i < HORIZON_KEYS; i++) await h.produce(TOPICS.channelEvents, channel(`HZN${String(i).padStart(4, '0')}`, iso));
  return HORIZON_KEYS;
}
