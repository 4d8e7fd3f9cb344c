// Customer profiles. Every profile is published once, before any behaviour,
// so the pipeline knows consent, age and risk tolerance from the first event.
import type { CustomerProfile, InteractionChannel } from '../events/types.ts';
import { DAY_MS, isoDate } from './calendar.ts';
import { customerId, fakeFullName, fakeIdNumber, relationshipManagerId } from './identity.ts';
import type { Rng } from './prng.ts';

export interface ProfileSpec {
  /** Whole years of age on `referenceDay`, kept clear of birthdays that would change it mid-stream. */
  readonly age: number;
  readonly referenceDay: number;
  /** null: never assessed (riskAssessedAt null too). */
  readonly riskTolerance: number | null;
  /** How long before the profile's updatedAt the assessment was done. */
  readonly assessedDaysBefore: number | null;
  readonly marketingConsent: boolean;
  readonly preferredChannels: readonly InteractionChannel[];
  readonly withRelationshipManager: boolean;
  /** A day on which the customer has a birthday (birthday-greeting scenarios): the birth date is then `age` years before it, same month and day. */
  readonly birthdayDay?: number;
}

/**
 * The birth date puts the customer `age` years and 30..300 days past a
 * birthday on `referenceDay`, so the age stays put for the ~2 months around
 * it that matter; callers keep "elderly" and "not elderly" well away from 65.
 */
export function birthDateFor(age: number, referenceDay: number, rng: Rng): string {
  const days = Math.round(age * 365.2425) + rng.int(30, 300);
  return isoDate(referenceDay - days);
}

/** The birth date of someone turning `age` on `day` (29 February is avoided by the caller). */
export function birthDateOn(age: number, day: number): string {
  const d = isoDate(day);
  return `${String(Number(d.slice(0, 4)) - age).padStart(4, '0')}${d.slice(4)}`;
}

export function makeProfile(customerNumber: number, updatedAt: number, spec: ProfileSpec, rng: Rng): CustomerProfile {
  const birthDate = spec.birthdayDay === undefined ? birthDateFor(spec.age, spec.referenceDay, rng) : birthDateOn(spec.age, spec.birthdayDay);
  const riskAssessedAt =
    spec.riskTolerance === null || spec.assessedDaysBefore === null
      ? null
      : updatedAt - spec.assessedDaysBefore * DAY_MS - rng.int(1, 8) * 3_600_000;
  return {
    customerId: customerId(customerNumber),
    updatedAt,
    birthDate,
    riskTolerance: spec.riskTolerance,
    riskAssessedAt,
    marketingConsent: spec.marketingConsent,
    preferredChannels: [...spec.preferredChannels],
    relationshipManagerId: spec.withRelationshipManager ? relationshipManagerId(rng) : null,
    idNumber: fakeIdNumber(birthDate, rng),
    fullName: fakeFullName(rng),
  };
}

const CONTACT_CHANNELS: readonly InteractionChannel[] = ['APP', 'WECHAT', 'SMS', 'EMAIL', 'CALL_CENTER'];

/** Mostly empty; otherwise one or two distinct channels. */
export function somePreferredChannels(rng: Rng): InteractionChannel[] {
  if (rng.chance(0.7)) return [];
  const first = rng.pick(CONTACT_CHANNELS);
  if (rng.chance(0.6)) return [first];
  const second = rng.pick(CONTACT_CHANNELS.filter((c) => c !== first));
  return [first, second];
}
