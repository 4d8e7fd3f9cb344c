import { describe, expect, it } from 'vitest';
import { ShardProducers, retryConcurrent, type ProducerTransaction, type TransactionalProducer } from '../../../src/stream/shard-producers.ts';
import { isConcurrentTransactions } from '../../../src/kafka/transaction-errors.ts';

/** A producer that records what it was asked, failing the steps a test names. */
class FakeProducer implements TransactionalProducer {
  readonly calls: string[] = [];
  connected = false;
  readonly id: string;
  private readonly fail: { step?: 'sendBatch' | 'sendOffsets' | 'commit'; times?: number; error?: () => Error };
  constructor(id: string, fail: { step?: 'sendBatch' | 'sendOffsets' | 'commit'; times?: number; error?: () => Error } = {}) {
    this.id = id;
    this.fail = fail;
  }
  async connect() {
    this.connected = true;
    this.calls.push('connect');
  }
  async disconnect() {
    this.connected = false;
    this.calls.push('disconnect');
  }
  async transaction(): Promise<ProducerTransaction> {
    this.calls.push('begin');
    const step = async (name: 'sendBatch' | 'sendOffsets' | 'commit', detail = '') => {
      if (this.fail.step === name && (this.fail.times ?? Infinity) > 0) {
        if (this.fail.times !== undefined) this.fail.times--;
        this.calls.push(`${name}!`);
        throw (this.fail.error ?? (() => new Error(`${name} failed`)))();
      }
      this.calls.push(name + detail);
    };
    return {
      sendBatch: (b) => step('sendBatch', `:${b.topicMessages.map((t) => `${t.topic}×${t.messages.length}`).join(',')}`),
      sendOffsets: (o) => step('sendOffsets', `:${o.consumerGroupId}:${o.topics.map((t) => `${t.topic}@${t.partitions[0]!.partition}=${t.partitions[0]!.offset}${t.partitions[0]!.metadata ? `(${t.partitions[0]!.metadata})` : ''}`).join(',')}`),
      commit: () => step('commit'),
      abort: async () => {
        this.calls.push('abort');
      },
    };
  }
}

const concurrent = () => Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('The producer attempted to update the transaction while another concurrent operation on the same transaction was ongoing'), { type: 'CONCURRENT_TRANSACTIONS' }) });
const noSleep = async () => {};

describe('ShardProducers: one transactional producer per shard', () => {
  it('names the producer after the group and shard, and commits outputs and offsets in one transaction', async () => {
    const made: FakeProducer[] = [];
    const producers = new ShardProducers((id) => (made.push(new FakeProducer(id)), made.at(-1)!), { groupId: 'g', sleep: noSleep });
    await producers.commit(3, [{ topic: 'care-tasks', key: 'C-1', value: Buffer.from('x') }, { topic: 'care-tasks', key: 'C-2', value: Buffer.from('y') }], [{ topic: 'tx', offset: 42n, metadata: 'carestream:st=5' }]);
    expect(made.map((p) => p.id)).toEqual(['g.task.3']);
    expect(made[0]!.calls).toEqual(['connect', 'begin', 'sendBatch:care-tasks×2', 'sendOffsets:g:tx@3=42(carestream:st=5)', 'commit']);
    // The next chunk uses the same producer.
    await producers.commit(3, [], [{ topic: 'tx', offset: 43n, metadata: null }]);
    expect(made).toHaveLength(1);
    await producers.closeAll();
    expect(made[0]!.connected).toBe(false);
  });

  it('a fresh producer replaces the shard\'s old one (initialising it fences earlier owners)', async () => {
    const made: FakeProducer[] = [];
    const producers = new ShardProducers((id) => (made.push(new FakeProducer(id)), made.at(-1)!), { groupId: 'g' });
    await producers.fresh(1);
    await producers.fresh(1);
    expect(made).toHaveLength(2);
    expect(made[0]!.calls.at(-1)).toBe('disconnect');
    expect(made[1]!.connected).toBe(true);
  });

  it('a failed step aborts, drops the producer and fails the commit; the next commit gets a new producer', async () => {
    const made: FakeProducer[] = [];
    let n = 0;
    const producers = new ShardProducers((id) => (made.push(new FakeProducer(id, n++ === 0 ? { step: 'commit' } : {})), made.at(-1)!), { groupId: 'g', sleep: noSleep });
    await expect(producers.commit(0, [], [{ topic: 'tx', offset: 1n, metadata: null }])).rejects.toThrow('commit failed');
    expect(made[0]!.calls.slice(-3)).toEqual(['commit!', 'abort', 'disconnect']);
    await producers.commit(0, [], [{ topic: 'tx', offset: 1n, metadata: null }]);
    expect(made).toHaveLength(2);
    expect(made[1]!.calls.at(-1)).toBe('commit');
  });

  it('CONCURRENT_TRANSACTIONS repeats the step rather than failing the chunk', async () => {
    const made: FakeProducer[] = [];
    const retried: string[] = [];
    const producers = new ShardProducers((id) => (made.push(new FakeProducer(id, { step: 'sendOffsets', times: 3, error: concurrent })), made.at(-1)!), {
      groupId: 'g',
      sleep: noSleep,
      retried: (partition, attempt) => retried.push(`${partition}#${attempt}`),
    });
    await producers.commit(2, [], [{ topic: 'tx', offset: 9n, metadata: null }]);
    expect(made[0]!.calls.filter((c) => c === 'sendOffsets!')).toHaveLength(3);
    // Each repeat is told (the carestream_transaction_retries_total metric): three failures, three repeats.
    expect(retried).toEqual(['2#1', '2#2', '2#3']);
    expect(made[0]!.calls.at(-1)).toBe('commit');
    expect(made[0]!.calls).not.toContain('abort');
  });
});

describe('retryConcurrent', () => {
  it('recognises the error anywhere in the cause chain, and nothing else', () => {
    expect(isConcurrentTransactions(concurrent())).toBe(true);
    expect(isConcurrentTransactions({ originalError: { type: 'CONCURRENT_TRANSACTIONS' } })).toBe(true);
    expect(isConcurrentTransactions(new Error('PRODUCER_FENCED'))).toBe(false);
    expect(isConcurrentTransactions(undefined)).toBe(false);
  });

  it('gives up after the configured attempts, waiting a little longer each time', async () => {
    const waits: number[] = [];
    let calls = 0;
    await expect(
      retryConcurrent(
        async () => {
          calls++;
          throw concurrent();
        },
        async (ms) => void waits.push(ms),
      ),
    ).rejects.toThrow('wrapped');
    expect(calls).toBe(50);
    expect(waits.slice(0, 3)).toEqual([5, 10, 15]);
    expect(Math.max(...waits)).toBe(50);
  });

  it('does not retry another error', async () => {
    let calls = 0;
    await expect(
      retryConcurrent(async () => {
        calls++;
        throw new Error('fenced');
      }, noSleep),
    ).rejects.toThrow('fenced');
    expect(calls).toBe(1);
  });
});
