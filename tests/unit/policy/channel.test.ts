import { describe, expect, it } from 'vitest';
import { suggestChannel } from '../../../src/policy/channel.ts';
import type { ProfileFacts } from '../../../src/rules/types.ts';

const profile = (preferredChannels: readonly string[]): ProfileFacts => ({
  marketingConsent: true,
  age: 40,
  riskTolerance: 3,
  riskAssessedAt: null,
  preferredChannels,
  hasRelationshipManager: true,
});

describe('suggestChannel', () => {
  it('fraud checks go to the call centre, whatever the profile says', () => {
    expect(suggestChannel('FRAUD_CHECK', 'VIP', profile(['WECHAT']))).toBe('CALL_CENTER');
  });

  it('RETENTION goes to the relationship manager', () => {
    expect(suggestChannel('RETENTION', 'VIP', profile(['SMS']))).toBe('RM_VISIT');
  });

  it('by tier without preferences: VIP RM_VISIT, POTENTIAL WECHAT, ORDINARY APP', () => {
    expect(suggestChannel('VIP_UPGRADE', 'VIP', profile([]))).toBe('RM_VISIT');
    expect(suggestChannel('GROWTH_PLAN', 'POTENTIAL', null)).toBe('WECHAT');
    expect(suggestChannel('CARE', 'ORDINARY', null)).toBe('APP');
  });

  it('the first preferred channel otherwise, skipping unknown entries', () => {
    expect(suggestChannel('LIFE_STAGE_OFFER', 'ORDINARY', profile(['SMS', 'EMAIL']))).toBe('SMS');
    expect(suggestChannel('SERVICE_RECOVERY', 'VIP', profile(['PIGEON', 'EMAIL']))).toBe('EMAIL');
    expect(suggestChannel('SERVICE_RECOVERY', 'VIP', profile(['PIGEON']))).toBe('RM_VISIT');
  });
});
