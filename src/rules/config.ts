import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CarestreamError } from '../errors.ts';
import type { CustomerTier } from '../events/types.ts';
import type { TierThresholds } from '../state/tier.ts';
import { RATIO_DECIMALS, isExactRatio } from './ratio.ts';

/**
 * The versioned rule file: every threshold of docs/RULES.md, with the
 * defaults of docs/RULES.md / docs/RULE-SEMANTICS.md. Every key is optional except
 * `version`; objects are strict (an unknown rule id or key is an error, so a
 * typo cannot silently leave a default in force).
 *
 * ```json
 * {
 *   "version": "2026-11-bank-a",
 *   "rules": {
 *     "large-outflow": { "minAmountMinor": 10000000, "elderlyAge": 70 },
 *     "welcome": { "enabled": false }
 *   },
 *   "tiers": { "vipMinor": 100000000 },
 *   "policy": { "cooldownDays": 45, "capWindowDays": { "POTENTIAL": 21 } }
 * }
 * ```
 *
 * Units: amounts in integer minor units (fen), due offsets in hours, ratios
 * as decimals with at most six places (compared exactly, see ratio.ts).
 *
 * Windows that the feature store computes (docs/FEATURES.md: 90-day
 * counterparties and largest outflow, the 1-hour velocity window, the 7 days of
 * the retention rule, the 30-day mortgage window, the 90-day investment
 * look-back behind `payrollMonth`) are not tunable here: the rules only see
 * the store's result. The two the rule book names per rule
 * (`mortgage-interest.windowDays`, `payroll-plan.noInvestmentDays`) are
 * accepted for documentation but must equal the store's value.
 */

