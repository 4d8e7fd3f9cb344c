import { describe, expect, it } from 'vitest';
import { avroTypeFor } from '../../../src/events/avro.ts';
import { fromJsonForm } from '../../../src/events/json-form.ts';
import { INPUT_TOPICS, TOPICS, type InputTopic } from '../../../src/events/topics.ts';
import { DEFAULT_LIMITS, validateEvent, type InputLimits, type TimeBounds } from '../../../src/events/validate.ts';
import { PLANTED_ID_NUMBER, PLANTED_NAME, SAMPLES } from './samples.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
// 2026-11-23T20:00:00+08:00, after every input sample.
const bounds: TimeBounds = { nowMs: Date.UTC(2026, 10, 23, 12), maxFutureSkewMs: 5 * MINUTE, maxAgeMs: 7 * DAY };
// The samples hold the extremes of an Avro long; a deployment may allow them.
const wide: InputLimits = { ...DEFAULT_LIMITS, maxAmountMinor: Number.MAX_SAFE_INTEGER };

type Obj = Record<string, unknown>;
const decoded = (topic: InputTopic, i = 0): Obj => fromJsonForm(topic, SAMPLES[topic][i]) as unknown as Obj;
const tx = (patch: Obj = {}, i = 0): Obj => ({ ...decoded(TOPICS.transactions, i), ...patch });
const ce = (patch: Obj = {}, i = 0): Obj => ({ ...decoded(TOPICS.channelEvents, i), ...patch });
const profile = (patch: Obj = {}, i = 0): Obj => ({ ...decoded(TOPICS.customerProfiles, i), ...patch });

function failure(topic: InputTopic, event: unknown, b: TimeBounds = bounds): { reason: string; message: string } {
  const r = validateEvent(topic, event, b);
  if (r.ok) throw new Error('expected a validation failure');
  return r;
}

describe('validateEvent accepts the contract samples', () => {
  const cases = INPUT_TOPICS.flatMap((t) => SAMPLES[t].map((_, i) => [t, i] as const));

  it.each(cases)('%s sample %i', (topic, i) => {
    const event = decoded(topic, i);
    expect(validateEvent(topic, event, bounds, wide)).toEqual({ ok: true, event });
  });

  it.each(cases)('%s sample %i straight from avsc (record instances)', (topic, i) => {
    const type = avroTypeFor(topic);
    const fromWire: unknown = type.fromBuffer(type.toBuffer(decoded(topic, i)));
    const r = validateEvent(topic, fromWire, bounds, wide);
    expect(r.ok).toBe(true);
    if (r.ok) expect(Object.getPrototypeOf(r.event)).toBe(Object.prototype);
  });

  it('accepts the largest safe amount and the most negative balance when the maximum allows them', () => {
    const r = validateEvent(TOPICS.transactions, tx({ amountMinor: Number.MAX_SAFE_INTEGER, balanceAfterMinor: -Number.MAX_SAFE_INTEGER }), bounds, wide);
    expect(r.ok).toBe(true);
  });

  it('accepts a contact outcome without taskId, and a product on any transaction type', () => {
    expect(validateEvent(TOPICS.channelEvents, ce({ attributes: { outcome: 'REACHED' } }, 1), bounds).ok).toBe(true);
    expect(validateEvent(TOPICS.transactions, tx({ type: 'DEPOSIT', amountMinor: 1_000, balanceAfterMinor: 0 }, 1), bounds).ok).toBe(true);
  });
});

