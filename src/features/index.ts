/**
 * The feature engine: docs/FEATURES.md as pure functions over a customer's
 * state. No I/O, no clock: the caller passes the options (calendar, lateness,
 * baby MCCs, the pseudonym function) and owns where the state is kept.
 *
 *   const { state, status, before, after } = apply(state, record, options);
 *
 * `before` / `after` are the EventView the rules take (src/rules/types.ts);
 * featureView() is what `carestream inspect` shows.
 */
export { apply, applyAll, applyEach, applyEachTo, applier, EOD_DAYS, MAX_OUTCOMES, MAX_PURCHASES, MONTHS_KEPT, MUTABLE_DAYS } from './apply.ts';
export type { Applied, ApplyStatus, FeatureOptions, FeatureRecord, RecordRef } from './apply.ts';
export { BusinessCalendar, dayLabel, monthLabel, monthOfDate } from './calendar.ts';
export { recordContacts } from './contacts.ts';
export { draftOf, emptyState, FINGERPRINT_BYTES } from './state.ts';
export type { BalanceEntry, CustomerState, DigestDay, Draft, KeptContact, KeptEventId, KeptOutcome, KeptProfile, KeptPurchase, OutflowSlot, Watermark } from './state.ts';
export { DEFAULT_TIERS, tierOf } from './tier.ts';
export type { TierThresholds } from './tier.ts';
export { avg30, eodAt, eventView, featureView } from './view.ts';
export type { EventView } from './view.ts';
export { compareTimers, exactAgeOn, fireDue, MAX_TIMERS, MAX_WATCHED_CHECKS, nextBirthday, nextDueAt, nextTierChangeDay, recordIssued, schedule, scheduleDraft, seedEvaluated, tierOnDay, timersOf } from './timers.ts';
export type { FiredTimer, IssuedFraudCheck, TimerOptions } from './timers.ts';
export type { LastEvaluated, Timer, TimerWhat, WatchedFraudCheck } from './state.ts';
export { ANSWERING_OUTCOMES } from './apply.ts';
export { advanceStreamTime, dueCustomers } from './stream-time.ts';
export type { StreamTimeInput } from './stream-time.ts';
