// Believable everyday behaviour of one customer, one business day at a time
// (so the whole population streams without being held in memory).
//
// Background customers must never trigger a rule of docs/RULE-SEMANTICS.md:
// the labels promise "exactly the planted tasks". Each guard below says which
// rule it keeps quiet:
// - assets stay in a band [L, U] with U <= 320,000 CNY and L = 0.8 U at every
//   end of day: spending needs room above L and every income is swept back
//   down to U the same day. So never VIP (vip-upgrade, retention) and the
//   30-day average can never grow 30% (U / L = 1.25: asset-growth), even on
//   streams longer than 180 days. Spending is sized to income, so the floor
//   is rarely what stops it;
// - every outflow is < 50,000 CNY (large-outflow) and outflows sit in four
//   one-hour slots per day, one each, 3 h apart (outflow-velocity);
// - products: risk <= tolerance, no two high-risk purchases in a row, no
//   purchase once the assessment is ~1 year old (risky-streak, suitability);
// - salaried customers buy an investment within their first week and every
//   month; salary stops well before investing must stop (payroll-plan);
// - baby MCCs never in a month with month % 3 == skip, so never in 3
//   consecutive months (new-parent); at most 2 mortgage queries (mortgage);
// - no ACCOUNT_OPENED, no COMPLAINT (welcome, complaint-recovery);
// - the first event is a transaction on every account, so the daily asset
//   series starts complete (no partial first day that later looks like growth).
import type { Counterparty, InteractionChannel, InterestTopic, Product } from '../events/types.ts';
import { BusinessCalendar, DAY_MS, civilFromDays, monthNumber } from './calendar.ts';
import { AUTO_INVEST_FUNDS, BABY_MERCHANTS, EVERYDAY_MERCHANTS, ONE_OFF_PRODUCTS, isHighRisk, type Merchant } from './catalog.ts';
import { accountId, counterpartyRef } from './identity.ts';
import { CustomerLedger, type GenRecord } from './ledger.ts';
import { Rng } from './prng.ts';
import { makeProfile, somePreferredChannels } from './profile.ts';

export interface PopulationContext {
  readonly seed: number;
  readonly calendar: BusinessCalendar;
  /** First and last business day of the stream (inclusive). */
  readonly startDay: number;
  readonly endDay: number;
  /** updatedAt of every profile: before anyone's first event. */
  readonly profileAt: number;
}

const yuan = (cny: number): number => Math.round(cny * 100);
const roundTo = (minor: number, step: number): number => Math.round(minor / step) * step;
const MAX_ASSETS_MINOR = yuan(320_000);
const BAND_FLOOR = 0.8;
/** Below the large-outflow threshold with room to spare. */
const MAX_OUTFLOW_MINOR = yuan(45_000);
/** Products stop before the assessment turns 365 days old; salary stops long before that. */
const INVEST_UNTIL_AGE_MS = 355 * DAY_MS;
const SALARY_UNTIL_AGE_MS = 300 * DAY_MS;

// Outflow slots (local hours): one outflow per slot per day, slots 3 h apart.
const SLOT_MORNING = 8;
const SLOT_NOON = 12;
const SLOT_AFTERNOON = 16;
const SLOT_EVENING = 20;

interface Payee {
  readonly counterparty: Counterparty;
}

interface Intent {
  readonly at: number;
  readonly run: () => GenRecord[];
}

const NON_MORTGAGE_RATE_TOPICS: readonly InterestTopic[] = ['CAR_LOAN', 'CONSUMER_LOAN', 'FX', 'EDUCATION', 'WEALTH'];
const CALCULATOR_TOPICS: readonly InterestTopic[] = ['RETIREMENT', 'CAR_LOAN', 'EDUCATION', 'CONSUMER_LOAN'];
const BROWSE_TOPICS: readonly InterestTopic[] = ['WEALTH', 'INSURANCE', 'CARD', 'FX', 'RETIREMENT', 'OTHER', 'EDUCATION'];
const SEARCH_QUERIES: Partial<Record<InterestTopic, readonly string[]>> = {
  WEALTH: ['wealth management', 'fund ranking', 'deposit rate'],
  INSURANCE: ['medical insurance', 'annuity'],
  CARD: ['credit card limit', 'card points'],
  FX: ['fx rate', 'usd cash'],
  RETIREMENT: ['pension account', 'retirement plan'],
  OTHER: ['branch opening hours', 'statement download'],
  EDUCATION: ['education savings', 'tuition loan'],
};

