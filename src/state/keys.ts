/**
 * `text` as a Redis glob that matches only itself: SCAN/KEYS patterns are
 * built from it so a prefix with a glob character cannot match other keys.
 * (Customer ids cannot hold one: src/events/identifier.ts.)
 */
export function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Where the state layout begins under the prefix. `s2` is the shard-local
 * engine's layout (src/state/local-state.ts): the shard epoch and the encoded
 * state per customer. The layout before it (the Lua feature scripts' msgpack
 * blob at `<prefix>:{customerId}`, shard hashes at `<prefix>:task:<p>`) is
 * never read: a service starting on a Redis that holds only that layout finds
 * no shard state under `s2` and rebuilds every shard from the input topics,
 * which is the migration (docs/operations/state.md). The old keys can then be
 * deleted (`<prefix>:{*` and `<prefix>:task:*`).
 */
export const LAYOUT = 's2';

/**
 * Every Redis key carestream writes is built here; nobody else concatenates key
 * strings. All of one customer's keys share the hash tag `{customerId}`, so a
 * script may touch them together on Redis Cluster.
 */
export class StateKeys {
  readonly prefix: string;
  /** Where customer and shard keys begin: the prefix and the layout. */
  private readonly base: string;

  constructor(prefix = 'cs') {
    this.prefix = prefix;
    this.base = `${prefix}:${LAYOUT}`;
  }

  /** The customer's state: the epoch of the shard owner that wrote it (6 bytes; src/state/customer-value.ts), then the encoded state. */
  state(customerId: string): string {
    return `${this.base}:{${customerId}}`;
  }

  /**
   * The results of the customer's records applied but not yet committed (a
   * hash "<topic index>.<partition>@<offset>" -> result), written with the
   * state, so a chunk replayed after a failure yields the same tasks; their
   * fields are deleted once the chunk commits.
   */
  pending(customerId: string): string {
    return `${this.base}:{${customerId}}:r`;
  }

  /** The customer's decision log (a list, newest first: what `carestream explain` shows). */
  contacts(customerId: string): string {
    return `${this.base}:{${customerId}}:c`;
  }

  /**
   * A shard's ownership and completeness ({ epoch, built }): shard p is
   * partition p of every input topic. Its absence tells that Redis lost data.
   *
   * The key strings of shard() and due() keep the word `task`
   * (`<base>:task:<p>`, `<base>:task:<p>:due`): they are persisted in the
   * Redis of existing deployments, named before the partition group was
   * called a shard (src/stream/shard.ts). Do not rename them.
   */
  shard(partition: number): string {
    return `${this.base}:task:${partition}`;
  }

  /**
   * A shard's index of its customers' next due times (a sorted set, customer
   * id -> ms; member '~epoch' holds its last writer's epoch): which customers
   * a stream time makes due (issue 13). One key per shard, written with the
   * chunk's customers, fenced by the epoch it holds (write-due-1.lua).
   */
  due(partition: number): string {
    return `${this.base}:task:${partition}:due`;
  }

  /**
   * The care-task status index (see src/state/care-task-index.ts): records by
   * task id, the open and closed task ids by due time, and the epoch of each
   * shard's owner that fences its writes. Not per customer (the contact
   * centre's queue spans every customer), so under one hash tag of its own:
   * one Redis Cluster slot holds all four and a script may touch them together.
   */
  careTasks(): { records: string; open: string; closed: string; owners: string } {
    const tag = `${this.prefix}:{caretasks}`;
    return { records: tag, open: `${tag}:open`, closed: `${tag}:closed`, owners: `${tag}:owners` };
  }

  /**
   * Where the care-task index was before it had a hash tag (no fence of its
   * own; the shard hashes fenced it): a single Redis still holding it has it
   * renamed once at start-up (CareTaskIndex.adoptEarlierLayout).
   */
  earlierCareTasks(): { records: string; open: string; closed: string } {
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
