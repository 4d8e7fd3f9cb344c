import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { handleApiRequest, type AgentApiOptions } from '../../../src/api/router.ts';
import { customerAuditSchema } from '../../../src/api/audit-schemas.ts';
import { TokenSet } from '../../../src/api/tokens.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { auditEntryOf, byPublication } from '../../../src/audit/entry.ts';
import { csvCell, csvHeader, csvRow, exportLines, jsonlLine } from '../../../src/audit/export.ts';
import { explainDirect, explainLines } from '../../../src/audit/explain.ts';
import { partitionOf } from '../../../src/audit/reader.ts';
import { instantOption } from '../../../src/cli/commands/explain.ts';
import type { AuditRange } from '../../../src/audit/reader.ts';
import type { AuditSource, TrailRecord } from '../../../src/audit/trail.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import type { FraudCheckTask, Suppression } from '../../../src/events/types.ts';
import { openApiDocument } from '../../../src/api/openapi.ts';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const READER = 'audit-reader-token';
const FEATURES_ONLY = 'features-only-token';
const T0 = Date.parse('2026-11-10T14:20:00+08:00');
const ID_NUMBER = '110101195001011234';
const ACCOUNT = '6222029876543219';

const fraud: FraudCheckTask = {
  taskId: 'T-fraud1', customerId: 'C-1', transactionEventId: 'C-1-t5', createdAt: T0 + 1000, dueBy: T0 + 7_200_000, priority: 'P1',
  amountMinor: 60_000_000, maskedAccountNo: '8812', reasons: ['AMOUNT_OVER_THRESHOLD'], ruleId: 'large-outflow', ruleVersion: 1,
  // Planted: what a future rule might put in evidence by mistake.
  evidence: { amountMinor: '60000000', accountNo: ACCOUNT, note: ID_NUMBER },
  suggestedScript: '您尾号8812的账户于11月10日14:20转出600,000.00元，请问是否为您本人操作？', ruleSetVersion: 'bank-1', tier: 'ORDINARY', triggeredAt: T0,
};
const suppression: Suppression = {
  customerId: 'C-1', ruleId: 'mortgage-interest', ruleVersion: 1, kind: 'LIFE_STAGE_OFFER', offerCode: 'MORTGAGE_RENOVATION_BUNDLE', reason: 'NO_CONSENT',
  createdAt: T0 + 2000, evidence: { rateQueries30d: '3', taskId: 'T-mort1' }, sourceEventIds: ['C-1-c4'], ruleSetVersion: 'bank-1',
  priority: 'P3', reasons: ['MORTGAGE_INTEREST'], tier: 'ORDINARY', triggeredAt: T0 - 60_000,
};
const records: TrailRecord[] = [
  { topic: TOPICS.fraudCheckTasks, partition: 3, offset: '17', publishedAt: T0 + 1500, key: 'C-1', record: fraud },
  { topic: TOPICS.suppressions, partition: 3, offset: '9', publishedAt: T0 + 2500, key: 'C-1', record: suppression },
];
const noHours = () => 0;

describe('audit entries', () => {
  it('carry the decision, its rule, rule set, reasons, evidence and where the record is', () => {
    const e = auditEntryOf(records[0]!, noHours);
    expect(e).toMatchObject({ decision: 'ISSUED', taskId: 'T-fraud1', customerId: 'C-1', ruleId: 'large-outflow', ruleSetVersion: 'bank-1', publishedAt: T0 + 1500, at: T0, decidedAt: T0 + 1000, source: { topic: TOPICS.fraudCheckTasks, partition: 3, offset: '17' } });
    const s = auditEntryOf(records[1]!, noHours);
    expect(s).toMatchObject({ decision: 'SUPPRESSED', taskId: 'T-mort1', reason: 'NO_CONSENT', reasons: ['MORTGAGE_INTEREST'] });
  });

  it('sort by publish time, then topic, partition and offset (offsets as numbers)', () => {
    const a = { publishedAt: 5, source: { topic: TOPICS.suppressions, partition: 0, offset: '10' } } as const;
    const b = { publishedAt: 5, source: { topic: TOPICS.suppressions, partition: 0, offset: '9' } } as const;
    const c = { publishedAt: 4, source: { topic: TOPICS.suppressions, partition: 5, offset: '99' } } as const;
    expect([a, b, c].sort(byPublication)).toEqual([c, b, a]);
  });
});