export class BackgroundCustomer {
  readonly ledger: CustomerLedger;
  readonly profileRecord: GenRecord;
  private readonly rng: Rng;
  private readonly cal: BusinessCalendar;
  private readonly ctx: PopulationContext;

  private readonly accounts: { id: string; openingDeposit: number }[] = [];
  private readonly primary: string;
  private readonly upper: number;
  private readonly lower: number;
  private readonly tolerance: number;
  private readonly investUntil: number;
  private readonly salaryUntil: number;
  private readonly salary: { minor: number; payday: number; employer: Counterparty } | null;
  private readonly income: { minor: number; dom: number; source: Counterparty | null } | null;
  private readonly rent: { minor: number; dom: number; landlord: Payee } | null;
  private readonly loan: { minor: number; dom: number } | null;
  private readonly autoInvest: { minor: number; dom: number; product: Product; firstDay: number } | null;
  private readonly family: Payee;
  private readonly friends: Payee[];
  private readonly ownElsewhere: Payee | null;
  private readonly monthlyIncome: number;
  /** Expected card purchases per day, sized so cards take ~45% of income. */
  private readonly spendPerDay: number;
  /** Personal taste: scales ticket sizes. */
  private readonly ticketScale: number;
  private readonly babySkip: number | null;
  private readonly mortgageQueryDays: ReadonlySet<number>;
  private readonly loginRate: number;
  private readonly homeChannel: InteractionChannel;
  private lastPurchaseHighRisk = false;

