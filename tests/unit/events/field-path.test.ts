import { describe, expect, it } from 'vitest';
import { formatPath } from '../../../src/events/field-path.ts';

describe('formatPath', () => {
  it.each<[PropertyKey[], string]>([
    [[], '(root)'],
    [['amountMinor'], 'amountMinor'],
    [['product', 'riskLevel'], 'product.riskLevel'],
    [['preferredChannels', 2], 'preferredChannels[2]'],
    [['attributes', 'taskId'], 'attributes.taskId'],
    [['attributes', '110101199003078515'], 'attributes[?]'],
    [['attributes', '张三'], 'attributes[?]'],
    [['attributes', 'content-type'], 'attributes[?]'],
    [['a'.repeat(65)], '[?]'],
    [[Symbol('s')], '[?]'],
  ])('%j -> %s', (segments, expected) => {
    expect(formatPath(segments)).toBe(expected);
  });
});
