import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ALL_TOPICS,
  INPUT_TOPICS,
  OUTPUT_TOPICS,
  SCHEMA_FILES,
  TOPICS,
  isInputTopic,
  isTopic,
  valueSubject,
} from '../../../src/events/topics.ts';

describe('topics', () => {
  it('lists the seven contract topics, inputs and outputs disjoint', () => {
    expect([...ALL_TOPICS].sort()).toEqual([
      'bank.carestream.dlq.v1',
      'bank.carestream.suppressions.v1',
      'bank.channel-events.v1',
      'bank.customer-profiles.v1',
      'bank.fraud-check-tasks.v1',
      'bank.outreach-tasks.v1',
      'bank.transactions.v1',
    ]);
    expect(INPUT_TOPICS).toEqual([TOPICS.transactions, TOPICS.channelEvents, TOPICS.customerProfiles]);
    expect(OUTPUT_TOPICS.some((t) => (INPUT_TOPICS as readonly string[]).includes(t))).toBe(false);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(TOPICS)).toBe(true);
    expect(Object.isFrozen(INPUT_TOPICS)).toBe(true);
    expect(Object.isFrozen(SCHEMA_FILES)).toBe(true);
  });

  it('maps every topic to an existing schema file named after it', () => {
    for (const t of ALL_TOPICS) {
      const path = fileURLToPath(SCHEMA_FILES[t]);
      expect(path.endsWith(`/schemas/${t}.avsc`)).toBe(true);
      expect(existsSync(path)).toBe(true);
    }
  });

  it('recognises topic names', () => {
    expect(isTopic('bank.transactions.v1')).toBe(true);
    expect(isTopic('bank.transactions.v2')).toBe(false);
    expect(isInputTopic(TOPICS.customerProfiles)).toBe(true);
    expect(isInputTopic(TOPICS.dlq)).toBe(false);
    expect(valueSubject(TOPICS.outreachTasks)).toBe('bank.outreach-tasks.v1-value');
  });
});