  constructor(customerNumber: number, ctx: PopulationContext) {
    const rng = Rng.derive(ctx.seed, `background:${customerNumber}`);
    this.rng = rng;
    this.ctx = ctx;
    this.cal = ctx.calendar;
    this.ledger = new CustomerLedger(customerNumber);

    this.tolerance = rng.weighted([[1, 10], [2, 25], [3, 35], [4, 20], [5, 10]]);
    const profile = makeProfile(
      customerNumber,
      ctx.profileAt,
      {
        age: rng.int(22, 60),
        referenceDay: ctx.startDay,
        riskTolerance: this.tolerance,
        // Recent: profiles may predate the stream by months when planted
        // scenarios need history, and products stop at ~1 year of age.
        assessedDaysBefore: rng.int(1, 30),
        marketingConsent: rng.chance(0.88),
        preferredChannels: somePreferredChannels(rng),
        withRelationshipManager: rng.chance(0.2),
      },
      rng,
    );
    this.profileRecord = this.ledger.profile(profile);
    const assessedAt = profile.riskAssessedAt as number;
    this.investUntil = assessedAt + INVEST_UNTIL_AGE_MS;
    this.salaryUntil = assessedAt + SALARY_UNTIL_AGE_MS;

    const salaried = rng.chance(0.75);
    const monthlyIncome = yuan(rng.logUniform(5_000, salaried ? 40_000 : 20_000));
    this.salary = salaried
      ? { minor: monthlyIncome, payday: rng.pick([1, 5, 10, 15, 20, 25, rng.int(1, 28)]), employer: this.payee(false).counterparty }
      : null;
    this.income = salaried
      ? null
      : { minor: monthlyIncome, dom: rng.int(1, 28), source: rng.chance(0.7) ? this.payee(false).counterparty : null };
    this.monthlyIncome = monthlyIncome;
    this.ticketScale = 0.7 + rng.next() * 0.7;
    // An average ticket is ~200 CNY.
    this.spendPerDay = Math.min(3.5, Math.max(0.3, (0.45 * monthlyIncome) / 30 / (yuan(200) * this.ticketScale)));

    // Opening balances: total at most MAX_ASSETS, spread over 1-3 accounts.
    const total = Math.min(
      MAX_ASSETS_MINOR - yuan(5_000),
      salaried ? Math.round(monthlyIncome * (3 + rng.next() * 5)) : yuan(rng.logUniform(20_000, 250_000)),
    );
    const n = rng.weighted([[1, 45], [2, 40], [3, 15]]);
    const shares = n === 1 ? [1] : n === 2 ? [0.6, 0.4] : [0.5, 0.35, 0.15];
    for (let slot = 0; slot < n; slot++) {
      const id = this.ledger.openAccount(accountId(customerNumber, slot + 1, rng), Math.round(total * (shares[slot] as number)));
      this.accounts.push({ id, openingDeposit: yuan(rng.int(1, 20) * 100) });
    }
    this.primary = (this.accounts[0] as { id: string }).id;
    // U = assets right after the opening deposits of the first day.
    this.upper = this.ledger.depositsMinor() + this.accounts.reduce((s, a) => s + a.openingDeposit, 0);
    this.lower = Math.floor(this.upper * BAND_FLOOR);

    this.family = this.payee(false);
    this.friends = Array.from({ length: rng.int(1, 2) }, () => this.payee(false));
    this.ownElsewhere = rng.chance(0.5) ? this.payee(true) : null;
    const payday = this.salary?.payday ?? this.income?.dom ?? 1;
    this.rent = rng.chance(0.4)
      ? { minor: roundTo(monthlyIncome * (0.15 + rng.next() * 0.1), yuan(100)), dom: Math.min(28, payday + rng.int(1, 5)), landlord: this.payee(false) }
      : null;
    this.loan = rng.chance(0.3) ? { minor: roundTo(monthlyIncome * (0.08 + rng.next() * 0.07), yuan(1)), dom: Math.min(28, payday + rng.int(1, 3)) } : null;
    const funds = AUTO_INVEST_FUNDS.filter((p) => p.riskLevel <= this.tolerance);
    this.autoInvest =
      salaried || rng.chance(0.3)
        ? {
            minor: Math.max(yuan(500), Math.round((this.upper * (2 + rng.next() * 3)) / 100 / 10_000) * 10_000),
            dom: rng.int(1, 28),
            product: rng.pick(funds),
            // Salaried: first purchase in the first week, before the second salary.
            firstDay: ctx.startDay + rng.int(0, 6),
          }
        : null;
    this.babySkip = rng.chance(0.12) ? rng.int(0, 2) : null;
    const mortgage = new Set<number>();
    if (rng.chance(0.06)) {
      const d = rng.int(ctx.startDay, ctx.endDay);
      mortgage.add(d);
      if (rng.chance(0.5)) mortgage.add(d + rng.int(1, 8));
    }
    this.mortgageQueryDays = mortgage;
    this.loginRate = 0.2 + rng.next() * 0.7;
    this.homeChannel = rng.weighted<InteractionChannel>([['APP', 70], ['WECHAT', 20], ['WEB', 10]]);
  }

  private payee(ownAccount: boolean): Payee {
    return { counterparty: { accountRef: counterpartyRef(this.rng), ownAccount } };
  }

  private at(day: number, hour: number, minuteFrom = 0, minuteTo = 59): number {
    return this.cal.time(day, hour, this.rng.int(minuteFrom, minuteTo), this.rng.int(0, 59));
  }

  private anyTime(day: number): number {
    return this.at(day, this.rng.int(8, 21));
  }

  /** Room to spend `amount` from `account` without leaving the asset band. */
  private canSpend(account: string, amount: number): boolean {
    return this.ledger.balance(account) >= amount && this.ledger.assetsMinor() - amount >= this.lower;
  }

  private richestAccount(): string {
    let best = this.primary;
    for (const { id } of this.accounts) if (this.ledger.balance(id) > this.ledger.balance(best)) best = id;
    return best;
  }

