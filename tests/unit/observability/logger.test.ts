import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CENSOR, REDACT_KEYS, createLogger, redact } from '../../../src/observability/logger.ts';

function capture(level = 'trace') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger(level, sink), lines, raw: () => JSON.stringify(lines) };
}

describe('logger redaction', () => {
  it('replaces personal data and secrets at any depth, in arrays, and in child bindings', () => {
    const { logger, lines, raw } = capture();
    const profile = { customerId: 'C1', idNumber: '110101199001011234', fullName: 'Wang Wu', birthDate: '1990-01-01' };
    const tx = { eventId: 'e1', accountId: 'ACC6222020000111222', counterparty: { accountRef: 'CP-1', ownAccount: false }, maskedAccountNo: '1222' };
    logger.child({ component: 'test', token: 'abc' }).info(
      { profile, batch: [{ event: tx }], deep: { a: { b: { c: { d: { email: 'x@y.cn', phone: '13800000000', name: 'Zhang' } } } } }, req: { headers: { authorization: 'Bearer s3cret', cookie: 'sid=1' } }, config: { PSEUDONYM_KEY: 'k'.repeat(20) } },
      'careless line',
    );
    expect(lines).toHaveLength(1);
    for (const secret of ['110101199001011234', 'Wang Wu', '1990-01-01', 'ACC6222020000111222', 'CP-1', 'x@y.cn', '13800000000', 'Zhang', 's3cret', 'sid=1', 'k'.repeat(20), 'abc']) {
      expect(raw()).not.toContain(secret);
    }
    expect(raw()).toContain(CENSOR);
    // What is not personal stays readable.
    expect(lines[0]).toMatchObject({ component: 'test', profile: { customerId: 'C1' }, batch: [{ event: { eventId: 'e1', maskedAccountNo: '1222' } }], msg: 'careless line' });
    // The caller's objects are left as they were.
    expect(profile.idNumber).toBe('110101199001011234');
  });

  it('keeps an error readable (class, message, stack) while redacting what it carries', () => {
    const { logger, lines } = capture();
    class KafkaJSNumberOfRetriesExceeded extends Error {}
    const err = Object.assign(new KafkaJSNumberOfRetriesExceeded('broker down'), { retriable: true, payload: { idNumber: '110101199001011234' } });
    logger.error({ err }, 'failed');
    logger.error(err, 'failed directly');
    for (const line of lines) {
      expect(line.err).toMatchObject({ type: 'KafkaJSNumberOfRetriesExceeded', message: 'broker down', retriable: true, payload: { idNumber: CENSOR } });
      expect((line.err as { stack: string }).stack).toContain('broker down');
    }
  });

  it('keeps the class name an error was given, and logs only the size of raw bytes', () => {
    const { logger, lines, raw } = capture();
    logger.error({ err: Object.assign(new Error('WRONGTYPE'), { name: 'ReplyError' }), message: { key: Buffer.from('C1'), value: Buffer.from('Wang Wu 110101199001011234') } }, 'failed');
    expect(lines[0]).toMatchObject({ err: { name: 'ReplyError', message: 'WRONGTYPE' }, message: { key: '[2 bytes]', value: '[26 bytes]' } });
    expect(raw()).not.toContain('"data":[');
  });

  it('copies only what it changes', () => {
    const clean = { a: 1, b: { c: [1, 2, { d: 'x' }] } };
    expect(redact(clean)).toBe(clean);
    expect(redact({ nested: { Email: 'e' } })).toEqual({ nested: { Email: CENSOR } });
    expect(redact({ idNumber: null })).toEqual({ idNumber: null });
  });

  it('covers the identifiers of the event contract and common secrets', () => {
    for (const key of ['idNumber', 'fullName', 'name', 'accountId', 'accountRef', 'counterparty', 'phone', 'email', 'password', 'token', 'authorization']) expect(REDACT_KEYS).toContain(key);
  });

  it('honours the level', () => {
    const { logger, lines } = capture('info');
    logger.debug('hidden');
    logger.info('shown');
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
  });
});
