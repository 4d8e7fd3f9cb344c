import { toJsonForm, type JsonObject } from '../events/json-form.ts';
import { formatInstant } from '../events/time.ts';
import { maskEvidence } from '../api/present.ts';
import { auditEntryOf } from './entry.ts';
import type { TrailRecord } from './trail.ts';

/**
 * The compliance export (`carestream audit export`): every committed task and
 * suppression record published in a range, as JSONL (the record as on its
 * topic, in the JSON form of docs/EVENTS.md, with where it is and when it
 * was published) or CSV (one row per decision, the audit entry's fields).
 * Pure: the command reads the trail and writes the lines.
 *
 * Records carry no name or ID number and accounts only as their last four
 * digits (src/tasks/build.ts); evidence goes through the API's mask all the
 * same, so an upstream mistake that reached a record stops here.
 */

export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The record with its evidence masked (identical for every record carestream builds today). */
function masked(r: TrailRecord): TrailRecord {
  return { ...r, record: { ...r.record, evidence: maskEvidence(r.record.evidence) } };
}

/** One JSONL line (without the newline). */
export function jsonlLine(r: TrailRecord, timeZone: string): string {
  const m = masked(r);
  const line: JsonObject = {
    publishedAt: formatInstant(r.publishedAt, timeZone),
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    value: toJsonForm(r.topic, m.record, timeZone),
  };
  return JSON.stringify(line);
}

export const CSV_COLUMNS = [
  'publishedAt', 'decision', 'customerId', 'taskId', 'kind', 'offerCode', 'ruleId', 'ruleVersion', 'ruleSetVersion',
  'priority', 'tier', 'channel', 'dueBy', 'reason', 'reasons', 'evidence', 'triggerEventId', 'triggeredAt', 'decidedAt',
  'topic', 'partition', 'offset',
] as const;

/**
 * A cell as RFC 4180 wants it, and not a formula: a spreadsheet runs a cell
 * starting with = + - @ (a negative number aside), so such a cell gets a
 * leading apostrophe (OWASP's advice for CSV injection).
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let s = String(value);
  if (/^[=+@\t\r]/.test(s) || /^-(?!\d+(\.\d+)?$)/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return CSV_COLUMNS.join(',');
}

/** One CSV row (without the line break). */
export function csvRow(r: TrailRecord, timeZone: string, dueHoursOf: (ruleId: string) => number): string {
  const e = auditEntryOf(masked(r), dueHoursOf);
  const t = (ms: number | null) => (ms === null ? null : formatInstant(ms, timeZone));
  const issued = e.decision === 'ISSUED';
  const row: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
    publishedAt: t(e.publishedAt),
    decision: e.decision,
    customerId: e.customerId,
    taskId: e.taskId || null,
    kind: e.target,
    offerCode: e.offerCode,
    ruleId: e.ruleId,
    ruleVersion: e.ruleVersion,
    ruleSetVersion: e.ruleSetVersion,
    priority: e.priority,
    tier: e.tier,
    channel: issued ? e.channel : null,
    dueBy: issued ? t(e.dueBy) : null,
    reason: issued ? null : e.reason,
    reasons: e.reasons === null ? null : e.reasons.join(';'),
    evidence: Object.entries(e.evidence).map(([k, v]) => `${k}=${v}`).join(';'),
    triggerEventId: e.triggerEventId,
    triggeredAt: t(e.at),
    decidedAt: t(e.decidedAt),
    topic: e.source.topic,
    partition: e.source.partition,
    offset: e.source.offset,
  };
  return CSV_COLUMNS.map((c) => csvCell(row[c])).join(',');
}

/** The export's lines (header first for CSV). */
export function* exportLines(records: readonly TrailRecord[], format: ExportFormat, timeZone: string, dueHoursOf: (ruleId: string) => number): Generator<string> {
  if (format === 'csv') yield csvHeader();
  for (const r of records) yield format === 'csv' ? csvRow(r, timeZone, dueHoursOf) : jsonlLine(r, timeZone);
}