  /** All events of this customer on business day `day`, in time order. */
  dayRecords(day: number): GenRecord[] {
    if (day < this.ctx.startDay || day > this.ctx.endDay) return [];
    const rng = this.rng;
    const civil = civilFromDays(day);
    const dom = civil.day;
    const month = monthNumber(civil);
    const intents: Intent[] = [];
    const usedSlots = new Set<number>();
    const outflowSlot = (preferred: readonly number[]): number | null => {
      for (const s of preferred) {
        if (!usedSlots.has(s)) {
          usedSlots.add(s);
          return s;
        }
      }
      return null;
    };
    const L = this.ledger;

    // First day: one small deposit on every account before anything else.
    if (day === this.ctx.startDay) {
      this.accounts.forEach((a, i) => {
        const at = this.cal.time(day, 7, i * 15 + rng.int(0, 10), rng.int(0, 59));
        intents.push({ at, run: () => [L.post(at, a.id, 'DEPOSIT', a.openingDeposit, { channel: rng.pick(['ATM', 'BRANCH'] as const) })] });
      });
    }

    // Income: at most one per day, so the same-day sweep stays below 50,000.
    let income = false;
    const salaryAt = this.salary && dom === this.salary.payday ? this.at(day, 9, 0, 45) : null;
    if (this.salary && salaryAt !== null && salaryAt < this.salaryUntil) {
      const { minor, employer } = this.salary;
      income = true;
      intents.push({ at: salaryAt, run: () => [L.post(salaryAt, this.primary, 'SALARY_CREDIT', minor, { channel: 'WEB', counterparty: employer })] });
    } else if (this.income && dom === this.income.dom) {
      const { minor, source } = this.income;
      const at = this.at(day, 10);
      income = true;
      intents.push({
        at,
        run: () => [
          source
            ? L.post(at, this.primary, 'TRANSFER_IN', minor, { channel: 'APP', counterparty: source })
            : L.post(at, this.primary, 'DEPOSIT', minor, { channel: 'BRANCH' }),
        ],
      });
    } else if (rng.chance(1 / 25)) {
      const at = this.at(day, 11);
      const amount = yuan(rng.int(2, 30) * 100);
      const from = rng.pick(this.friends).counterparty;
      income = true;
      intents.push({ at, run: () => [L.post(at, this.primary, 'TRANSFER_IN', amount, { channel: 'APP', counterparty: from })] });
    }
    if (income) {
      outflowSlot([SLOT_AFTERNOON]);
      const at = this.at(day, SLOT_AFTERNOON);
      const to = this.ownElsewhere && rng.chance(0.3) ? this.ownElsewhere : this.family;
      intents.push({ at, run: () => this.sweep(at, to.counterparty) });
    }

    if (this.rent && dom === this.rent.dom && day !== this.ctx.startDay && outflowSlot([SLOT_MORNING]) !== null) {
      const at = this.at(day, SLOT_MORNING, 10, 55);
      const { minor, landlord } = this.rent;
      intents.push({ at, run: () => (this.canSpend(this.primary, minor) ? [L.post(at, this.primary, 'TRANSFER_OUT', minor, { channel: 'APP', counterparty: landlord.counterparty })] : []) });
    }
    if (this.loan && dom === this.loan.dom) {
      const at = this.at(day, 10, 30, 59);
      const { minor } = this.loan;
      intents.push({ at, run: () => (this.canSpend(this.primary, minor) ? [L.post(at, this.primary, 'LOAN_REPAYMENT', minor, { channel: 'APP' })] : []) });
    }

    // Products (asset-neutral: money moves from deposits to holdings and back).
    const plan = this.autoInvest;
    if (plan && (dom === plan.dom || day === plan.firstDay)) {
      const at = this.at(day, 13);
      if (at < this.investUntil) intents.push({ at, run: () => this.buy(at, plan.product, plan.minor, true) });
    }
    if (rng.chance(1 / 45)) {
      const at = this.at(day, 14);
      const shelf = ONE_OFF_PRODUCTS.filter((p) => p.riskLevel <= this.tolerance);
      const product = rng.pick(shelf);
      const amount = Math.round((this.upper * (0.02 + rng.next() * 0.06)) / 100_000) * 100_000;
      if (at < this.investUntil && amount > 0) intents.push({ at, run: () => this.buy(at, product, amount, false) });
    }
    if (L.holdingsMinor() > this.upper * 0.08 && rng.chance(1 / 20)) {
      const at = this.at(day, 15);
      intents.push({ at, run: () => this.redeemSome(at) });
    }

    // Cash and ad-hoc transfers, each in its own outflow slot.
    if (rng.chance(1 / 20)) {
      const slot = outflowSlot([SLOT_NOON, SLOT_EVENING]);
      if (slot !== null) {
        const at = this.at(day, slot, 5, 55);
        const amount = yuan(rng.pick([100, 200, 300, 500, 800, 1_000, 2_000, 3_000]));
        intents.push({ at, run: () => (this.canSpend(this.primary, amount) ? [L.post(at, this.primary, 'WITHDRAWAL', amount, { channel: 'ATM' })] : []) });
      }
    }
    if (rng.chance(1 / 15)) {
      const slot = outflowSlot([SLOT_EVENING, SLOT_NOON]);
      if (slot !== null) {
        const at = this.at(day, slot, 5, 55);
        const to = rng.chance(0.5) ? this.family : rng.pick(this.friends);
        const amount = Math.max(yuan(100), roundTo(this.monthlyIncome * (0.02 + rng.next() * 0.08), yuan(100)));
        intents.push({ at, run: () => (this.canSpend(this.primary, amount) ? [L.post(at, this.primary, 'TRANSFER_OUT', amount, { channel: rng.pick(['APP', 'WECHAT'] as const), counterparty: to.counterparty })] : []) });
      }
    }
    if (this.accounts.length > 1 && L.balance(this.primary) < this.upper * 0.1) {
      const slot = outflowSlot([SLOT_NOON, SLOT_EVENING]);
      if (slot !== null) {
        const at = this.at(day, slot, 5, 50);
        intents.push({ at, run: () => this.topUpPrimary(at) });
      }
    }

    // Card spending; baby purchases only in months where month % 3 != skip.
    const purchases = Math.min(5, this.poisson(this.spendPerDay));
    for (let i = 0; i < purchases; i++) intents.push(this.cardPurchase(this.anyTime(day), rng.weighted(EVERYDAY_MERCHANTS.map((m) => [m, m.weight] as const))));
    if (this.babySkip !== null && month % 3 !== this.babySkip && rng.chance(1 / 10)) {
      intents.push(this.cardPurchase(this.anyTime(day), rng.pick(BABY_MERCHANTS)));
    }

    // Channel activity.
    if (rng.chance(this.loginRate)) {
      const at = this.anyTime(day);
      const channel = rng.chance(0.85) ? this.homeChannel : rng.pick(['APP', 'WEB', 'WECHAT'] as const);
      intents.push({ at, run: () => this.session(at, channel) });
    }
    if (this.mortgageQueryDays.has(day)) {
      const at = this.anyTime(day);
      const action = rng.chance(0.6) ? 'RATE_QUERY' : 'CALCULATOR';
      intents.push({ at, run: () => [L.channel(at, this.homeChannel, action, 'MORTGAGE')] });
    }
    if (rng.chance(1 / 60)) {
      const at = this.anyTime(day);
      intents.push({ at, run: () => [L.channel(at, 'BRANCH', 'PAGE_VIEW', rng.pick(BROWSE_TOPICS), { purpose: 'queue-ticket' })] });
    }
    if (rng.chance(1 / 250)) {
      const at = this.anyTime(day);
      const score = String(rng.int(1, 5));
      intents.push({ at, run: () => [L.channel(at, rng.pick(['SMS', 'APP'] as const), 'SURVEY_RESPONSE', null, { score })] });
    }

    // Posting order is time order (balances are running totals).
    intents.sort((a, b) => a.at - b.at);
    const out: GenRecord[] = [];
    for (const intent of intents) out.push(...intent.run());
    return out;
  }

