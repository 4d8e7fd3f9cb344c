import { describe, expect, it } from 'vitest';
import { DEFAULT_ID_RULES, idProblem, isIdentifier, shownId, type IdRules } from '../../../src/events/identifier.ts';
import { customerId } from '../../../src/generate/identity.ts';
import { taskIdFor } from '../../../src/tasks/task-id.ts';
import { uniqueName } from '../../support/stack.ts';

const ID_NUMBER = '110101199003078515';

describe('identifiers: what the defaults accept', () => {
  it.each([
    ['a generated customer id', customerId(366)],
    ['a generated event id', 'E000366-00042'],
    ['a task id', taskIdFor({ ruleId: 'large-outflow', customerId: 'C000366', triggerEventId: 'E000366-00042' })],
    ['a test id', uniqueName('C-dlq')],
    ['a test event id', `${uniqueName('C-api')}-t12`],
    ['dots, colons and dashes', 'crm.east:cust-0001_a'],
    ['64 characters', 'a'.repeat(64)],
    ['14 digits in a row', 'C12345678901234'],
  ])('%s', (_name, id) => {
    expect(idProblem(id)).toBeUndefined();
    expect(isIdentifier(id)).toBe(true);
  });
});

describe('identifiers: what the defaults refuse, described without the value', () => {
  it.each([
    ['300 KB', 'E'.repeat(300_000), 'not an identifier: longer than 64 characters (length 300000)'],
    ['a name', 'Wang Xiaoming', 'not an identifier: characters outside the allowed set (length 13)'],
    ['a name in Chinese', '张三丰', 'not an identifier: characters outside the allowed set (length 3)'],
    ['an ID number inside', `E-${ID_NUMBER}`, 'not an identifier: more than 14 digits in a row, like an ID or account number (length 20)'],
    ['an ID number ending in X', '11010119900307851X', 'more than 14 digits in a row'],
    ['a full account number', 'ACC6222021234568812', 'more than 14 digits in a row'],
    ['a forged line', 'C1\ncarestream: all clear', 'characters outside the allowed set'],
    ['a terminal escape', 'C1\u001b[2J', 'characters outside the allowed set'],
    ['a glob', 'C1*', 'characters outside the allowed set'],
    ['a glob class', 'C[12]', 'characters outside the allowed set'],
    ['a hash tag brace', 'C1}:c', 'characters outside the allowed set'],
    ['a leading dash (an option to the CLI)', '-C1', 'characters outside the allowed set'],
    ['empty', '', 'must not be empty'],
    ['blank', ' \t', 'must not be empty'],
    ['not a string', 42, 'must be a string'],
  ])('%s', (_name, id, message) => {
    const problem = idProblem(id);
    expect(problem).toContain(message);
    if (typeof id === 'string' && id.trim() !== '') expect(problem).not.toContain(id);
  });
});

describe('identifiers: configured rules', () => {
  it('a longer limit, another pattern and a longer digit run are honoured', () => {
    const rules: IdRules = { maxLength: 128, pattern: '[0-9]+', maxDigitRun: 20 };
    expect(idProblem('1'.repeat(20), rules)).toBeUndefined();
    expect(idProblem('1'.repeat(21), rules)).toContain('more than 20 digits');
    expect(idProblem('C1', rules)).toContain('outside the allowed set');
  });

  it('glob, brace, space and control characters stay refused whatever the pattern allows', () => {
    const anything: IdRules = { maxLength: 64, pattern: '.*', maxDigitRun: 64 };
    for (const id of ['a*', 'a?', 'a[b]', 'a\\b', '{a}', 'a b', 'a\u0000', 'ä']) expect(isIdentifier(id, anything), id).toBe(false);
    expect(isIdentifier('a|b', anything)).toBe(true);
  });

  it('the pattern must match the whole id', () => {
    expect(isIdentifier('C1 and more', { ...DEFAULT_ID_RULES, pattern: 'C1' })).toBe(false);
  });
});

describe('shownId', () => {
  it('shows an identifier as it is and anything else as a stand-in without the value', () => {
    expect(shownId('C000366')).toBe('C000366');
    const shown = shownId(`E-${ID_NUMBER}`);
    expect(shown).toMatch(/^invalid-id-[0-9a-f]{16}$/);
    expect(shown).not.toContain(ID_NUMBER);
    expect(shownId(`E-${ID_NUMBER}`)).toBe(shown);
    expect(isIdentifier(shown)).toBe(true);
  });
});
