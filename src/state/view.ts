/** The view the rules take is the feature engine's (src/features/view.ts). */
export type { EventView } from '../features/view.ts';
