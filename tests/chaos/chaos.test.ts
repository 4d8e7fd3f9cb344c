import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runChaos, type ChaosOptions } from './chaos-run.ts';

/**
 * `npm run test:chaos` (full) and `npm run test:chaos:short` (what CI runs):
 * exactly-once under kill -9, broker restart and Redis flush, judged against a
 * fault-free run over the same input. See tests/chaos/chaos-run.ts.
 */
const SCALES = {
  full: { customers: 1000, days: 90, instances: 2, kills: 5, brokerRestarts: 1, redisFlushes: 1, garbage: 200 },
  short: { customers: 250, days: 60, instances: 2, kills: 2, brokerRestarts: 1, redisFlushes: 1, garbage: 50 },
} as const;

const scaleName = (process.env.CHAOS_SCALE ?? 'full') as keyof typeof SCALES;
const scale = SCALES[scaleName];
const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 1_000_000));
// Both runs fire timers, as the service does by default (TIMERS_ENABLED); CHAOS_TIMERS=false runs the event path alone.
const timers = process.env.CHAOS_TIMERS !== 'false';
// Where the state lives: the stack's Redis (a database of the run's own), a Redis Cluster of the run's own, or both in turn.
const REDIS_TARGETS = ['server', 'cluster'] as const;
const targets = (process.env.CHAOS_REDIS ?? REDIS_TARGETS.join(',')).split(',').map((t) => t.trim());

describe(`chaos (${scaleName}: ${scale.customers} customers × ${scale.days} days, ${scale.instances} instances, ${scale.kills} kills, ${scale.brokerRestarts} broker restart, ${scale.redisFlushes} Redis flush; timers ${timers ? 'on' : 'off'}; seed ${seed})`, () => {
  it.each(targets)('on %s Redis: publishes every task once and ends with the features and agent API answers (tasks, audit trail) of a fault-free run', async (target) => {
    if (!SCALES[scaleName]) throw new Error(`CHAOS_SCALE must be one of ${Object.keys(SCALES).join(', ')}`);
    if (!(REDIS_TARGETS as readonly string[]).includes(target)) throw new Error(`CHAOS_REDIS must list ${REDIS_TARGETS.join(' and/or ')}, not ${target}`);
    const stack = inject('stack');
    const options: ChaosOptions = {
      ...scale,
      seed,
      registryUrl: stack.registryUrl,
      redisUrl: stack.redisUrl,
      redisDb: Number(process.env.CHAOS_REDIS_DB ?? 9),
      redisCluster: target === 'cluster',
      timers,
      workDir: join(new URL('../../.cache/chaos', import.meta.url).pathname, `run-${Date.now().toString(36)}-${target}`),
      log: (line) => process.stdout.write(`[chaos ${target} ${new Date().toISOString().slice(11, 19)}] ${line}\n`),
    };
    const t = await runChaos(options);
    const rows: [string, string | number][] = [
      ['events in', t.eventsIn],
      ['undecodable records in', t.garbageIn],
      ['customers', t.customers],
      ['baseline outputs', JSON.stringify(t.baselineOutputs)],
      ['chaos-run outputs', JSON.stringify(t.chaosOutputs)],
      ['tasks out (chaos run)', t.tasksOut],
      ['duplicates', t.duplicates],
      ['missing', t.missing],
      ['unexpected', t.unexpected],
      ['content differs', t.contentDiffers],
      ['customers whose features differ', t.featuresDiffer],
      ['customers whose agent API answers were compared', t.apiCustomers],
      ['customers whose tasks answer differs', t.tasksAnswersDiffer],
      ['customers whose audit answer differs', t.auditAnswersDiffer],
      ['agent API answers 5xx', t.apiServerErrors],
      ['audit entries (chaos run)', t.auditEntries],
      ['agent API statuses (chaos run)', JSON.stringify(t.apiStatuses)],
      ['kill -9', t.kills],
      ['instance restarts', t.instanceRestarts],
      ['exits on their own (restarted)', t.unexpectedExits],
      ['broker restarts', t.brokerRestarts],
      ['Redis flushes', t.redisFlushes],
      ['faults while records were pending', t.faultsDuringProcessing],
      ['baseline seconds', t.baselineSeconds.toFixed(1)],
      ['chaos-run seconds', t.chaosSeconds.toFixed(1)],
      ['seed', seed],
    ];
    console.log(['', `| chaos tally (${target} Redis) | |`, '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`), ...t.examples.map((e) => `  e.g. ${e}`)].join('\n'));

    // The comparison means something only if the run produced decisions of every kind.
    expect(t.tasksOut).toBeGreaterThan(0);
    expect(t.baselineOutputs['bank.carestream.dlq.v1']).toBe(t.garbageIn);
    expect(t.duplicates).toBe(0);
    expect(t.missing).toBe(0);
    expect(t.unexpected).toBe(0);
    expect(t.contentDiffers).toBe(0);
    expect(t.featuresDiffer).toBe(0);
    expect(t.apiCustomers).toBe(t.customers);
    expect(t.apiServerErrors).toBe(0);
    expect(t.tasksAnswersDiffer).toBe(0);
    expect(t.auditAnswersDiffer).toBe(0);
    // The audit answers compared something: decisions of the run are in them.
    expect(t.apiStatuses['audit 200']).toBe(t.customers);
    expect(t.auditEntries).toBe(t.chaosOutputs['bank.fraud-check-tasks.v1']! + t.chaosOutputs['bank.outreach-tasks.v1']! + (t.chaosOutputs['bank.carestream.suppressions.v1'] ?? 0));
    expect(t.kills).toBe(scale.kills);
    expect(t.brokerRestarts).toBe(scale.brokerRestarts);
    expect(t.redisFlushes).toBe(scale.redisFlushes);
    expect(t.faultsDuringProcessing).toBe(scale.kills + scale.brokerRestarts + scale.redisFlushes);
    // The seed is drawn per run: 1,000 customers × 90 days give 187,000–195,000 events (seed 120968: 187,189).
    if (scaleName === 'full') expect(t.eventsIn).toBeGreaterThanOrEqual(180_000);
  });
});