describe('validateEvent rules', () => {
  it.each<[string, InputTopic, Obj, string]>([
    ['blank eventId', TOPICS.transactions, tx({ eventId: '' }), 'eventId: must not be empty'],
    ['whitespace eventId', TOPICS.transactions, tx({ eventId: ' \t' }), 'eventId: must not be empty'],
    ['missing customerId', TOPICS.transactions, tx({ customerId: undefined }), 'customerId: required'],
    ['blank accountId', TOPICS.transactions, tx({ accountId: '' }), 'accountId: must not be empty'],
    ['zero amount', TOPICS.transactions, tx({ amountMinor: 0 }), 'amountMinor: must be greater than 0'],
    ['negative amount', TOPICS.transactions, tx({ amountMinor: -5 }), 'amountMinor: must be greater than 0'],
    ['fractional amount', TOPICS.transactions, tx({ amountMinor: 1.5 }), 'amountMinor: must be an integer amount'],
    ['unsafe amount', TOPICS.transactions, tx({ amountMinor: 2 ** 53 }), 'amountMinor: must be'],
    ['unsafe balance', TOPICS.transactions, tx({ balanceAfterMinor: -(2 ** 53) }), 'balanceAfterMinor: must be'],
    ['lower-case currency', TOPICS.transactions, tx({ currency: 'cny' }), 'currency: must be an ISO 4217 code'],
    ['long currency', TOPICS.transactions, tx({ currency: 'CNYX' }), 'currency: must be an ISO 4217 code'],
    ['unknown type', TOPICS.transactions, tx({ type: 'REFUND' }), 'type: must be one of TRANSFER_OUT'],
    ['non-transaction channel', TOPICS.transactions, tx({ channel: 'SMS' }), 'channel: must be one of APP'],
    ['blank counterparty ref', TOPICS.transactions, tx({ counterparty: { accountRef: '', ownAccount: false } }), 'counterparty.accountRef: must not be empty'],
    ['bad MCC', TOPICS.transactions, tx({ merchantCategory: '56411' }), 'merchantCategory: must be a four-digit ISO 18245 code'],
    ['purchase without product', TOPICS.transactions, tx({ product: null }, 1), 'product: required when type is PRODUCT_PURCHASE or PRODUCT_REDEMPTION'],
    ['redemption without product', TOPICS.transactions, tx({ type: 'PRODUCT_REDEMPTION', product: null }, 1), 'product: required when type'],
    ['risk level 0', TOPICS.transactions, tx({ product: { productId: 'p', category: 'FUND', riskLevel: 0 } }, 1), 'product.riskLevel: must be 1..5'],
    ['risk level 6', TOPICS.transactions, tx({ product: { productId: 'p', category: 'FUND', riskLevel: 6 } }, 1), 'product.riskLevel: must be 1..5'],
    ['fractional risk level', TOPICS.transactions, tx({ product: { productId: 'p', category: 'FUND', riskLevel: 2.5 } }, 1), 'product.riskLevel: must be an integer'],
    ['blank product id', TOPICS.transactions, tx({ product: { productId: '', category: 'FUND', riskLevel: 2 } }, 1), 'product.productId: must not be empty'],
    ['unknown category', TOPICS.transactions, tx({ product: { productId: 'p', category: 'CRYPTO', riskLevel: 2 } }, 1), 'product.category: must be one of DEPOSIT'],
    ['3-digit masked account', TOPICS.transactions, tx({ maskedAccountNo: '881' }), 'maskedAccountNo: must be exactly four digits'],
    ['5-digit masked account', TOPICS.transactions, tx({ maskedAccountNo: '88123' }), 'maskedAccountNo: must be exactly four digits'],
    ['non-digit masked account', TOPICS.transactions, tx({ maskedAccountNo: '88a2' }), 'maskedAccountNo: must be exactly four digits'],
    ['fractional time', TOPICS.transactions, tx({ occurredAt: 1.5 }), 'occurredAt: must be integer epoch milliseconds'],
    ['time as Date', TOPICS.transactions, tx({ occurredAt: new Date(bounds.nowMs) }), 'occurredAt: must be integer epoch milliseconds'],
    ['outcome missing', TOPICS.channelEvents, ce({ attributes: { taskId: 't1' } }, 1), 'attributes.outcome: required on CONTACT_OUTCOME, one of REACHED'],
    ['unknown outcome', TOPICS.channelEvents, ce({ attributes: { taskId: 't1', outcome: 'MAYBE' } }, 1), 'attributes.outcome: required on CONTACT_OUTCOME'],
    ['blank taskId', TOPICS.channelEvents, ce({ attributes: { taskId: ' ', outcome: 'REACHED' } }, 1), 'attributes.taskId: must not be empty'],
    ['non-string attribute', TOPICS.channelEvents, ce({ attributes: { page: 3 } }), 'attributes.page: must be of type string'],
    ['unknown interest topic', TOPICS.channelEvents, ce({ topic: 'CRYPTO' }), 'topic: must be one of MORTGAGE'],
    ['ATM channel event', TOPICS.channelEvents, ce({ channel: 'ATM' }), 'channel: must be one of APP'],
    ['unknown action', TOPICS.channelEvents, ce({ action: 'LOGOUT' }), 'action: must be one of LOGIN'],
    ['30 February', TOPICS.customerProfiles, profile({ birthDate: '1990-02-30' }), 'birthDate: must be a valid date in YYYY-MM-DD form'],
    ['unpadded date', TOPICS.customerProfiles, profile({ birthDate: '1990-2-3' }), 'birthDate: must be a valid date'],
    ['compact date', TOPICS.customerProfiles, profile({ birthDate: '19900203' }), 'birthDate: must be a valid date'],
    ['19th-century birth', TOPICS.customerProfiles, profile({ birthDate: '1899-12-31' }), 'birthDate: must not be before 1900-01-01'],
    ['future birth', TOPICS.customerProfiles, profile({ birthDate: '2026-11-25' }), 'birthDate: is in the future'],
    ['risk tolerance 0', TOPICS.customerProfiles, profile({ riskTolerance: 0 }), 'riskTolerance: must be 1..5'],
    ['risk tolerance 6', TOPICS.customerProfiles, profile({ riskTolerance: 6 }), 'riskTolerance: must be 1..5'],
    ['fractional risk tolerance', TOPICS.customerProfiles, profile({ riskTolerance: 2.5 }), 'riskTolerance: must be an integer'],
    ['future risk assessment', TOPICS.customerProfiles, profile({ riskAssessedAt: bounds.nowMs + DAY }), 'riskAssessedAt: is more than 300000 ms in the future'],
    ['future update', TOPICS.customerProfiles, profile({ updatedAt: bounds.nowMs + DAY }), 'updatedAt: is more than 300000 ms in the future'],
    ['blank idNumber', TOPICS.customerProfiles, profile({ idNumber: '' }), 'idNumber: must not be empty'],
    ['blank fullName', TOPICS.customerProfiles, profile({ fullName: '  ' }), 'fullName: must not be empty'],
    ['blank RM id', TOPICS.customerProfiles, profile({ relationshipManagerId: '' }), 'relationshipManagerId: must not be empty'],
    ['ATM preferred', TOPICS.customerProfiles, profile({ preferredChannels: ['APP', 'ATM'] }), 'preferredChannels[1]: must be one of APP'],
    ['null consent', TOPICS.customerProfiles, profile({ marketingConsent: null }), 'marketingConsent: must be of type boolean'],
  ])('%s', (_name, topic, event, message) => {
    const r = failure(topic, event);
    expect(r.reason).toBe('VALIDATION');
    expect(r.message).toContain(message);
  });

  it('accepts a birth date of today and an old profile (compacted topic: no age limit)', () => {
    expect(validateEvent(TOPICS.customerProfiles, profile({ birthDate: '2026-11-23' }), bounds).ok).toBe(true);
    expect(validateEvent(TOPICS.customerProfiles, profile({ updatedAt: 0, riskAssessedAt: 0 }), bounds).ok).toBe(true);
  });

  it('reports several problems at once, capped', () => {
    const r = failure(TOPICS.transactions, tx({ eventId: '', currency: 'x', maskedAccountNo: '1' }));
    expect(r.message.split('; ')).toHaveLength(3);
    const many = failure(TOPICS.transactions, {});
    expect(many.message).toBe(
      'eventId: required; customerId: required; accountId: required; occurredAt: required; type: required; and 8 more',
    );
  });
});

