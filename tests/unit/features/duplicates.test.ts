// Events published again behind the lateness window (issue 12, item 6): an
// event whose eventId was applied with the same content is a duplicate
// (DUPLICATE_EVENT: skipped, counted, not dead-lettered) for the duplicate
// window (DUPLICATE_WINDOW_DAYS, 7 by default) behind its topic's watermark;
// beyond that, or with other content, it is LATE as before.
import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../src/events/topics.ts';
import type { ChannelEvent, Transaction } from '../../../src/events/types.ts';
import { apply, emptyState, featureView, FINGERPRINT_BYTES, type Applied, type CustomerState, type FeatureOptions, type FeatureRecord } from '../../../src/features/index.ts';
import { decodeState, encodeState } from '../../../src/state/codec.ts';
import { channel, tx } from '../../support/events.ts';
import { featureOptions } from './fold.ts';

const H = 3_600_000;
const DAY = 86_400_000;
const C = 'C1';

class Customer {
  state: CustomerState = emptyState();
  private offset = 0;
  private readonly o: FeatureOptions;
  constructor(o: FeatureOptions) {
    this.o = o;
  }
  feedTx(event: Transaction): Applied {
    return this.feed({ ref: { topic: TOPICS.transactions, partition: 0, offset: this.offset++ }, kind: 'transaction', event });
  }
  feedCe(event: ChannelEvent): Applied {
    return this.feed({ ref: { topic: TOPICS.channelEvents, partition: 0, offset: this.offset++ }, kind: 'channel', event });
  }
  feed(r: FeatureRecord): Applied {
    const res = apply(this.state, r, this.o);
    this.state = res.state;
    return res;
  }
}

const opts = (duplicateWindowMs: number) => featureOptions({ timeZone: 'Asia/Shanghai', allowedLatenessMs: H, babyMccs: [], duplicateWindowMs });
const day = (n: number, hour = 12) => new Date(Date.parse('2026-03-01T00:00:00+08:00') + n * DAY + hour * H).toISOString();

describe('events published again behind the lateness window', () => {
  it('are DUPLICATE_EVENT for 7 days back and move no feature; older ones are LATE as before', () => {
    const c = new Customer(opts(7 * DAY));
    const history = Array.from({ length: 20 }, (_, i) => tx(C, day(i), { type: 'DEPOSIT', amountMinor: 1000, balanceAfterMinor: 1000 * (i + 1) }));
    for (const e of history) expect(c.feedTx(e).status).toBe('APPLIED');
    const features = featureView(C, c.state);
    // the watermark is day 19 at noon: days 12 .. 19 are within 7 days (day 12 at noon is exactly 7 days back)
    const statuses = history.map((e) => c.feedTx({ ...e }).status);
    expect(statuses.slice(12)).toEqual(new Array(8).fill('DUPLICATE_EVENT'));
    expect(statuses.slice(0, 12)).toEqual(new Array(12).fill('LATE'));
    expect(featureView(C, c.state)).toEqual(features);
  });

  it('are LATE with other content under the same eventId (a conflict no longer detectable), and a new late event is LATE', () => {
    const c = new Customer(opts(7 * DAY));
    const first = tx(C, day(0), { amountMinor: 500 });
    c.feedTx(first);
    c.feedTx(tx(C, day(3)));
    expect(c.feedTx({ ...first, amountMinor: 501 }).status).toBe('LATE');
    expect(c.feedTx(tx(C, day(1))).status).toBe('LATE');
    expect(c.feedTx({ ...first }).status).toBe('DUPLICATE_EVENT');
  });

  it('are judged per topic: channel events too, and the same event on the other topic is not known', () => {
    const c = new Customer(opts(7 * DAY));
    const login = channel(C, day(0));
    c.feedCe(login);
    c.feedCe(channel(C, day(2)));
    c.feedTx(tx(C, day(2)));
    expect(c.feedCe({ ...login }).status).toBe('DUPLICATE_EVENT');
    const t = tx(C, day(0, 13));
    // a transaction never applied, two days behind the transactions' watermark
    expect(c.feedTx(t).status).toBe('LATE');
  });

  it('keep one fingerprint per event left behind the lateness window, per UTC day, and none beyond the window', () => {
    const c = new Customer(opts(7 * DAY));
    for (let i = 0; i < 30; i++) {
      c.feedTx(tx(C, day(i, 9)));
      c.feedTx(tx(C, day(i, 15)));
    }
    const days = c.state.olderDigests.map((d) => d.day);
    // watermark: day 29 at 15:00 local (07:00 UTC); 7 days back is day 22 at 07:00 UTC, whose UTC day is kept whole
    const wmUtcDay = Math.floor(c.state.transactionsWatermark!.at / DAY);
    expect(days[0]).toBe(wmUtcDay - 7);
    expect(days).toEqual([...days].sort((a, b) => a - b));
    expect(new Set(days).size).toBe(days.length);
    // the two events of a local day fall on one UTC day each (09:00 and 15:00 at UTC+8: 01:00 and 07:00 UTC)
    expect(c.state.olderDigests.every((d) => d.fingerprints.length === 2 || d.day === wmUtcDay)).toBe(true);
    expect(c.state.olderDigests.flatMap((d) => d.fingerprints).every((f) => Number.isInteger(f) && f >= 0 && f < 2 ** (8 * FINGERPRINT_BYTES))).toBe(true);
    // and the events inside the lateness window are kept by eventId, not twice
    expect(Object.keys(c.state.eventIds)).toHaveLength(1);
  });

  it('with a window no longer than the lateness keeps no fingerprints: published again, an event is LATE as before', () => {
    const c = new Customer(opts(H));
    const first = tx(C, day(0));
    c.feedTx(first);
    c.feedTx(tx(C, day(1)));
    expect(c.state.olderDigests).toEqual([]);
    expect(c.feedTx({ ...first }).status).toBe('LATE');
  });

  it('a topic that lags keeps both topics fingerprints for the window behind the older watermark, never shorter', () => {
    const c = new Customer(opts(2 * DAY));
    const oldTx = tx(C, day(0));
    c.feedTx(oldTx);
    c.feedTx(tx(C, day(1)));
    c.feedCe(channel(C, day(1)));
    // transactions run 10 days ahead while channel events stay at day 1: day 0 is still kept
    c.feedTx(tx(C, day(11)));
    expect(c.feedTx({ ...oldTx }).status).toBe('DUPLICATE_EVENT');
    // once the channel events catch up, day 0 is behind both windows
    c.feedCe(channel(C, day(11)));
    expect(c.feedTx({ ...oldTx }).status).toBe('LATE');
  });

  it('survive the codec: a state encoded and decoded still knows its duplicates', () => {
    const o = opts(7 * DAY);
    const c = new Customer(o);
    const history = Array.from({ length: 10 }, (_, i) => tx(C, day(i)));
    for (const e of history) c.feedTx(e);
    c.state = decodeState(encodeState(c.state));
    expect(c.state.olderDigests.length).toBeGreaterThan(0);
    expect(history.slice(3).map((e) => c.feedTx({ ...e }).status)).toEqual(new Array(7).fill('DUPLICATE_EVENT'));
  });
});