export const RULE_IDS = [
  'large-outflow',
  'outflow-velocity',
  'vip-outflow-retention',
  'vip-upgrade',
  'asset-growth',
  'risky-streak',
  'suitability',
  'mortgage-interest',
  'new-parent',
  'payroll-plan',
  'welcome',
  'complaint-recovery',
  'vip-downgrade',
  'care-cadence',
  'birthday-greeting',
  'fraud-check-escalation',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

const HOURS_MAX = 24 * 366;

const required = (what: string) => (iss: { input?: unknown }) => (iss.input === undefined ? 'required' : what);

// Checks zod can state in a JSON Schema (schemas/rules.schema.json), so an editor flags what the service would.
const integer = (min: number, max: number, what: string) => z.int({ error: what }).min(min, { error: what }).max(max, { error: what });

const positiveInt = integer(1, Number.MAX_SAFE_INTEGER, 'expected a positive integer');
const hours = integer(1, HOURS_MAX, `expected a whole number of hours from 1 to ${HOURS_MAX}`);
const age = integer(1, 150, 'expected an age in whole years from 1 to 150');
const days = (max: number) => integer(1, max, `expected a whole number of days from 1 to ${max}`);
const count = (max: number) => integer(1, max, `expected an integer from 1 to ${max}`);

/** A decimal in (min, max] (or [min, max] when `minInclusive`), at most RATIO_DECIMALS places. */
const ratio = (min: number, max: number, minInclusive = false) => {
  const what = `expected a number ${minInclusive ? '>=' : '>'} ${min} and <= ${max} with at most ${RATIO_DECIMALS} decimals`;
  const n = z.number({ error: what });
  // The decimals have no JSON Schema form (multipleOf 0.000001 is inexact in doubles): a refinement.
  return (minInclusive ? n.min(min, { error: what }) : n.gt(min, { error: what })).max(max, { error: what }).refine(isExactRatio, what);
};

const fixed = (value: number, unit: string) =>
  z.literal(value, { error: `fixed at ${value} ${unit} by the feature store (docs/FEATURES.md)` });

const cadenceDays = integer(1, 366, 'expected a whole number of days from 1 to 366, or null (no cadence)').nullable();

const enabled = z.boolean({ error: 'expected true or false' }).default(true);

const ruleSchemas = {
  'large-outflow': z.strictObject({
    enabled,
    /** Smallest outflow that is checked at all (50,000.00). */
    minAmountMinor: positiveInt.default(5_000_000),
    /** SPIKE_VS_HISTORY: amount >= spikeMultiple x the largest outflow of the previous 90 days. */
    spikeMultiple: ratio(1, 1000, true).default(5),
    /** SHARE_OF_BALANCE: amount >= shareOfAssets x assets before the outflow. */
    shareOfAssets: ratio(0, 1).default(0.5),
    /** P1 from this amount on (500,000.00). */
    highAmountMinor: positiveInt.default(50_000_000),
    /** P1 and ELDERLY_CUSTOMER from this age on. */
    elderlyAge: age.default(65),
    dueHours: hours.default(24),
  }),
  'outflow-velocity': z.strictObject({
    enabled,
    /** Outflows to new counterparties within the last hour ... */
    minCount: count(1000).default(3),
    /** ... summing to at least this. */
    minSumMinor: positiveInt.default(5_000_000),
    dueHours: hours.default(24),
  }),
  'vip-outflow-retention': z.strictObject({
    enabled,
    /** Assets at or below assetsRatio x the 30-day average (a fall of >= 30 %). */
    assetsRatio: ratio(0, 1).default(0.7),
    dueHours: hours.default(72),
  }),
  'vip-upgrade': z.strictObject({ enabled, dueHours: hours.default(7 * 24) }),
  'asset-growth': z.strictObject({ enabled, dueHours: hours.default(14 * 24) }),
  'risky-streak': z.strictObject({
    enabled,
    /** Consecutive high-risk purchases that fire. */
    streak: count(8).default(3),
    elderlyAge: age.default(65),
    dueHours: hours.default(72),
  }),
  suitability: z.strictObject({
    enabled,
    /** An assessment older than this at the purchase is ASSESSMENT_OUTDATED. */
    maxAssessmentAgeDays: days(3660).default(365),
    dueHours: hours.default(72),
  }),
  'mortgage-interest': z.strictObject({
    enabled,
    /** Mortgage rate queries / calculator uses within the window that fire. */
    minCount: count(1000).default(3),
    windowDays: fixed(30, 'days').default(30),
    /** Deposits (account balances, not holdings) needed (200,000.00). */
    minDepositsMinor: positiveInt.default(20_000_000),
    dueHours: hours.default(7 * 24),
  }),
  'new-parent': z.strictObject({
    enabled,
    /** Consecutive calendar months with a maternal/baby card purchase (the store keeps 13). */
    consecutiveMonths: count(12).default(3),
    dueHours: hours.default(14 * 24),
  }),
  'payroll-plan': z.strictObject({
    enabled,
    noInvestmentDays: fixed(90, 'days').default(90),
    dueHours: hours.default(14 * 24),
  }),
  welcome: z.strictObject({ enabled, dueHours: hours.default(7 * 24) }),
  'complaint-recovery': z.strictObject({ enabled, dueHours: hours.default(48) }),
  'vip-downgrade': z.strictObject({ enabled, dueHours: hours.default(72) }),
  'care-cadence': z.strictObject({
    enabled,
    /** Days without contact after which a tier's customer is due a CARE contact; null: that tier has no cadence. */
    cadenceDays: z
      .strictObject({
        VIP: cadenceDays.default(30),
        POTENTIAL: cadenceDays.default(14),
        ORDINARY: cadenceDays.default(null),
      })
      .prefault({}),
    dueHours: hours.default(7 * 24),
  }),
  'birthday-greeting': z.strictObject({ enabled, dueHours: hours.default(24) }),
  'fraud-check-escalation': z.strictObject({ enabled, dueHours: hours.default(4) }),
} as const satisfies Record<RuleId, z.ZodType>;

type RuleSchemas = typeof ruleSchemas;
export type RuleParamsOf<K extends RuleId> = Readonly<z.output<RuleSchemas[K]>>;
export type RuleParams = { readonly [K in RuleId]: RuleParamsOf<K> };

const rulesSchema = z.strictObject(
  Object.fromEntries(RULE_IDS.map((id) => [id, z.prefault(ruleSchemas[id] as z.ZodType, {})])) as {
    [K in RuleId]: z.ZodPrefault<RuleSchemas[K]>;
  },
);

const tiersSchema = z.strictObject({
  vipMinor: positiveInt.default(50_000_000),
  growthPercent: integer(1, 10_000, 'expected a whole percentage from 1 to 10000').default(30),
});

const capWindowDays = days(366);
const policySchema = z.strictObject({
  /** The same rule issues at most one value contact per customer in this many days. */
  cooldownDays: days(366).default(30),
  /** At most one value contact per customer within this many days, per tier. */
  capWindowDays: z
    .strictObject({
      VIP: capWindowDays.default(30),
      POTENTIAL: capWindowDays.default(14),
      ORDINARY: capWindowDays.default(30),
    })
    .prefault({}),
});

const VERSION_PROBLEM = 'expected a non-empty single-line string of at most 100 characters';

const ruleSetSchema = z.strictObject({
  version: z
    .string({ error: required('expected a string') })
    .max(100, { error: VERSION_PROBLEM })
    .refine((s) => s.trim().length > 0 && !/[\r\n]/.test(s), VERSION_PROBLEM),
  /** Where an editor finds the JSON Schema (schemas/rules.schema.json); ignored by the service. */
  $schema: z.string({ error: 'expected a string (the JSON Schema an editor uses)' }).optional(),
  rules: rulesSchema.prefault({}),
  tiers: tiersSchema.prefault({}),
  policy: policySchema.prefault({}),
});

export interface PolicyConfig {
  readonly cooldownDays: number;
  readonly capWindowDays: Readonly<Record<CustomerTier, number>>;
}

export interface RuleSet {
  readonly version: string;
  readonly rules: RuleParams;
  readonly tiers: TierThresholds;
  readonly policy: PolicyConfig;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'rule set' : path.map(String).join('.');
}

const quoteList = (keys: readonly string[]) => keys.map((k) => JSON.stringify(k)).join(', ');

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
  let problem: string;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    const isRules = issue.path.length === 1 && issue.path[0] === 'rules';
    problem = `unknown ${isRules ? 'rule id' : 'key'}${keys.length > 1 ? 's' : ''} ${quoteList(keys)}`;
    if (isRules) problem += ` (known: ${RULE_IDS.join(', ')})`;
  } else if (issue.code === 'invalid_type' && issue.expected === 'object') {
    problem = 'expected an object';
  } else {
    problem = issue.message;
  }
  return `${where}: ${problem}`.replace(/[\r\n]+/g, ' ');
}