describe('validateEvent time bounds', () => {
  const at = (occurredAt: number): Obj => tx({ occurredAt });

  it('accepts event time exactly at both bounds', () => {
    expect(validateEvent(TOPICS.transactions, at(bounds.nowMs + bounds.maxFutureSkewMs), bounds).ok).toBe(true);
    expect(validateEvent(TOPICS.transactions, at(bounds.nowMs - bounds.maxAgeMs), bounds).ok).toBe(true);
  });

  it('refuses event time beyond the clock skew as VALIDATION', () => {
    const r = failure(TOPICS.transactions, at(bounds.nowMs + bounds.maxFutureSkewMs + 1));
    expect(r).toEqual({ ok: false, reason: 'VALIDATION', message: 'occurredAt: is more than 300000 ms in the future' });
  });

  it('refuses event time older than maxAgeMs as LATE', () => {
    const r = failure(TOPICS.channelEvents, ce({ occurredAt: bounds.nowMs - bounds.maxAgeMs - 1 }));
    expect(r).toEqual({ ok: false, reason: 'LATE', message: 'occurredAt: is older than the maximum age of 604800000 ms' });
  });

  it('takes the clock from the caller', () => {
    const event = at(Date.UTC(2020, 0, 1));
    expect(validateEvent(TOPICS.transactions, event, bounds).ok).toBe(false);
    expect(validateEvent(TOPICS.transactions, event, { ...bounds, nowMs: Date.UTC(2020, 0, 1, 1) }).ok).toBe(true);
  });
});

