import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { ConsumerLoop, isNotRunning } from '../../../src/stream/consumer-loop.ts';

const kafkajsError = (message: string) => Object.assign(new Error(message), { name: 'KafkaJSNonRetriableError' });

describe('the consumer loop between a crash and its next run', () => {
  it("recognises kafkajs's refusal of pause/resume/seek on a consumer that is not running, and nothing else", () => {
    expect(isNotRunning(kafkajsError('Consumer group was not initialized, consumer#run must be called first'))).toBe(true);
    expect(isNotRunning(kafkajsError('The coordinator is not aware of this member'))).toBe(false);
    expect(isNotRunning(new Error('Consumer group was not initialized, consumer#run must be called first'))).toBe(false);
    expect(isNotRunning(undefined)).toBe(false);
  });
});

describe('ConsumerLoop.pause/resume/seek', () => {
  const make = (running: { value: boolean }) => {
    const calls: string[] = [];
    const refuse = (what: string) => () => {
      if (!running.value) throw kafkajsError('Consumer group was not initialized, consumer#run must be called first');
      calls.push(what);
    };
    const consumer = { events: { GROUP_JOIN: 'join', END_BATCH_PROCESS: 'end', CRASH: 'crash' }, on: () => {}, pause: refuse('pause'), resume: refuse('resume'), seek: refuse('seek') };
    const kafka = { consumer: () => consumer } as unknown as ConstructorParameters<typeof ConsumerLoop>[0];
    const log = pino({ level: 'silent' });
    const handlers = { assigned: () => {}, batch: async () => {}, position: () => {}, fatal: () => {}, stopping: () => false };
    return { loop: new ConsumerLoop(kafka, { groupId: 'g', topics: ['a', 'b'], concurrency: 1, sessionTimeoutMs: 30_000, fetchMaxBytesPerPartition: 1024 }, handlers, log), calls };
  };

  it('are skipped, not thrown, while the consumer is between a crash and its next run; the paused set still follows them', () => {
    const running = { value: false };
    const { loop, calls } = make(running);
    expect(() => loop.pause(3)).not.toThrow();
    expect(loop.isPaused('a', 3)).toBe(true);
    expect(() => loop.seek('a', 3, 10n)).not.toThrow();
    expect(() => loop.resume('a', 3)).not.toThrow();
    expect(loop.isPaused('a', 3)).toBe(false);
    expect(calls).toEqual([]);
    running.value = true;
    loop.pause(1, ['b']);
    loop.seek('b', 1, 5n);
    expect(calls).toEqual(['pause', 'seek']);
  });
});
