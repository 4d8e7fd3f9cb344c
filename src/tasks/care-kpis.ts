import { CUSTOMER_TIERS } from '../events/types.ts';
import { careTaskStatus, type CareTask } from './care-task-status.ts';

/**
 * The care programme's measures, per tier, as the manuals count them: tasks
 * issued, the share of them that reached the customer (an answering outcome),
 * the share of fraud checks answered by their dueBy, escalations, complaints
 * (complaint-recovery tasks) and VIP downgrades (vip-downgrade tasks: churn;
 * zero until that rule exists). Pure, over the care tasks the status index
 * holds (the last CARE_TASK_RETENTION_MS of due times).
 */

export const KPI_TIERS = [...CUSTOMER_TIERS, 'UNKNOWN'] as const;
export type KpiTier = (typeof KPI_TIERS)[number];

export interface CareKpis {
  readonly tier: KpiTier;
  readonly tasksIssued: number;
  readonly reached: number;
  /** reached / issued, percent with one decimal; null when nothing was issued. */
  readonly reachedPercent: number | null;
  /** Fraud checks answered or past their dueBy: the ones whose timeliness is known. */
  readonly fraudChecksDecided: number;
  readonly fraudChecksAnsweredInTime: number;
  readonly fraudChecksAnsweredInTimePercent: number | null;
  readonly escalations: number;
  readonly complaints: number;
  readonly vipDowngrades: number;
}

const percent = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n * 1000) / d) / 10);

export function careKpis(tasks: Iterable<CareTask>, now: number): CareKpis[] {
  const acc = new Map<KpiTier, { issued: number; reached: number; decided: number; inTime: number; escalations: number; complaints: number; downgrades: number }>();
  for (const tier of CUSTOMER_TIERS) acc.set(tier, { issued: 0, reached: 0, decided: 0, inTime: 0, escalations: 0, complaints: 0, downgrades: 0 });
  for (const t of tasks) {
    const tier: KpiTier = (t.tier as KpiTier | null) ?? 'UNKNOWN';
    let a = acc.get(tier);
    if (!a) acc.set(tier, (a = { issued: 0, reached: 0, decided: 0, inTime: 0, escalations: 0, complaints: 0, downgrades: 0 }));
    a.issued++;
    if (t.outcome) a.reached++;
    if (t.kind === 'FRAUD_CHECK' && (t.outcome || now > t.dueBy)) {
      a.decided++;
      if (t.outcome && t.outcome.at <= t.dueBy) a.inTime++;
    }
    if (t.escalatedBy) a.escalations++;
    if (t.ruleId === 'complaint-recovery') a.complaints++;
    if (t.ruleId === 'vip-downgrade') a.downgrades++;
  }
  return KPI_TIERS.filter((tier) => acc.has(tier)).map((tier) => {
    const a = acc.get(tier)!;
    return {
      tier,
      tasksIssued: a.issued,
      reached: a.reached,
      reachedPercent: percent(a.reached, a.issued),
      fraudChecksDecided: a.decided,
      fraudChecksAnsweredInTime: a.inTime,
      fraudChecksAnsweredInTimePercent: percent(a.inTime, a.decided),
      escalations: a.escalations,
      complaints: a.complaints,
      vipDowngrades: a.downgrades,
    };
  });
}

/** Open and overdue care tasks per priority and kind (fraud check or outreach). */
export interface QueueCount {
  readonly priority: string;
  readonly status: 'open' | 'overdue';
  readonly kind: 'fraud_check' | 'outreach';
  readonly count: number;
}

/** What the metrics and the console's overview show of the care programme. */
export interface CareSummary {
  readonly kpis: readonly CareKpis[];
  readonly queue: readonly QueueCount[];
}

export function careSummary(tasks: readonly CareTask[], now: number): CareSummary {
  const counts = new Map<string, QueueCount>();
  for (const t of tasks) {
    const status = careTaskStatus(t, now);
    if (status !== 'open' && status !== 'overdue') continue;
    const kind = t.kind === 'FRAUD_CHECK' ? 'fraud_check' : 'outreach';
    const key = `${t.priority}|${status}|${kind}`;
    const c = counts.get(key);
    counts.set(key, { priority: t.priority, status, kind, count: (c?.count ?? 0) + 1 });
  }
  return { kpis: careKpis(tasks, now), queue: [...counts.values()] };
}