describe('validateEvent never leaks values', () => {
  const planted = Number(PLANTED_ID_NUMBER);

  it.each<[string, InputTopic, Obj]>([
    ['id number as customerId (number)', TOPICS.transactions, tx({ customerId: planted })],
    ['id number as masked account', TOPICS.transactions, tx({ maskedAccountNo: PLANTED_ID_NUMBER })],
    ['id number as currency', TOPICS.transactions, tx({ currency: PLANTED_ID_NUMBER })],
    ['id number as type', TOPICS.transactions, tx({ type: PLANTED_ID_NUMBER })],
    ['id number as MCC', TOPICS.transactions, tx({ merchantCategory: PLANTED_ID_NUMBER })],
    ['id number as amount', TOPICS.transactions, tx({ amountMinor: -planted })],
    ['id number as time', TOPICS.transactions, tx({ occurredAt: planted })],
    ['id number as attribute key', TOPICS.channelEvents, ce({ attributes: { [PLANTED_ID_NUMBER]: 1 } })],
    ['name as outcome', TOPICS.channelEvents, ce({ attributes: { outcome: PLANTED_NAME } }, 1)],
    ['id number as birth date', TOPICS.customerProfiles, profile({ birthDate: PLANTED_ID_NUMBER })],
    ['id number as risk tolerance', TOPICS.customerProfiles, profile({ riskTolerance: planted })],
    ['name as channel', TOPICS.customerProfiles, profile({ preferredChannels: [PLANTED_NAME] })],
    ['id number typed as number', TOPICS.customerProfiles, profile({ idNumber: planted })],
    ['valid id number, blank name', TOPICS.customerProfiles, profile({ fullName: '' })],
    ['valid name, empty id number', TOPICS.customerProfiles, profile({ idNumber: '', riskTolerance: 9 })],
  ])('%s', (_name, topic, event) => {
    const { message } = failure(topic, event);
    expect(message.length).toBeGreaterThan(0);
    for (const secret of [PLANTED_ID_NUMBER, '110101', PLANTED_NAME, String(planted), String(-planted)]) {
      expect(message).not.toContain(secret);
    }
  });

  it('hides map keys that do not look like identifiers', () => {
    const { message } = failure(TOPICS.channelEvents, ce({ attributes: { [PLANTED_ID_NUMBER]: 1 } }));
    expect(message).toBe('attributes[?]: must be of type string');
  });
});

