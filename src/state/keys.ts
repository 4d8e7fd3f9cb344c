/**
 * `text` as a Redis glob that matches only itself: SCAN/KEYS patterns are
 * built from it so a prefix with a glob character cannot match other keys.
 * (Customer ids cannot hold one: src/events/identifier.ts.)
 */
export function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * How customer and task state is laid out: `lua`, the Lua scripts' msgpack
 * blob at `<prefix>:{customerId}` (the layout before the TypeScript feature
 * engine), or `ts`, the task-local engine's value at `<prefix>:s2:{customerId}`
 * (src/state/local-state.ts). The task keys differ too, so a service starting
 * on a Redis that holds only the other layout finds no task state and
 * rebuilds it: that rebuild is the migration.
 */
export type StateLayout = 'lua' | 'ts';

/**
 * Every Redis key carestream writes is built here; nobody else concatenates key
 * strings. All of one customer's keys share the hash tag `{customerId}`, so a
 * script may touch them together on Redis Cluster.
 */
export class StateKeys {
  readonly prefix: string;
  readonly layout: StateLayout;
  /** Where customer and task keys begin: the prefix, plus the layout's segment. */
  private readonly base: string;

  constructor(prefix = 'cs', layout: StateLayout = 'ts') {
    this.prefix = prefix;
    this.layout = layout;
    this.base = layout === 'ts' ? `${prefix}:s2` : prefix;
  }

  /** The customer's feature state (lua: one msgpack blob; ts: task epoch and the encoded state). */
  state(customerId: string): string {
    return `${this.base}:{${customerId}}`;
  }

  /**
   * ts layout: the results of the customer's records applied but not yet
   * committed (a hash "<topic index>.<partition>@<offset>" -> result), written
   * with the state, so a chunk replayed after a failure yields the same tasks.
   */
  pending(customerId: string): string {
    return `${this.base}:{${customerId}}:r`;
  }

  /** The customer's contact history (tasks issued, outcomes). */
  contacts(customerId: string): string {
    return `${this.base}:{${customerId}}:c`;
  }

  /**
   * A task's ownership and completeness ({ epoch, built }): task p is
   * partition p of every input topic. Its absence tells that Redis lost data.
   */
  task(partition: number): string {
    return `${this.base}:task:${partition}`;
  }

  /**
   * Results of task p's records applied but not yet committed (a hash), so a
   * chunk replayed after a failure yields the same tasks; emptied per chunk
   * once its transaction commits.
   */
  results(partition: number): string {
    return `${this.base}:task:${partition}:res`;
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
    return `${globLiteral(this.base)}:{*`;
  }

  /** Pattern matching every key under this prefix (for SCAN), and nothing else. */
  everything(): string {
    return `${globLiteral(this.prefix)}:*`;
  }
}
