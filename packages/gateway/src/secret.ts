import { inspect } from 'node:util';

const MASK = '***';

/**
 * A secret configuration value (e.g. the Redis password). It prints as `***` however it is turned into text —
 * `String()`, template literals, `JSON.stringify` (and so pino) and `util.inspect` (and so `console.log`) — so
 * that dumping the configuration cannot leak it. `reveal()` is the one way to the value.
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
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return `Secret(${MASK})`;
  }
}