describe('the export', () => {
  it('writes each record as on its topic (JSON form), with topic, partition, offset and publish time; evidence masked', () => {
    const line = JSON.parse(jsonlLine(records[0]!, 'Asia/Shanghai'));
    expect(line).toMatchObject({ publishedAt: '2026-11-10T14:20:01.500+08:00', topic: TOPICS.fraudCheckTasks, partition: 3, offset: '17' });
    expect(line.value).toMatchObject({ taskId: 'T-fraud1', customerId: 'C-1', ruleId: 'large-outflow', reasons: ['AMOUNT_OVER_THRESHOLD'], maskedAccountNo: '8812' });
    expect(line.value.evidence).toEqual({ amountMinor: '60000000', accountNo: '3219', note: '110101195001******' });
  });

  it('writes CSV with one header and one row per record, and none of the planted numbers', () => {
    const lines = [...exportLines(records, 'csv', 'Asia/Shanghai', noHours)];
    expect(lines[0]).toBe(csvHeader());
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('ISSUED,C-1,T-fraud1,FRAUD_CHECK,,large-outflow,1,bank-1,P1,ORDINARY,CALL_CENTER');
    expect(lines[2]).toContain('SUPPRESSED,C-1,T-mort1,LIFE_STAGE_OFFER,MORTGAGE_RENOVATION_BUNDLE');
    expect(lines[2]).toContain('NO_CONSENT,MORTGAGE_INTEREST');
    const all = [...lines, ...exportLines(records, 'jsonl', 'Asia/Shanghai', noHours)].join('\n');
    expect(all).not.toContain(ID_NUMBER);
    expect(all).not.toContain(ACCOUNT);
    expect(csvRow(records[1]!, 'UTC', noHours).split(',').at(-3)).toBe(TOPICS.suppressions);
  });

  it('quotes CSV cells and keeps formulas from running', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('-5')).toBe('-5');
    expect(csvCell('-x')).toBe("'-x");
    expect(csvCell(null)).toBe('');
  });
});

describe('ranges and partitions', () => {
  it('parses --from/--to as instants with an offset', () => {
    expect(instantOption('2026-11-01T00:00:00+08:00')).toBe(Date.parse('2026-10-31T16:00:00Z'));
    expect(() => instantOption('2026-11-01')).toThrow(/ISO-8601/);
  });

  it('finds the partition the producers put a key on', () => {
    const produce = kafkajs.Partitioners.DefaultPartitioner();
    const meta = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
    for (const key of ['C000001', 'C000366', 'C-privA-x', 'cust.9']) {
      expect(partitionOf(key, 6)).toBe(produce({ topic: TOPICS.outreachTasks, partitionMetadata: meta, message: { key, value: null } }));
    }
  });
});

function memorySource(): AuditSource & { asked: { id: string; range: AuditRange }[] } {
  const asked: { id: string; range: AuditRange }[] = [];
  return {
    asked,
    async customer(id, range) {
      asked.push({ id, range });
      return { entries: records.filter((r) => r.key === id && r.publishedAt >= range.from && r.publishedAt < range.to).map((r) => auditEntryOf(r, noHours)), unreadable: 0 };
    },
  };
}

