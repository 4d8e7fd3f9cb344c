// A timer that fires between two of a customer's events, in a chunk whose
// transaction fails after the shard state was written back (issue 13): the
// state already has the timer consumed, so a replay of the chunk cannot fire
// it again; its outputs are kept with the chunk's timer step and the next
// owner publishes them. Real Kafka, registry and Redis; the failure is a
// real transaction's commit refused by a wrapper of the Kafka client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka, Producer, ProducerBatch, Transaction } from 'kafkajs';
import { TOPICS } from '../../../src/events/topics.ts';
import { taskIdFor } from '../../../src/tasks/task-id.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { committedOutputs } from '../../support/outputs.ts';
import { tx } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';

/** Refuses the commit of the next `failures` transactions that carry a fraud check keyed by `customerId`. */
function failingCommits(customerId: () => string, failures: { left: number; seen: number }) {
  const wrapTx = (t: Transaction): Transaction => {
    let mine = false;
    return new Proxy(t, {
      get(target, prop, receiver) {
        if (prop === 'sendBatch') {
          return (batch: ProducerBatch) => {
            for (const m of batch.topicMessages ?? []) if (m.topic === TOPICS.fraudCheckTasks && m.messages.some((x) => String(x.key) === customerId())) mine = true;
            return target.sendBatch(batch);
          };
        }
        if (prop === 'commit') {
          return async () => {
            if (mine) failures.seen++;
            if (mine && failures.left > 0) {
              failures.left--;
              throw new Error('injected: the transaction could not commit');
            }
            return target.commit();
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
  };
  const wrapProducer = (p: Producer): Producer =>
    new Proxy(p, {
      get(target, prop, receiver) {
        if (prop === 'transaction') return async () => wrapTx(await target.transaction());
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
  return (kafka: Kafka): Kafka =>
    new Proxy(kafka, {
      get(target, prop, receiver) {
        if (prop === 'producer') return (...args: Parameters<Kafka['producer']>) => wrapProducer(target.producer(...args));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
}

describe('a timer fired between two events survives a chunk that failed to commit', () => {
  let h: Harness;
  let customer = '';
  const failures = { left: 2, seen: 0 };
  beforeAll(async () => {
    h = await startHarness(
      { TIMERS_ENABLED: 'true', STREAM_TIME_FOLLOWS_CLOCK: 'false' },
      { deferStart: true, app: { kafka: failingCommits(() => customer, failures) } },
    );
  });
  afterAll(() => h?.stop());

  it('publishes the escalation exactly once after two failed commits', async () => {
    customer = uniqueName('C-tmr');
    const hour = 3_600_000;
    const at = Date.parse('2026-11-10T10:00:00+08:00');
    const deposit = tx(customer, new Date(at - 2 * hour).toISOString(), { amountMinor: 60_000_000, balanceAfterMinor: 60_000_000 });
    const outflow = tx(customer, new Date(at).toISOString(), { type: 'TRANSFER_OUT', amountMinor: 60_000_000, balanceAfterMinor: 0, counterparty: { accountRef: 'CP-9', ownAccount: false } });
    // 30 h later, unanswered: the check's 24 h passed before this event, so its escalation fires just before it.
    const later = tx(customer, new Date(at + 30 * hour).toISOString(), { amountMinor: 1_000, balanceAfterMinor: 1_000 });
    for (const e of [deposit, outflow, later]) await h.produce(TOPICS.transactions, e);
    await h.startService();
    await h.waitForConsumed(3);

    const mine = (id: string | null) => id === customer;
    let out = await committedOutputs(h, mine);
    for (let i = 0; i < 60 && (failures.left > 0 || !out.fraudChecks.some((t) => t.ruleId === 'fraud-check-escalation')); i++) {
      await new Promise((r) => setTimeout(r, 500));
      out = await committedOutputs(h, mine);
    }
    expect(failures).toEqual({ left: 0, seen: 3 });
    const check = taskIdFor({ ruleId: 'large-outflow', customerId: customer, triggerEventId: outflow.eventId });
    expect(out.fraudChecks.map((t) => [t.ruleId, t.taskId === check || t.evidence.originalTaskId === check]).sort()).toEqual([
      ['fraud-check-escalation', true],
      ['large-outflow', true],
    ]);
    const escalation = out.fraudChecks.find((t) => t.ruleId === 'fraud-check-escalation')!;
    expect([escalation.priority, escalation.reasons, escalation.dueBy]).toEqual(['P1', ['SLA_MISSED'], at + 28 * hour]);
  }, 120_000);
});
