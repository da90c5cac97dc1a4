/**
 * Collects the calls one event-loop turn makes, per key, and settles them with one flush per key once the turn's
 * I/O callbacks have run (setImmediate): what a burst of replies or frames asks of one target goes out as one
 * request. At low load a batch is a single call and waits for nothing but the end of the turn.
 */
export class TurnBatcher<T, R> {
  private pending = new Map<string, Waiting<T, R>[]>();

  /** `flush` answers a key's items in order, one result per item; a rejection fails the whole batch. */
  constructor(private readonly flush: (key: string, items: T[]) => Promise<R[]>) {}

  add(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let batch = this.pending.get(key);
      if (!batch) {
        batch = [];
        this.pending.set(key, batch);
        if (this.pending.size === 1) setImmediate(() => this.run());
      }
      batch.push({ item, resolve, reject });
    });
  }

  private run(): void {
    const all = this.pending;
    this.pending = new Map();
    for (const [key, batch] of all) {
      this.flush(
        key,
        batch.map((w) => w.item),
      ).then(
        (results) => batch.forEach((w, i) => w.resolve(results[i] as R)),
        (err: unknown) => batch.forEach((w) => w.reject(err)),
      );
    }
  }
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}
