// One customer's books while generating: account balances, product holdings
// and the event factory. Every transaction goes through post(), so
// balanceAfterMinor always moves by the amount in the right direction and
// assets can be read back exactly (the same definition as FEATURES.md).
import { TOPICS, type InputTopic } from '../events/topics.ts';
import type {
  ChannelAction,
  ChannelEvent,
  Counterparty,
  CustomerProfile,
  InteractionChannel,
  InterestTopic,
  Product,
  Transaction,
  TransactionChannel,
  TransactionType,
} from '../events/types.ts';
import { customerId, maskedAccountNo } from './identity.ts';

export interface GenRecord {
  readonly topic: InputTopic;
  /** Event time (occurredAt / updatedAt), epoch ms. */
  readonly at: number;
  readonly customerNumber: number;
  /** Per-customer creation order; breaks ties so the file order is total and stable. */
  readonly seq: number;
  readonly value: Transaction | ChannelEvent | CustomerProfile;
}

/** File order: time, then customer, then creation order within the customer. */
export function compareRecords(a: GenRecord, b: GenRecord): number {
  return a.at - b.at || a.customerNumber - b.customerNumber || a.seq - b.seq;
}

const CREDITS: ReadonlySet<TransactionType> = new Set([
  'TRANSFER_IN', 'SALARY_CREDIT', 'DEPOSIT', 'PRODUCT_REDEMPTION', 'LOAN_DISBURSEMENT',
]);

export function isCredit(type: TransactionType): boolean {
  return CREDITS.has(type);
}

export function isOutflow(type: TransactionType): boolean {
  return type === 'TRANSFER_OUT' || type === 'WITHDRAWAL';
}

export interface TxnOptions {
  readonly channel: TransactionChannel;
  readonly counterparty?: Counterparty | null;
  readonly merchantCategory?: string | null;
  readonly product?: Product | null;
}

export class CustomerLedger {
  readonly customerNumber: number;
  readonly customerId: string;
  private seq = 0;
  private lastTxnAt = Number.NEGATIVE_INFINITY;
  private readonly balances = new Map<string, number>();
  private readonly holdingsByProduct = new Map<string, number>();
  private purchased = 0;
  private redeemed = 0;

  constructor(customerNumber: number) {
    this.customerNumber = customerNumber;
    this.customerId = customerId(customerNumber);
  }

  /** Declares an account that already exists at the bank with this balance. */
  openAccount(accountId: string, balanceMinor: number): string {
    if (this.balances.has(accountId)) throw new Error(`account ${accountId} declared twice`);
    this.balances.set(accountId, balanceMinor);
    return accountId;
  }

  balance(accountId: string): number {
    const b = this.balances.get(accountId);
    if (b === undefined) throw new Error(`unknown account ${accountId}`);
    return b;
  }

  accountIds(): string[] {
    return [...this.balances.keys()];
  }

  depositsMinor(): number {
    let s = 0;
    for (const b of this.balances.values()) s += b;
    return s;
  }

  holdingsMinor(): number {
    return Math.max(0, this.purchased - this.redeemed);
  }

  holdingOf(productId: string): number {
    return this.holdingsByProduct.get(productId) ?? 0;
  }

  assetsMinor(): number {
    return this.depositsMinor() + this.holdingsMinor();
  }

  private nextId(): { eventId: string; seq: number } {
    const seq = this.seq++;
    return { eventId: `E${String(this.customerNumber).padStart(6, '0')}-${String(seq).padStart(5, '0')}`, seq };
  }

  /**
   * Posts a transaction. Throws when it would overdraw the account or redeem
   * more than is held, or when transactions are posted out of time order
   * (balances are a running total, so order matters).
   */
  post(at: number, accountId: string, type: TransactionType, amountMinor: number, opts: TxnOptions): GenRecord {
    if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) throw new RangeError(`amount must be a positive integer, got ${amountMinor}`);
    if (at < this.lastTxnAt) throw new Error(`${this.customerId}: transaction posted out of time order`);
    const before = this.balance(accountId);
    const after = isCredit(type) ? before + amountMinor : before - amountMinor;
    if (after < 0) throw new Error(`${this.customerId}: ${type} of ${amountMinor} would overdraw ${accountId}`);
    const product = opts.product ?? null;
    if (type === 'PRODUCT_PURCHASE' || type === 'PRODUCT_REDEMPTION') {
      if (!product) throw new Error(`${type} needs a product`);
      const held = this.holdingOf(product.productId);
      if (type === 'PRODUCT_PURCHASE') {
        this.purchased += amountMinor;
        this.holdingsByProduct.set(product.productId, held + amountMinor);
      } else {
        if (amountMinor > held) throw new Error(`${this.customerId}: redeeming more ${product.productId} than held`);
        this.redeemed += amountMinor;
        this.holdingsByProduct.set(product.productId, held - amountMinor);
      }
    }
    this.balances.set(accountId, after);
    this.lastTxnAt = at;
    const { eventId, seq } = this.nextId();
    const value: Transaction = {
      eventId,
      customerId: this.customerId,
      accountId,
      occurredAt: at,
      type,
      amountMinor,
      currency: 'CNY',
      channel: opts.channel,
      balanceAfterMinor: after,
      counterparty: opts.counterparty ?? null,
      merchantCategory: opts.merchantCategory ?? null,
      product,
      maskedAccountNo: maskedAccountNo(accountId),
    };
    return { topic: TOPICS.transactions, at, customerNumber: this.customerNumber, seq, value };
  }

  channel(
    at: number,
    channel: InteractionChannel,
    action: ChannelAction,
    topic: InterestTopic | null = null,
    attributes: Readonly<Record<string, string>> = {},
  ): GenRecord {
    const { eventId, seq } = this.nextId();
    const value: ChannelEvent = { eventId, customerId: this.customerId, occurredAt: at, channel, action, topic, attributes };
    return { topic: TOPICS.channelEvents, at, customerNumber: this.customerNumber, seq, value };
  }

  /** Profiles sort before everything of the same instant (seq -1). */
  profile(value: CustomerProfile): GenRecord {
    return { topic: TOPICS.customerProfiles, at: value.updatedAt, customerNumber: this.customerNumber, seq: -1, value };
  }
}
