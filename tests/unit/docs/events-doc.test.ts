// docs/EVENTS.md must say what schemas/*.avsc say: every topic, every field
// (nested record fields as `parent.child`) with its type, in schema order, and
// every enumeration with its symbols.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INPUT_TOPICS, OUTPUT_TOPICS, SCHEMA_FILES, type Topic } from '../../../src/events/topics.ts';
import { REASONS } from '../../../src/rules/reasons.ts';
import { code, onlyCode, readDoc, type Section } from './markdown.ts';

const DOC = 'docs/EVENTS.md';
const doc = readDoc(DOC);

type Avro = string | Avro[] | { type: Avro; name?: string; logicalType?: string; items?: Avro; values?: Avro; symbols?: string[]; fields?: AvroField[] };
interface AvroField {
  name: string;
  type: Avro;
}

const schemaOf = (topic: Topic) => JSON.parse(readFileSync(SCHEMA_FILES[topic], 'utf8')) as { fields: AvroField[] };

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** The notation of the doc's type column: `string`, `timestamp`, `enum X`, `array<T>`, `T or null`… */
function label(t: Avro): string {
  if (typeof t === 'string') {
    if (PRIMITIVES.has(t)) return t;
    throw new Error(`named type reference ${t}: teach the doc test how to show it`);
  }
  if (Array.isArray(t)) {
    const others = t.filter((b) => b !== 'null');
    if (t.length !== 2 || others.length !== 1) throw new Error('only ["null", T] unions are in the contract');
    return `${label(others[0]!)} or null`;
  }
  if (t.logicalType === 'timestamp-millis') return 'timestamp';
  switch (t.type) {
    case 'enum':
      return `enum ${t.name}`;
    case 'record':
      return `record ${t.name}`;
    case 'array':
      return `array<${label(t.items!)}>`;
    case 'map':
      return `map<${label(t.values!)}>`;
    default:
      return label(t.type);
  }
}

/** A record type inside a field's type (plain or nullable), whose fields the doc lists as `field.sub`. */
function recordOf(t: Avro): AvroField[] | undefined {
  if (Array.isArray(t)) return t.map(recordOf).find(Boolean);
  return typeof t === 'object' && t.type === 'record' ? t.fields : undefined;
}

function fieldRows(fields: readonly AvroField[], prefix = ''): string[][] {
  return fields.flatMap((f) => {
    const name = prefix + f.name;
    const nested = recordOf(f.type);
    return [[name, label(f.type)], ...(nested ? fieldRows(nested, `${name}.`) : [])];
  });
}

function enumsOf(node: unknown, out: Map<string, string[]>): void {
  if (Array.isArray(node)) node.forEach((n) => enumsOf(n, out));
  else if (node && typeof node === 'object') {
    const o = node as { type?: unknown; name?: string; symbols?: string[] };
    if (o.type === 'enum') {
      const known = out.get(o.name!);
      if (known) expect(o.symbols, `enum ${o.name} is the same in every schema`).toEqual(known);
      out.set(o.name!, o.symbols!);
    }
    Object.values(o).forEach((v) => enumsOf(v, out));
  }
}

/** The level-3 topic sections under a level-2 heading, in order. */
function topicSections(group: string): Section[] {
  const start = doc.findIndex((s) => s.level === 2 && s.title === group);
  expect(start, `${DOC} has "## ${group}"`).toBeGreaterThanOrEqual(0);
  const out: Section[] = [];
  for (const s of doc.slice(start + 1)) {
    if (s.level <= 2) break;
    if (s.level === 3) out.push(s);
  }
  return out;
}

function section(title: string): Section {
  const s = doc.find((x) => x.title === title);
  if (!s) throw new Error(`${DOC} has no section "${title}"`);
  return s;
}

describe('docs/EVENTS.md', () => {
  it.each([
    ['Input topics', INPUT_TOPICS],
    ['Output topics', OUTPUT_TOPICS],
  ] as const)('%s: a section per topic, in the order of src/events/topics.ts', (group, topics) => {
    expect(topicSections(group).map((s) => onlyCode(s.title))).toEqual([...topics]);
  });

  it.each([...INPUT_TOPICS, ...OUTPUT_TOPICS])('%s: every field with its type, as in the schema', (topic) => {
    const s = doc.find((x) => x.level === 3 && x.title === `\`${topic}\``)!;
    const documented = s.rows.map((r) => [onlyCode(r[0]!), onlyCode(r[1]!)]);
    expect(documented).toEqual(fieldRows(schemaOf(topic).fields));
    for (const r of s.rows) expect(r[2]?.length, `${topic} ${r[0]} has a meaning`).toBeGreaterThan(0);
  });

  it('lists every enumeration of the schemas with its symbols', () => {
    const inSchemas = new Map<string, string[]>();
    for (const topic of [...INPUT_TOPICS, ...OUTPUT_TOPICS]) enumsOf(schemaOf(topic), inSchemas);
    const documented = new Map(section('Enumerations').rows.map((r) => [onlyCode(r[0]!), code(r[1]!)]));
    expect(documented).toEqual(inSchemas);
  });

  it('explains every dead-letter and suppression reason', () => {
    const enums = new Map<string, string[]>();
    enumsOf(schemaOf('bank.carestream.dlq.v1'), enums);
    enumsOf(schemaOf('bank.carestream.suppressions.v1'), enums);
    const firstColumn = (title: string) => section(title).rows.map((r) => onlyCode(r[0]!));
    expect(new Set(firstColumn('Dead-letter reasons'))).toEqual(new Set(enums.get('DeadLetterReason')));
    expect(new Set(firstColumn('Suppression reasons'))).toEqual(new Set(enums.get('SuppressionReason')));
  });

  it('lists every reason code the rules produce', () => {
    const codes = section('Reason codes of tasks').rows.map((r) => onlyCode(r[0]!));
    expect(codes).toEqual(Object.values(REASONS));
  });
});