describe('validateEvent never throws', () => {
  it.each([null, undefined, 'a string', 42, [], [1, 2]])('input %j', (input) => {
    const r = validateEvent(TOPICS.transactions, input, bounds);
    expect(r.ok).toBe(false);
  });

  it('survives a throwing getter and a hostile proxy', () => {
    const trap = tx();
    Object.defineProperty(trap, 'currency', { enumerable: true, get: () => { throw new Error(PLANTED_ID_NUMBER); } });
    const r1 = validateEvent(TOPICS.transactions, trap, bounds);
    expect(r1.ok).toBe(false);
    if (!r1.ok) expect(r1.message).not.toContain(PLANTED_ID_NUMBER);
    const proxy = new Proxy({}, { get: () => { throw new Error(PLANTED_ID_NUMBER); }, ownKeys: () => { throw new Error('x'); } });
    expect(validateEvent(TOPICS.customerProfiles, proxy, bounds).ok).toBe(false);
  });

  it('refuses a topic without rules', () => {
    const r = validateEvent(TOPICS.dlq as unknown as InputTopic, {}, bounds);
    expect(r).toEqual({ ok: false, reason: 'VALIDATION', message: 'no validation rules for this topic' });
  });

  it('does not let malformed attributes crash the contact-outcome check', () => {
    const r = failure(TOPICS.channelEvents, ce({ attributes: null }, 1));
    expect(r.message).toContain('attributes: must be of type record');
  });
});

describe('validateEvent: ids are identifiers on every input topic', () => {
  const huge = 'E'.repeat(300_000);
  it.each<[string, InputTopic, Obj, string]>([
    ['a 300 KB eventId', TOPICS.transactions, tx({ eventId: huge }), 'eventId: not an identifier: longer than 64 characters (length 300000)'],
    ['an ID number in an eventId', TOPICS.transactions, tx({ eventId: `E-${PLANTED_ID_NUMBER}` }), 'eventId: not an identifier: more than 14 digits in a row'],
    ['a name as customerId', TOPICS.transactions, tx({ customerId: PLANTED_NAME }), 'customerId: not an identifier: characters outside the allowed set (length 3)'],
    ['a forged line in a channel eventId', TOPICS.channelEvents, ce({ eventId: 'ce-1\nISSUED nothing' }), 'eventId: not an identifier: characters outside the allowed set'],
    ['a 100 KB channel customerId', TOPICS.channelEvents, ce({ customerId: 'C'.repeat(100_000) }), 'customerId: not an identifier: longer than 64 characters (length 100000)'],
    ['a glob in a profile customerId', TOPICS.customerProfiles, profile({ customerId: 'cust-*' }), 'customerId: not an identifier: characters outside the allowed set'],
    ['a name as a contact outcome taskId', TOPICS.channelEvents, ce({ attributes: { taskId: 'Wang Xiaoming', outcome: 'REACHED' } }, 1), 'attributes.taskId: not an identifier: characters outside the allowed set'],
  ])('%s', (_name, topic, event, message) => {
    const r = failure(topic, event);
    expect(r.reason).toBe('VALIDATION');
    expect(r.message).toContain(message);
    expect(r.message).not.toContain(PLANTED_ID_NUMBER);
    expect(r.message).not.toContain(PLANTED_NAME);
    expect(r.message.length).toBeLessThan(300);
  });

  it('takes the id rules from the caller', () => {
    const strict: InputLimits = { ...DEFAULT_LIMITS, ids: { ...DEFAULT_LIMITS.ids, maxLength: 8 } };
    expect(validateEvent(TOPICS.transactions, tx(), bounds, strict).ok).toBe(false);
    expect(validateEvent(TOPICS.transactions, tx(), bounds).ok).toBe(true);
  });
});

