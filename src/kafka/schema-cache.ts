// Bounded memory for writer schemas: any record may carry any schema id, so
// neither the found schemas nor the unknown ids may grow without limit, and
// a flood of unknown ids may not become a flood of registry requests.

/** A least-recently-used map of at most `capacity` entries; an entry may carry an expiry time. */
export class LruCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();

  private readonly capacity: number;
  private readonly now: () => number;

  constructor(capacity: number, now: () => number = Date.now) {
    this.capacity = capacity;
    this.now = now;
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('LRU capacity must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    // A Map iterates in insertion order: re-inserting makes the key the most recent.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  /** `ttlMs` undefined: kept until evicted. */
  set(key: K, value: V, ttlMs?: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : this.now() + ttlMs });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }
}

/** At most `limit` calls of `run` at once; the others wait in arrival order. */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so a newcomer cannot take it in between.
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * One promise per key while it is pending: concurrent callers for the same key
 * share it, and it is forgotten once settled (the caller caches results).
 */
export class SingleFlight<K, V> {
  private readonly pending = new Map<K, Promise<V>>();

  get inFlight(): number {
    return this.pending.size;
  }

  run(key: K, task: () => Promise<V>): Promise<V> {
    const hit = this.pending.get(key);
    if (hit) return hit;
    const p = task().finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }
}
