// Just enough Markdown for the doc tests: headings and the pipe tables under
// them. A cell keeps its raw text; `code()` takes the text of its code spans.
import { readFileSync } from 'node:fs';

export interface Section {
  readonly level: number;
  readonly title: string;
  /** Table rows under this heading (before the next heading), header and divider excluded. */
  readonly rows: readonly (readonly string[])[];
}

function cellsOf(line: string): string[] {
  // Split on pipes that are not escaped (`\|`); the outer pipes give empty ends.
  const cells = line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/);
  return cells.map((c) => c.trim().replace(/\\\|/g, '|'));
}

export function sections(markdown: string): Section[] {
  const out: { level: number; title: string; rows: string[][]; seenHeader: boolean }[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    if (inFence) continue;
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      out.push({ level: h[1]!.length, title: h[2]!.trim(), rows: [], seenHeader: false });
      continue;
    }
    const current = out.at(-1);
    if (!current) continue;
    if (!line.trimStart().startsWith('|')) {
      current.seenHeader = false; // a table ended; the next one has its own header
      continue;
    }
    if (/^\s*\|[\s:|-]+\|\s*$/.test(line)) continue; // the divider
    if (!current.seenHeader) {
      current.seenHeader = true; // the header row
      continue;
    }
    current.rows.push(cellsOf(line));
  }
  return out.map(({ level, title, rows }) => ({ level, title, rows }));
}

export function readDoc(relative: string): Section[] {
  return sections(readFileSync(new URL(`../../../${relative}`, import.meta.url), 'utf8'));
}

/** The contents of the code spans of a cell, in order. */
export function code(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

/** The single code span a cell must consist of. */
export function onlyCode(cell: string): string {
  const m = /^`([^`]+)`$/.exec(cell.trim());
  if (!m) throw new Error(`expected one code span, got: ${cell}`);
  return m[1]!;
}