/**
 * Every problem of a parsed rule file, one line each (`<path>: <problem>`), in
 * the schema's order; empty when the file is valid. `carestream rules check`
 * prints them all; the service refuses the file with the first.
 */
export function ruleSetProblems(json: unknown): string[] {
  const result = ruleSetSchema.safeParse(json);
  if (result.success) return [];
  // A value can break two checks with one message (a ratio out of range is also refined): say it once.
  return [...new Set(result.error.issues.map(describeIssue))];
}

/**
 * Validates a parsed rule file and fills in the defaults. Throws a
 * CarestreamError('CS_ERR_CONFIG') whose message is one line:
 * `<path>: <problem>`, e.g. `rules.large-outflow.minAmountMinor: expected a positive integer`.
 */
export function parseRuleSet(json: unknown): RuleSet {
  const result = ruleSetSchema.safeParse(json);
  if (!result.success) throw new CarestreamError('CS_ERR_CONFIG', describeIssue(result.error.issues[0]!));
  return deepFreeze(result.data as RuleSet);
}

/**
 * The rule file's JSON Schema (draft 2020-12), generated from the schema the
 * service validates with; committed as schemas/rules.schema.json for editors.
 * It states types, ranges, the rule ids and every key; two checks have no
 * JSON Schema form and are the service's alone: ratios' six decimals and a
 * version that is not blank or multi-line.
 */
export function ruleSetJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ruleSetSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'carestream rule file',
    description: 'Thresholds of the carestream rule book (docs/RULES.md). Only version is required; every value left out keeps its default. Amounts in integer minor units, due offsets in hours.',
  };
}

/** Reads and validates a JSON rule file; problems are one-line CS_ERR_CONFIG errors naming the file. */
export async function loadRuleSetFile(path: string): Promise<RuleSet> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (err) {
    throw new CarestreamError('CS_ERR_CONFIG', `rule file ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new CarestreamError('CS_ERR_CONFIG', `rule file ${path}: not valid JSON`);
  }
  try {
    return parseRuleSet(parsed);
  } catch (err) {
    if (err instanceof CarestreamError) throw new CarestreamError('CS_ERR_CONFIG', `rule file ${path}: ${err.message}`);
    throw err;
  }
}

export const DEFAULT_RULE_SET_VERSION = 'default-1';

let defaults: RuleSet | undefined;

/** The shipped rule book (docs/RULES.md), version `default-1`. */
export function defaultRuleSet(): RuleSet {
  defaults ??= parseRuleSet({ version: DEFAULT_RULE_SET_VERSION });
  return defaults;
}