function options(source: AuditSource | undefined): AgentApiOptions {
  return {
    tokens: new TokenSet([
      { name: 'compliance', sha256: sha(READER), scopes: ['tasks:read'] },
      { name: 'wallboard', sha256: sha(FEATURES_ONLY), scopes: ['features:read'] },
    ]),
    reader: () => undefined,
    timeZone: 'Asia/Shanghai',
    logger: createLogger('silent'),
    audit: {
      source: () => source,
      careTasks: () => ({ get: async (id: string) => (id === 'T-fraud1' ? { taskId: id, customerId: 'C-1', kind: 'FRAUD_CHECK', ruleId: 'large-outflow', priority: 'P1', tier: 'ORDINARY', channel: 'CALL_CENTER', dueBy: T0 + 7_200_000, outcome: { outcome: 'REACHED', at: T0 + 60_000 }, lastAttempt: null, escalatedBy: null } : null) }),
      now: () => T0 + 3_600_000,
    },
  };
}

const get = (url: string, token: string | null, o: AgentApiOptions, method = 'GET') =>
  handleApiRequest({ method, url, authorization: token === null ? undefined : `Bearer ${token}` }, o);

describe('GET /v1/customers/{id}/audit', () => {
  it('answers 401 without a valid token and 403 without tasks:read', async () => {
    const o = options(memorySource());
    expect((await get('/v1/customers/C-1/audit', null, o)).status).toBe(401);
    expect((await get('/v1/customers/C-1/audit', 'not-a-token', o)).status).toBe(401);
    const forbidden = await get('/v1/customers/C-1/audit', FEATURES_ONLY, o);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['www-authenticate']).toContain('scope="tasks:read"');
  });

  it('answers the customer\'s decisions of the range, oldest first, with care status, masked, paged', async () => {
    const src = memorySource();
    const o = options(src);
    const r = await get('/v1/customers/C-1/audit?from=2026-11-10T00:00:00%2B08:00&limit=1', READER, o);
    expect(r.status).toBe(200);
    const body = customerAuditSchema.parse(r.body);
    expect(src.asked).toEqual([{ id: 'C-1', range: { from: Date.parse('2026-11-10T00:00:00+08:00'), to: T0 + 3_600_000 } }]);
    expect(body).toMatchObject({ customerId: 'C-1', total: 2, offset: 0, nextOffset: 1, unreadable: 0 });
    expect(body.entries[0]).toMatchObject({ decision: 'ISSUED', taskId: 'T-fraud1', careStatus: { status: 'answered', outcome: 'REACHED' }, source: { topic: TOPICS.fraudCheckTasks, partition: 3, offset: '17' } });
    expect(JSON.stringify(r.body)).not.toContain(ID_NUMBER);
    expect(JSON.stringify(r.body)).not.toContain(ACCOUNT);
    const second = customerAuditSchema.parse((await get('/v1/customers/C-1/audit?from=2026-11-10T00:00:00%2B08:00&limit=1&offset=1', READER, o)).body);
    expect(second.entries.map((e) => [e.decision, e.reason, e.careStatus])).toEqual([['SUPPRESSED', 'NO_CONSENT', null]]);
    expect(second.nextOffset).toBeNull();
  });

  it('refuses a bad range or query with 400, other methods with 405, and answers 503 before the service is connected or when Kafka fails', async () => {
    const o = options(memorySource());
    expect((await get('/v1/customers/C-1/audit?from=yesterday', READER, o)).status).toBe(400);
    expect((await get('/v1/customers/C-1/audit?from=2026-11-11T00:00:00Z&to=2026-11-10T00:00:00Z', READER, o)).status).toBe(400);
    expect((await get('/v1/customers/C-1/audit?limit=501', READER, o)).status).toBe(400);
    expect((await get('/v1/customers/C-1/audit?name=x', READER, o)).status).toBe(400);
    expect((await get(`/v1/customers/${ID_NUMBER}/audit`, READER, o)).status).toBe(400);
    expect((await get('/v1/customers/C-1/audit', READER, o, 'POST')).status).toBe(405);
    expect((await get('/v1/customers/C-1/audit', READER, options(undefined))).status).toBe(503);
    const failing = options({ customer: async () => { throw new Error('KafkaJSConnectionError'); } });
    const r = await get('/v1/customers/C-1/audit', READER, failing);
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
  });

  it('is in the OpenAPI document with its scope', () => {
    const doc = openApiDocument() as { paths: Record<string, { get: { security: unknown } }> };
    expect(doc.paths['/v1/customers/{customerId}/audit']!.get.security).toEqual([{ bearerAuth: ['tasks:read'] }]);
  });
});

