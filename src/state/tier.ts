// Tiers are a feature (src/features/tier.ts).
export * from '../features/tier.ts';
