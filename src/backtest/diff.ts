// What a candidate rule set changes against the base, per rule: the diff
// behind `carestream rules backtest`.
import type { Outputs } from './run.ts';

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
  /** Every change: task ids, and suppressions as `<taskId> <reason>`, sorted. */
  readonly changes: {
    readonly addedTasks: readonly string[];
    readonly removedTasks: readonly string[];
    readonly addedSuppressions: readonly string[];
    readonly removedSuppressions: readonly string[];
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface Keyed {
  readonly key: string;
  readonly ruleId: string;
  readonly example: Omit<ExampleChange, 'change'>;
}

const changeName = (x: Keyed): string => (x.example.output === 'task' ? x.example.taskId : `${x.example.taskId} ${x.example.reason ?? ''}`);

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
  const rules = new Map<string, { tb: number; tc: number; ta: number; tr: number; sb: number; sc: number; sa: number; sr: number; ex: ExampleChange[]; at: string[]; rt: string[]; as: string[]; rs: string[] }>();
  const of = (id: string) => {
    let r = rules.get(id);
    if (!r) rules.set(id, (r = { tb: 0, tc: 0, ta: 0, tr: 0, sb: 0, sc: 0, sa: 0, sr: 0, ex: [], at: [], rt: [], as: [], rs: [] }));
    return r;
  };
  for (const x of a) {
    const r = of(x.ruleId);
    const task = x.example.output === 'task';
    if (task) r.tb++; else r.sb++;
    if (!inB.has(x.key)) {
      if (task) r.tr++; else r.sr++;
      (task ? r.rt : r.rs).push(changeName(x));
      r.ex.push({ ...x.example, change: 'removed' });
    }
  }
  for (const x of b) {
    const r = of(x.ruleId);
    const task = x.example.output === 'task';
    if (task) r.tc++; else r.sc++;
    if (!inA.has(x.key)) {
      if (task) r.ta++; else r.sa++;
      (task ? r.at : r.as).push(changeName(x));
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
        changes: { addedTasks: r.at.sort(cmp), removedTasks: r.rt.sort(cmp), addedSuppressions: r.as.sort(cmp), removedSuppressions: r.rs.sort(cmp) },
      };
    });
}

