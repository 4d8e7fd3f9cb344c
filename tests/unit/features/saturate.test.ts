// Money sums saturate at +-9 x 10^15 in the feature engine as in the Lua path
// (docs/FEATURES.md, "Exactness"; src/state/scripts/includes/state.lua):
// exact below the bound, held at it beyond, never rounded; avg30 exact even
// when its 30 values sum past 2^53.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../src/events/topics.ts';
import type { ChannelEvent, Transaction } from '../../../src/events/types.ts';
import { apply, emptyState, featureView, type Applied, type CustomerState, type FeatureRecord } from '../../../src/features/index.ts';
import { floorMean, MAX_EXACT_MINOR, sat } from '../../../src/features/saturate.ts';
import { channel, tx } from '../../support/events.ts';
import { featureOptions } from './fold.ts';

const O = featureOptions({ timeZone: 'Asia/Shanghai', allowedLatenessMs: 3_600_000, babyMccs: [] });
const MAX_AMOUNT = 10 ** 15;

class Customer {
  state: CustomerState = emptyState();
  private offsets = { t: 0, c: 0 };
  last!: Applied;
  tx(at: string, over: Partial<Transaction>): Applied {
    return this.feed({ ref: { topic: TOPICS.transactions, partition: 0, offset: this.offsets.t++ }, kind: 'transaction', event: tx('C1', at, over) });
  }
  ce(at: string, over: Partial<ChannelEvent> = {}): Applied {
    return this.feed({ ref: { topic: TOPICS.channelEvents, partition: 0, offset: this.offsets.c++ }, kind: 'channel', event: channel('C1', at, over) });
  }
  feed(r: FeatureRecord): Applied {
    this.last = apply(this.state, r, O);
    expect(this.last.status).toBe('APPLIED');
    this.state = this.last.state;
    return this.last;
  }
  get features() {
    return featureView('C1', this.state);
  }
}

const at = (minute: number) => new Date(Date.parse('2026-03-02T10:00:00+08:00') + minute * 60_000).toISOString();
const purchase = (amountMinor: number): Partial<Transaction> => ({
  type: 'PRODUCT_PURCHASE',
  amountMinor,
  product: { productId: 'F1', category: 'FUND', riskLevel: 2 } as Transaction['product'],
});

describe('sat and floorMean', () => {
  it('sat holds a value within +-9 x 10^15 and leaves the rest alone', () => {
    expect(MAX_EXACT_MINOR).toBe(9_000_000_000_000_000);
    expect(sat(MAX_EXACT_MINOR + 1_000)).toBe(MAX_EXACT_MINOR);
    expect(sat(-MAX_EXACT_MINOR - 1_000)).toBe(-MAX_EXACT_MINOR);
    expect(sat(MAX_EXACT_MINOR - 1)).toBe(MAX_EXACT_MINOR - 1);
    expect(sat(-42)).toBe(-42);
  });

  it('floorMean is the exact floor of the mean of up to 30 safe integers (checked with BigInt)', () => {
    const big = (vs: number[]) => {
      const n = BigInt(vs.length);
      const sum = vs.reduce((a, v) => a + BigInt(v), 0n);
      // floor division towards -infinity
      const q = sum / n;
      return Number(sum % n !== 0n && sum < 0n ? q - 1n : q);
    };
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.maxSafeInteger(), fc.integer({ min: -MAX_EXACT_MINOR, max: MAX_EXACT_MINOR }), fc.constantFrom(MAX_EXACT_MINOR, -MAX_EXACT_MINOR, MAX_EXACT_MINOR - 9)), { minLength: 1, maxLength: 30 }), (vs) => {
        expect(floorMean(vs)).toBe(big(vs));
      }),
      { numRuns: 3000 },
    );
    expect(floorMean([])).toBe(0);
  });
});

describe('the feature engine saturates money sums at +-9 x 10^15', () => {
  it('holdings: ten purchases of 10^15 hold at 9 x 10^15, a redemption then takes from the bound', () => {
    const c = new Customer();
    for (let i = 0; i < 10; i++) c.tx(at(i), purchase(MAX_AMOUNT));
    expect(c.state.holdingsNetMinor).toBe(MAX_EXACT_MINOR);
    expect(c.state.holdingsFlowByDay).toEqual({ [String(c.state.transactionsWatermark!.day)]: MAX_EXACT_MINOR });
    expect(c.features.holdingsMinor).toBe(MAX_EXACT_MINOR);
    expect(c.last.before!.holdingsMinor).toBe(MAX_EXACT_MINOR);
    c.tx(at(11), { type: 'PRODUCT_REDEMPTION', amountMinor: MAX_AMOUNT });
    expect(c.features.holdingsMinor).toBe(MAX_EXACT_MINOR - MAX_AMOUNT);
  });

  it('deposits and assets: ten accounts at 10^15 and holdings on top stay at the bound, the end-of-day series too', () => {
    const c = new Customer();
    for (let i = 0; i < 10; i++) c.tx(at(i), { accountId: `ACC${i}`, balanceAfterMinor: MAX_AMOUNT });
    expect(c.features.depositsMinor).toBe(MAX_EXACT_MINOR);
    c.tx(at(20), purchase(MAX_AMOUNT));
    expect(c.features.assetsMinor).toBe(MAX_EXACT_MINOR);
    expect(c.state.endOfDay!.values.at(-1)).toBe(MAX_EXACT_MINOR);
    // negative balances saturate the other way
    const d = new Customer();
    for (let i = 0; i < 10; i++) d.tx(at(i), { accountId: `ACC${i}`, balanceAfterMinor: -MAX_AMOUNT });
    expect(d.features.depositsMinor).toBe(-MAX_EXACT_MINOR);
    expect(d.state.endOfDay!.values.at(-1)).toBe(-MAX_EXACT_MINOR);
  });

  it('outflow windows: ten withdrawals of 10^15 in one slot sum to 9 x 10^15 and still count ten', () => {
    const c = new Customer();
    for (let i = 0; i < 10; i++) c.tx(at(0), { type: 'WITHDRAWAL', amountMinor: MAX_AMOUNT, eventId: `W${i}` });
    expect(c.features.outflow1h).toEqual({ sumMinor: MAX_EXACT_MINOR, count: 10 });
    expect(c.features.outflow24h).toEqual({ sumMinor: MAX_EXACT_MINOR, count: 10 });
    const slot = Object.values(c.state.outflowSlots)[0]!;
    expect(slot.sumMinor).toBe(MAX_EXACT_MINOR);
    // to new counterparties: the same bound
    const d = new Customer();
    for (let i = 0; i < 10; i++) d.tx(at(0), { type: 'TRANSFER_OUT', amountMinor: MAX_AMOUNT, counterparty: { accountRef: `R${i}`, ownAccount: false } });
    expect(d.features.newCounterpartyOutflow1h).toEqual({ sumMinor: MAX_EXACT_MINOR, count: 10 });
  });

  it('avg30 is exact when 30 days near the bound sum past 2^53 (a plain sum would give 8,999,999,999,999,994)', () => {
    const c = new Customer();
    for (let i = 0; i < 9; i++) c.tx(at(i), { accountId: `ACC${i}`, balanceAfterMinor: MAX_AMOUNT - 1 });
    // 30 days later: every day of the window carries 9 x 10^15 - 9
    c.ce(new Date(Date.parse('2026-04-02T10:00:00+08:00')).toISOString());
    expect(c.features.avg30Minor).toBe(MAX_EXACT_MINOR - 9);
  });
});
