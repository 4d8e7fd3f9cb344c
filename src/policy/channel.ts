import { INTERACTION_CHANNELS, type CustomerTier, type InteractionChannel, type OutreachKind } from '../events/types.ts';
import type { ProfileFacts } from '../rules/types.ts';

const BY_TIER: Readonly<Record<CustomerTier, InteractionChannel>> = Object.freeze({
  VIP: 'RM_VISIT',
  POTENTIAL: 'WECHAT',
  ORDINARY: 'APP',
});

const isChannel = (c: string): c is InteractionChannel => (INTERACTION_CHANNELS as readonly string[]).includes(c);

/**
 * Suggested channel (RULE-SEMANTICS.md): fraud checks CALL_CENTER; RETENTION
 * RM_VISIT; otherwise the first of the profile's preferred channels when there
 * is one, else by tier (VIP RM_VISIT, POTENTIAL WECHAT, ORDINARY APP). A
 * preferred entry that is not a known channel is skipped.
 */
export function suggestChannel(
  target: 'FRAUD_CHECK' | OutreachKind,
  tier: CustomerTier,
  profile: ProfileFacts | null,
): InteractionChannel {
  if (target === 'FRAUD_CHECK') return 'CALL_CENTER';
  if (target === 'RETENTION') return 'RM_VISIT';
  const preferred = profile?.preferredChannels.find(isChannel);
  return preferred ?? BY_TIER[tier];
}
