import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReplayLine } from '../../../src/events/json-form.ts';
import { TOPICS } from '../../../src/events/topics.ts';
import type { Transaction } from '../../../src/events/types.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { channel, profile, tx } from '../../support/events.ts';
import { referenceRun } from '../../support/reference-model.ts';
import { uniqueName } from '../../support/stack.ts';

const line = (t: Parameters<typeof formatReplayLine>[0]['topic'], value: unknown) =>
  formatReplayLine({ topic: t, value } as Parameters<typeof formatReplayLine>[0]);
const txLine = (v: Transaction) => line(TOPICS.transactions, v);
const refOptions = { timeZone: 'Asia/Shanghai', allowedLatenessMs: 3_600_000, babyMccs: ['5641', '5945'] };

describe('features in Redis, replayed through Kafka', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.stop());

  it('computes exact values, matches the independent recomputation, and ignores a redelivered stream', async () => {
    const c = uniqueName('C-feat');
    const cp = (ref: string, own = false) => ({ accountRef: ref, ownAccount: own });
    const lines = [
      line(TOPICS.customerProfiles, profile(c, { birthDate: '1960-03-10' })),
      txLine(tx(c, '2026-09-01T09:00:00+08:00', { type: 'SALARY_CREDIT', amountMinor: 3_000_000, balanceAfterMinor: 3_000_000 })),
      txLine(tx(c, '2026-09-01T12:00:00+08:00', { accountId: 'ACC-SAVINGS-2', maskedAccountNo: '0002', type: 'DEPOSIT', amountMinor: 1_000_000, balanceAfterMinor: 1_000_000 })),
      txLine(tx(c, '2026-09-05T10:00:00+08:00', { type: 'PRODUCT_PURCHASE', amountMinor: 500_000, balanceAfterMinor: 2_500_000, product: { productId: 'F1', category: 'FUND', riskLevel: 4 } })),
      txLine(tx(c, '2026-09-06T10:00:00+08:00', { type: 'PRODUCT_PURCHASE', amountMinor: 200_000, balanceAfterMinor: 2_300_000, product: { productId: 'PE1', category: 'PRIVATE_EQUITY', riskLevel: 3 } })),
      txLine(tx(c, '2026-10-01T09:00:00+08:00', { type: 'SALARY_CREDIT', amountMinor: 3_000_000, balanceAfterMinor: 5_300_000 })),
      txLine(tx(c, '2026-10-02T10:00:00+08:00', { type: 'CARD_PURCHASE', amountMinor: 30_000, balanceAfterMinor: 5_270_000, merchantCategory: '5641' })),
      line(TOPICS.channelEvents, channel(c, '2026-10-02T11:00:00+08:00', { action: 'RATE_QUERY', topic: 'MORTGAGE' })),
      line(TOPICS.channelEvents, channel(c, '2026-10-03T11:00:00+08:00', { action: 'CALCULATOR', topic: 'MORTGAGE' })),
      txLine(tx(c, '2026-10-03T20:00:00+08:00', { type: 'TRANSFER_OUT', amountMinor: 700_000, balanceAfterMinor: 4_570_000, counterparty: cp('CP-A') })),
      // 40 minutes later, a second transfer to a new payee and a cash withdrawal
      txLine(tx(c, '2026-10-03T20:40:00+08:00', { type: 'TRANSFER_OUT', amountMinor: 300_000, balanceAfterMinor: 4_270_000, counterparty: cp('CP-B') })),
      txLine(tx(c, '2026-10-03T20:45:00+08:00', { type: 'WITHDRAWAL', channel: 'ATM', amountMinor: 100_000, balanceAfterMinor: 4_170_000 })),
      // out of order, 30 minutes behind the watermark: lands in its own slot and its own day
      txLine(tx(c, '2026-10-03T20:15:00+08:00', { type: 'TRANSFER_IN', amountMinor: 50_000, accountId: 'ACC-SAVINGS-2', maskedAccountNo: '0002', balanceAfterMinor: 1_050_000, counterparty: cp('CP-C') })),
    ];
    await h.produceLines(lines);
    await h.waitForConsumed(lines.length);
    const f = await h.app.store!.inspect(c);
    expect(f).not.toBeNull();

    // By hand: deposits 4,170,000 (main) + 1,050,000 (savings); holdings 700,000.
    expect(f!.depositsMinor).toBe(5_220_000);
    expect(f!.holdingsMinor).toBe(700_000);
    expect(f!.assetsMinor).toBe(5_920_000);
    expect(f!.outflow1h).toEqual({ sumMinor: 1_100_000, count: 3 });
    expect(f!.newCounterpartyOutflow1h).toEqual({ sumMinor: 1_000_000, count: 2 });
    expect(f!.maxOutflow90dMinor).toBe(700_000);
    expect(f!.counterparties90d).toBe(3);
    expect(f!.highRiskStreak).toBe(2);
    expect(f!.mortgageInterest30d).toBe(2);
    expect(f!.babyMonths).toEqual(['2026-10']);
    expect(f!.salaryMonths).toEqual(['2026-09', '2026-10']);
    expect(f!.lastInvestmentAt).toBe(Date.parse('2026-09-06T10:00:00+08:00'));
    expect(f!.profile?.age).toBe(66);
    expect(f!.tier).toBe('ORDINARY');

    // The independent recomputation from the same lines agrees on every field.
    const ref = referenceRun(lines, refOptions);
    expect(f).toEqual(ref.features.get(c));

    // The whole stream published again: nothing changes, everything is skipped or late.
    const consumedBefore = h.app.tally.consumed;
    await h.produceLines(lines);
    await h.waitForConsumed(consumedBefore + lines.length);
    expect(await h.app.store!.inspect(c)).toEqual(f);
    const t = h.app.tally;
    expect(t.consumed).toBe(t.applied + t.skipped + t.deadLettered);
    expect(t.applied).toBe(lines.length);
  });
});
