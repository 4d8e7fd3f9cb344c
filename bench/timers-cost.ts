import { inOneRound, type RedisClient } from '../src/state/redis.ts';
import { StateKeys } from '../src/state/keys.ts';
import { distribution, round, type Distribution } from './stats.ts';

/**
 * The cost of time as a trigger (issue 13): the same pre-loaded history run
 * end to end twice, with timers off and on, and what the timers leave in
 * Redis — the timers kept in each customer's state and the shard's due index.
 */
export interface TimersCost {
  readonly what: string;
  /** Events/s of the pass with timers off (same records, own group and Redis prefix). */
  readonly offEventsPerSecond: number;
  readonly onEventsPerSecond: number;
  /** on / off: issue 13 asks for >= 0.9. */
  readonly ratio: number;
  readonly off: { readonly seconds: number; readonly serviceCpuSeconds: number; readonly redisCpuSeconds: number; readonly outputsCommitted: Record<string, number> };
  /** Pending timers per sampled customer with timers on. */
  readonly pendingPerCustomer: Distribution | undefined;
  /** MEMORY USAGE of the sampled customers' state keys: mean with timers on, off, and the difference. */
  readonly stateKeyMeanOn: number;
  readonly stateKeyMeanOff: number;
  /** The shards' due indexes (one sorted set per shard): keys, members, MEMORY USAGE. */
  readonly dueIndex: { readonly keys: number; readonly members: number; readonly bytes: number };
  /** Per customer: the state-key difference plus the customer's share of the due index. */
  readonly bytesPerCustomer: number;
  /** bytesPerCustomer over the mean number of pending timers per customer. */
  readonly bytesPerPendingTimer: number | null;
}

/** The due indexes of shards 0..shards-1 under `prefix`. */
export async function dueIndexSize(redis: RedisClient, prefix: string, shards: number): Promise<TimersCost['dueIndex']> {
  const keys = new StateKeys(prefix);
  const replies = await inOneRound(redis, (pipeline) => {
    for (let p = 0; p < shards; p++) {
      pipeline.zcard(keys.due(p));
      pipeline.call('MEMORY', 'USAGE', keys.due(p), 'SAMPLES', '0');
    }
  });
  let found = 0;
  let members = 0;
  let bytes = 0;
  for (let p = 0; p < shards; p++) {
    const [[, card], [, usage]] = [replies[p * 2]!, replies[p * 2 + 1]!];
    if (typeof usage !== 'number') continue;
    found++;
    // The `~epoch` member is the index's fence, not a customer's timer.
    members += Math.max(0, Number(card) - 1);
    bytes += usage;
  }
  return { keys: found, members, bytes };
}

export interface TimersCostInputs {
  readonly records: number;
  readonly on: { readonly seconds: number };
  readonly off: TimersCost['off'];
  readonly customers: number;
  readonly pending: readonly number[];
  readonly stateKeyMeanOn: number;
  readonly stateKeyMeanOff: number;
  readonly dueIndex: TimersCost['dueIndex'];
}

/** The figures from what the bench measured. Pure. */
export function timersCost(i: TimersCostInputs): TimersCost {
  const onEventsPerSecond = Math.round(i.records / i.on.seconds);
  const offEventsPerSecond = Math.round(i.records / i.off.seconds);
  const perCustomer = i.stateKeyMeanOn - i.stateKeyMeanOff + i.dueIndex.bytes / Math.max(1, i.customers);
  const pendingMean = i.pending.length === 0 ? 0 : i.pending.reduce((a, b) => a + b, 0) / i.pending.length;
  return {
    what: 'the end-to-end pass run again with TIMERS_ENABLED=false on the same records (own consumer group and Redis prefix, before the timers-on pass); bytes: MEMORY USAGE of the sampled state keys with timers on minus off, plus the due index per customer',
    offEventsPerSecond,
    onEventsPerSecond,
    ratio: round(onEventsPerSecond / Math.max(1, offEventsPerSecond), 3),
    off: i.off,
    pendingPerCustomer: distribution([...i.pending]),
    stateKeyMeanOn: Math.round(i.stateKeyMeanOn),
    stateKeyMeanOff: Math.round(i.stateKeyMeanOff),
    dueIndex: i.dueIndex,
    bytesPerCustomer: Math.round(perCustomer),
    bytesPerPendingTimer: pendingMean === 0 ? null : round(perCustomer / pendingMean, 1),
  };
}
