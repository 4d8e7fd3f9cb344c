// How `carestream rules backtest` prints a result: a table per rule, then the
// example customers with their evidence. Customer ids, task ids and evidence
// are printed as tasks carry them (evidence holds feature values, never names,
// ID numbers or account numbers); every line goes through printable().
import { printable } from '../text/escape.ts';
import type { BacktestResult } from './index.ts';
import type { ExampleChange } from './diff.ts';

const n = (x: number) => x.toLocaleString('en');
const signed = (added: number, removed: number) => `+${n(added)} -${n(removed)}`;

function exampleLine(e: ExampleChange): string {
  const evidence = Object.entries(e.evidence).map(([k, v]) => `${k}=${v}`).join(' ');
  const what = e.output === 'task' ? `task ${e.taskId}` : `suppression ${e.reason ?? ''} of ${e.taskId}`;
  return `    ${e.change === 'added' ? '+' : '-'} ${e.customerId}  ${what}${e.reasons?.length ? ` (${e.reasons.join(', ')})` : ''}  ${evidence}`;
}

/**
 * Said on every report: a rule owner comparing with the live service (timers
 * on by default) must not read the time-driven rules' absence as "no change".
 */
export const EVENT_PATH_ONLY =
  'the event path only: timers are not replayed (care-cadence, birthday-greeting, fraud-check-escalation, vip-downgrade, and the tier edges judged at a day\'s close): what the service does with TIMERS_ENABLED=false';

/** The text report, one string per line. */
export function reportLines(r: BacktestResult, source: string, seconds?: number): string[] {
  const t = r.tally;
  const out = [
    `backtest of ${JSON.stringify(r.candidate.version)} against ${JSON.stringify(r.base.version)} over ${source}`,
    `  ${n(t.lines)} lines: ${n(t.applied)} applied, ${n(t.skipped)} duplicates or stale, ${n(t.late)} late, ${n(t.conflicts)} conflicts, ${n(t.invalid)} invalid (dead-lettered by the service), ${n(t.ignored)} of other topics`,
    `  ${r.passes === 1 ? 'read once, streaming' : `read ${r.passes} times (${r.reread ?? ''})`}${seconds === undefined ? '' : ` in ${seconds.toFixed(1)} s`}`,
    `  ${EVENT_PATH_ONLY}`,
    '',
    `  ${'rule'.padEnd(24)} ${'tasks base -> candidate'.padStart(24)} ${'added/removed'.padStart(16)}   ${'suppressions'.padStart(16)} ${'added/removed'.padStart(16)}`,
  ];
  for (const d of r.rules) {
    out.push(
      `  ${d.ruleId.padEnd(24)} ${`${n(d.tasks.base)} -> ${n(d.tasks.candidate)}`.padStart(24)} ${signed(d.tasks.added, d.tasks.removed).padStart(16)}   ${`${n(d.suppressions.base)} -> ${n(d.suppressions.candidate)}`.padStart(16)} ${signed(d.suppressions.added, d.suppressions.removed).padStart(16)}`,
    );
  }
  const changed = r.rules.filter((d) => d.examples.length > 0);
  if (changed.length === 0) out.push('', '  no task or suppression differs');
  for (const d of changed) {
    out.push('', `  ${d.ruleId}: ${d.examples.length} example customer${d.examples.length === 1 ? '' : 's'}`);
    for (const e of d.examples) out.push(exampleLine(e));
  }
  return out.map(printable);
}

/** The --json form: the tally and per rule the counts, the examples and every change (not the full outputs). */
export function reportJson(r: BacktestResult): string {
  return JSON.stringify({ base: r.base.version, candidate: r.candidate.version, tally: r.tally, passes: r.passes, ...(r.reread ? { reread: r.reread } : {}), rules: r.rules });
}
