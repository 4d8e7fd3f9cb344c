/**
 * `text` as a Redis glob that matches only itself: SCAN/KEYS patterns are
 * built from it so a prefix with a glob character cannot match other keys.
 * (Customer ids cannot hold one: src/events/identifier.ts.)
 */
export function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Every Redis key carestream writes is built here; nobody else concatenates key
 * strings. All of one customer's keys share the hash tag `{customerId}`, so a
 * script may touch them together on Redis Cluster.
 */
export class StateKeys {
  readonly prefix: string;

  constructor(prefix = 'cs') {
    this.prefix = prefix;
  }

  /** The customer's feature state (one msgpack blob). */
  state(customerId: string): string {
    return `${this.prefix}:{${customerId}}`;
  }

  /** The customer's contact history (tasks issued, outcomes). */
  contacts(customerId: string): string {
    return `${this.prefix}:{${customerId}}:c`;
  }

  /**
   * A task's ownership and completeness ({ epoch, built }): task p is
   * partition p of every input topic. Its absence tells that Redis lost data.
   */
  task(partition: number): string {
    return `${this.prefix}:task:${partition}`;
  }

  /**
   * Results of task p's records applied but not yet committed (a hash), so a
   * chunk replayed after a failure yields the same tasks; emptied per chunk
   * once its transaction commits.
   */
  results(partition: number): string {
    return `${this.prefix}:task:${partition}:res`;
  }

  /**
   * The care-task status index (see src/state/care-task-index.ts): records by
   * task id, and the open and closed task ids by due time. Not per customer:
   * the contact centre's queue spans every customer.
   */
  careTasks(): { records: string; open: string; closed: string } {
    return { records: `${this.prefix}:caretasks`, open: `${this.prefix}:caretasks:open`, closed: `${this.prefix}:caretasks:closed` };
  }

  /** Pattern matching every customer key under this prefix (for SCAN), and nothing else. */
  pattern(): string {
    return `${globLiteral(this.prefix)}:{*`;
  }

  /** Pattern matching every key under this prefix (for SCAN), and nothing else. */
  everything(): string {
    return `${globLiteral(this.prefix)}:*`;
  }
}
