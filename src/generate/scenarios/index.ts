// The planted scenarios: which customers carry them and where in time they sit.
import type { BusinessCalendar } from '../calendar.ts';
import { Rng } from '../prng.ts';
import { ScenarioBuilder, type PlannedCustomer, type ScenarioTemplate } from './builder.ts';
import { LIFESTAGE_SCENARIOS } from './lifestage.ts';
import { OUTFLOW_SCENARIOS } from './outflow.ts';
import { PRODUCT_SCENARIOS } from './products.ts';
import { SERVICE_SCENARIOS } from './service.ts';
import { TIME_SCENARIOS } from './time.ts';
import { WEALTH_SCENARIOS } from './wealth.ts';

export type { PlannedCustomer } from './builder.ts';

export const SCENARIO_TEMPLATES: readonly ScenarioTemplate[] = [
  ...OUTFLOW_SCENARIOS,
  ...WEALTH_SCENARIOS,
  ...PRODUCT_SCENARIOS,
  ...LIFESTAGE_SCENARIOS,
  ...SERVICE_SCENARIOS,
  ...TIME_SCENARIOS,
];

export { AMBIGUOUS_BY_DESIGN } from './time.ts';

/** The profile is this many days before the first event anywhere in the file (see index.ts). */
export const PROFILE_LEAD_DAYS = 31;

/** Copies of each scenario: 1 for small populations, up to 3 from ~720 customers on. */
export function copiesFor(customers: number): number {
  return Math.max(1, Math.min(3, Math.floor(customers / (SCENARIO_TEMPLATES.length * 5))));
}

export interface Placement {
  readonly template: ScenarioTemplate;
  readonly copy: number;
  readonly customerNumber: number;
  readonly baseDay: number;
}

/**
 * Picks the planted customers (a seeded sample of 1..customers) and each
 * scenario's day 0: uniformly inside the stream when it fits, otherwise
 * ending on the stream's last day and starting before the stream (the
 * customer has history older than the stream; the file stays time-sorted).
 */
export function placeScenarios(seed: number, customers: number, startDay: number, endDay: number): Placement[] {
  const copies = copiesFor(customers);
  const needed = SCENARIO_TEMPLATES.length * copies;
  if (customers < needed) {
    throw new RangeError(`planted scenarios need at least ${needed} customers, got ${customers} (or turn scenarios off)`);
  }
  const rng = Rng.derive(seed, 'placement');
  const numbers = rng.shuffle(Array.from({ length: customers }, (_, i) => i + 1)).slice(0, needed);
  const days = endDay - startDay + 1;
  const out: Placement[] = [];
  let i = 0;
  for (const template of SCENARIO_TEMPLATES) {
    for (let copy = 0; copy < copies; copy++) {
      const fits = days - 1 - template.span;
      const baseDay = fits >= 0 ? startDay + rng.int(0, fits) : endDay - template.span;
      out.push({ template, copy, customerNumber: numbers[i++] as number, baseDay });
    }
  }
  return out;
}

/** First business day with an event of any planted customer. */
export function earliestDay(placements: readonly Placement[], startDay: number): number {
  return placements.reduce((min, p) => Math.min(min, p.baseDay), startDay);
}

export function buildScenarios(
  seed: number,
  calendar: BusinessCalendar,
  placements: readonly Placement[],
  profileAt: number,
  profileDay: number,
): PlannedCustomer[] {
  return placements.map((p) => {
    const b = new ScenarioBuilder({
      seed,
      calendar,
      customerNumber: p.customerNumber,
      scenario: p.template.name,
      copy: p.copy,
      baseDay: p.baseDay,
      span: p.template.span,
      profileAt,
      // The latest purchase is at most this many days after the profile; fresh
      // assessments must stay under 365 days old until then.
      freshAssessmentMaxDays: 340 - (p.baseDay + p.template.span - profileDay),
    });
    p.template.build(b);
    return b.build();
  });
}
