/**
 * A secret read from the environment or a file. Printing, logging or
 * JSON-serializing it (the whole Config included) shows `[secret]`; only
 * reveal() hands out the value, at the one place a client needs it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[secret]';
  }
}
