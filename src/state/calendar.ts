// The business calendar lives with the features (src/features/calendar.ts).
export * from '../features/calendar.ts';