describe('explain', () => {
  it('shows each decision with its care status, reasons and evidence, masked', () => {
    const trail = { entries: records.map((r) => auditEntryOf(r, noHours)), unreadable: 0 };
    const care = new Map([['T-fraud1', { taskId: 'T-fraud1', customerId: 'C-1', kind: 'FRAUD_CHECK' as const, ruleId: 'large-outflow', priority: 'P1' as const, tier: 'ORDINARY', channel: 'CALL_CENTER', dueBy: T0 + 7_200_000, outcome: null, lastAttempt: null, escalatedBy: null }]]);
    const view = explainDirect('C-1', { features: null, history: null, decisions: { trail, range: { from: 0, to: T0 + 10_000 } }, care, now: T0 + 8_000_000 }, 'Asia/Shanghai');
    const text = explainLines(view).join('\n');
    expect(text).toMatch(/ISSUED {6}FRAUD_CHECK by large-outflow v1 \(rule set bank-1\), P1, via CALL_CENTER, due 2026-11-10T16:20:00\+08:00; status overdue/);
    expect(text).toMatch(/SUPPRESSED {2}LIFE_STAGE_OFFER MORTGAGE_RENOVATION_BUNDLE by mortgage-interest v1 \(rule set bank-1\): NO_CONSENT/);
    expect(text).toContain('from the task and suppression topics');
    // Newest first.
    expect(text.indexOf('SUPPRESSED')).toBeLessThan(text.indexOf('ISSUED'));
    expect(text).not.toContain(ID_NUMBER);
    expect(text).not.toContain(ACCOUNT);
    expect(text).not.toContain('undefined');
  });

  it('shows pending timers (what, when) and the fraud checks watched for an answer', () => {
    const trail = { entries: [], unreadable: 0 };
    const timers = {
      pending: [{ dueAt: Date.parse('2026-11-11T00:00:00+08:00'), what: 'TIER' as const }, { dueAt: Date.parse('2026-11-11T14:20:00.001+08:00'), what: 'FRAUD_SLA' as const, ref: 'T-fraud1' }],
      checks: [
        { taskId: 'T-fraud1', dueBy: Date.parse('2026-11-11T14:20:00+08:00'), status: 'OPEN' as const, transactionEventId: 'E-1', transactionType: 'TRANSFER_OUT' as const, transactionAt: T0, amountMinor: 1, maskedAccountNo: '8812' },
        { taskId: 'T-fraud0', dueBy: Date.parse('2026-11-09T10:00:00+08:00'), status: 'ANSWERED' as const, closedAt: Date.parse('2026-11-09T09:00:00+08:00'), transactionEventId: 'E-0', transactionType: 'TRANSFER_OUT' as const, transactionAt: T0, amountMinor: 1, maskedAccountNo: '8812' },
      ],
    };
    const view = explainDirect('C-1', { features: null, history: null, decisions: { trail, range: { from: 0, to: T0 } }, care: new Map(), now: T0, timers }, 'Asia/Shanghai');
    const text = explainLines(view).join('\n');
    expect(text).toContain("pending timers:\n  2026-11-11T00:00:00+08:00  TIER (tier judged again at the day's close)\n  2026-11-11T14:20:00.001+08:00  FRAUD_SLA (fraud-check deadline) for T-fraud1");
    expect(text).toContain('fraud checks watched for an answer:\n  T-fraud1 due 2026-11-11T14:20:00+08:00: OPEN\n  T-fraud0 due 2026-11-09T10:00:00+08:00: ANSWERED at 2026-11-09T09:00:00+08:00');
    expect(view.timers).toHaveLength(2);
  });
});