  private poisson(lambda: number): number {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.rng.next();
    while (p > limit) {
      k++;
      p *= this.rng.next();
    }
    return k;
  }

  private cardPurchase(at: number, merchant: Merchant): Intent {
    const amount = Math.round(this.rng.logUniform(merchant.min, merchant.max) * this.ticketScale * 100);
    const online = this.rng.chance(0.25);
    return {
      at,
      run: () =>
        this.canSpend(this.primary, amount)
          ? [this.ledger.post(at, this.primary, 'CARD_PURCHASE', amount, { channel: online ? 'APP' : 'POS', merchantCategory: merchant.mcc })]
          : [],
    };
  }

  /** Brings assets back down to the band's top after an income. */
  private sweep(at: number, to: Counterparty): GenRecord[] {
    const excess = this.ledger.assetsMinor() - this.upper;
    if (excess <= 0) return [];
    const amount = Math.min(excess, MAX_OUTFLOW_MINOR);
    const from = this.ledger.balance(this.primary) >= amount ? this.primary : this.richestAccount();
    if (this.ledger.balance(from) < amount) return [];
    return [this.ledger.post(at, from, 'TRANSFER_OUT', amount, { channel: 'APP', counterparty: to })];
  }

  /** Moves savings into the everyday account: an own-account transfer pair, assets unchanged. */
  private topUpPrimary(at: number): GenRecord[] {
    const from = this.richestAccount();
    if (from === this.primary) return [];
    const amount = Math.min(MAX_OUTFLOW_MINOR, Math.floor(this.ledger.balance(from) / 2 / 10_000) * 10_000, Math.round(this.upper * 0.15 / 10_000) * 10_000);
    if (amount <= 0) return [];
    const ref = (id: string): Counterparty => ({ accountRef: `CP-OWN${id.slice(-6)}`, ownAccount: true });
    return [
      this.ledger.post(at, from, 'TRANSFER_OUT', amount, { channel: 'APP', counterparty: ref(this.primary) }),
      this.ledger.post(at + 1_000, this.primary, 'TRANSFER_IN', amount, { channel: 'APP', counterparty: ref(from) }),
    ];
  }