describe('validateEvent: amounts within the maximum', () => {
  const max = DEFAULT_LIMITS.maxAmountMinor;
  it('accepts the maximum amount and balance either side of zero', () => {
    expect(validateEvent(TOPICS.transactions, tx({ amountMinor: max, balanceAfterMinor: max }), bounds).ok).toBe(true);
    expect(validateEvent(TOPICS.transactions, tx({ amountMinor: 1, balanceAfterMinor: -max }), bounds).ok).toBe(true);
  });

  it.each<[string, Obj, string]>([
    ['one above the maximum', { amountMinor: max + 1 }, `amountMinor: must be at most ${max}`],
    ['2^52', { amountMinor: 2 ** 52 }, `amountMinor: must be at most ${max}`],
    ['a balance above it', { balanceAfterMinor: max + 1 }, `balanceAfterMinor: must be at most ${max}`],
    ['a balance below minus it', { balanceAfterMinor: -max - 1 }, `balanceAfterMinor: must be at least -${max}`],
    ['2^60 (not even a safe integer)', { amountMinor: 2 ** 60 }, `amountMinor: must be at most ${max}`],
    // What an input topic's Avro long beyond the safe range decodes to (avro-long.ts).
    ['2^60 as the decoder gives it (bigint)', { amountMinor: 2n ** 60n }, `amountMinor: must be at most ${max}`],
    ['int64 max (bigint)', { amountMinor: 2n ** 63n - 1n }, `amountMinor: must be at most ${max}`],
    ['-(2^63) as an amount (bigint)', { amountMinor: -(2n ** 63n) }, 'amountMinor: must be greater than 0'],
    ['-(2^60) as a balance (bigint)', { balanceAfterMinor: -(2n ** 60n) }, `balanceAfterMinor: must be at least -${max}`],
    ['2^53 as a balance (bigint)', { balanceAfterMinor: 2n ** 53n }, `balanceAfterMinor: must be at most ${max}`],
  ])('%s', (_name, patch, message) => {
    const r = failure(TOPICS.transactions, tx(patch));
    expect(r.reason).toBe('VALIDATION');
    expect(r.message).toBe(message);
    // The field and the limit, never the value.
    for (const v of Object.values(patch)) expect(r.message).not.toContain(String(v).replace('-', ''));
  });

  it('names every amount rule broken along with the record\'s other rules', () => {
    const r = failure(TOPICS.transactions, tx({ amountMinor: 2n ** 60n, product: null }, 1));
    expect(r.message).toContain(`amountMinor: must be at most ${max}`);
    expect(r.message).toContain('product: required when type is PRODUCT_PURCHASE');
  });

  it('refuses a bigint even within the limits (no decoder of ours gives one), and other types', () => {
    expect(failure(TOPICS.transactions, tx({ amountMinor: 5n })).message).toBe('amountMinor: must be an integer amount in minor units');
    expect(failure(TOPICS.transactions, tx({ amountMinor: '5' })).message).toBe('amountMinor: must be an integer amount in minor units');
    expect(failure(TOPICS.transactions, tx({ amountMinor: undefined })).message).toBe('amountMinor: required');
  });

  it('takes the maximum from the caller', () => {
    const small: InputLimits = { ...DEFAULT_LIMITS, maxAmountMinor: 1_000 };
    expect(validateEvent(TOPICS.transactions, tx({ amountMinor: 1_001, balanceAfterMinor: 0 }), bounds).ok).toBe(true);
    expect(validateEvent(TOPICS.transactions, tx({ amountMinor: 1_001, balanceAfterMinor: 0 }), bounds, small).ok).toBe(false);
    expect(validateEvent(TOPICS.transactions, tx({ amountMinor: 1_000, balanceAfterMinor: 0 }), bounds, small).ok).toBe(true);
  });
});
