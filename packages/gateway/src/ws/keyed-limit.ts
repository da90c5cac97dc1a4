/**
 * Counts holders per key (a client address, a token subject) on this instance and refuses past a maximum.
 * Each successful acquire returns its own release, which is idempotent, so a holder can release from every path
 * that may end it (refusal, failure, close) without counting twice. A maximum of 0 means unlimited.
 */
export type Release = () => void;

export class KeyedLimit {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** A slot for `key`, or undefined when `key` already holds the maximum. */
  tryAcquire(key: string): Release | undefined {
    const n = this.counts.get(key) ?? 0;
    if (this.max > 0 && n >= this.max) return undefined;
    return this.acquire(key);
  }

  /** A slot for `key` regardless of the maximum (for holders that replace one of the same key). */
  acquire(key: string): Release {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left <= 0) this.counts.delete(key);
      else this.counts.set(key, left);
    };
  }

  /** How many slots `key` holds. */
  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}
