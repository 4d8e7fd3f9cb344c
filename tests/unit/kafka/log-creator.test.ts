// How kafkajs' log lines reach pino: what kafkajs retries by itself (or the
// ingestor retries) is debug, not an error a newcomer's demo shows.
import { logLevel } from 'kafkajs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { pinoLogCreator } from '../../../src/kafka/client.ts';

function capture() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'trace' }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) });
  const log = pinoLogCreator(logger)(logLevel.DEBUG);
  return { lines, log };
}

const CONCURRENT = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

describe('kafkajs log lines', () => {
  it('the coordinator still busy with the previous transaction is debug, whether kafkajs says it in error or in the message', () => {
    const { lines, log } = capture();
    log({ namespace: 'Producer', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: '', message: `Failed to send messages: ${CONCURRENT}`, retryCount: 0, retryTime: 259 } });
    log({ namespace: 'Producer', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: '', message: 'Response AddPartitionsToTxn', error: CONCURRENT } });
    expect(lines.map((l) => l.level)).toEqual([20, 20]);
  });

  it('another error stays an error', () => {
    const { lines, log } = capture();
    log({ namespace: 'Producer', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: '', message: 'Failed to send messages: The broker is gone' } });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[50, 'Failed to send messages: The broker is gone']]);
  });
});