  /**
   * A product purchase. Auto-invest is required (payroll-plan), so it shrinks
   * to what the richest account holds rather than being skipped.
   */
  private buy(at: number, product: Product, amount: number, required: boolean): GenRecord[] {
    if (isHighRisk(product) && this.lastPurchaseHighRisk) return [];
    let from = this.primary;
    if (this.ledger.balance(from) < amount) from = this.richestAccount();
    let minor = amount;
    if (this.ledger.balance(from) < minor) {
      if (!required) return [];
      minor = Math.floor(this.ledger.balance(from) / 10_000) * 10_000;
      if (minor <= 0) minor = Math.min(this.ledger.balance(from), 100);
      if (minor <= 0) throw new Error(`${this.ledger.customerId}: no money for the monthly investment`);
    }
    this.lastPurchaseHighRisk = isHighRisk(product);
    return [this.ledger.post(at, from, 'PRODUCT_PURCHASE', minor, { channel: this.rng.pick(['APP', 'APP', 'WEB', 'BRANCH'] as const), product })];
  }

  private redeemSome(at: number): GenRecord[] {
    const held = [...AUTO_INVEST_FUNDS, ...ONE_OFF_PRODUCTS].filter((p, i, all) => all.indexOf(p) === i && this.ledger.holdingOf(p.productId) > 0);
    if (held.length === 0) return [];
    const product = this.rng.pick(held);
    const holding = this.ledger.holdingOf(product.productId);
    const minor = Math.max(1, Math.floor((holding * (0.3 + this.rng.next() * 0.7)) / 100) * 100);
    return [this.ledger.post(at, this.primary, 'PRODUCT_REDEMPTION', Math.min(minor, holding), { channel: 'APP', product })];
  }

  /** A login followed by a few clicks a minute or two apart. */
  private session(at: number, channel: InteractionChannel): GenRecord[] {
    const rng = this.rng;
    const out = [this.ledger.channel(at, channel, 'LOGIN')];
    let t = at;
    const clicks = rng.weighted([[0, 35], [1, 35], [2, 20], [3, 10]]);
    for (let i = 0; i < clicks; i++) {
      t += rng.int(20, 180) * 1_000;
      const kind = rng.weighted([['PAGE_VIEW', 40], ['PRODUCT_VIEW', 25], ['SEARCH', 15], ['RATE_QUERY', 12], ['CALCULATOR', 8]] as const);
      if (kind === 'RATE_QUERY') out.push(this.ledger.channel(t, channel, kind, rng.pick(NON_MORTGAGE_RATE_TOPICS)));
      else if (kind === 'CALCULATOR') out.push(this.ledger.channel(t, channel, kind, rng.pick(CALCULATOR_TOPICS)));
      else if (kind === 'SEARCH') {
        const topic = rng.pick(BROWSE_TOPICS);
        out.push(this.ledger.channel(t, channel, kind, topic, { query: rng.pick(SEARCH_QUERIES[topic] ?? ['help']) }));
      }
      else out.push(this.ledger.channel(t, channel, kind, kind === 'PRODUCT_VIEW' ? rng.pick(['WEALTH', 'INSURANCE', 'RETIREMENT'] as const) : null));
    }
    return out;
  }
}
