import type { TimerHandle, Timers } from './timers.js';

/** A hand-driven clock for tests: `advance(ms)` fires due timers in deadline order. */
export class ManualTimers implements Timers {
  private current: number;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 1_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.pending.set(id, { at: this.current + Math.max(0, ms), fn });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as unknown as number);
  }

  /** Moves time forward, firing each due timer at its own deadline (timers set while firing count too). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let nextId = -1;
      let nextAt = Infinity;
      for (const [id, t] of this.pending) {
        if (t.at <= target && (t.at < nextAt || (t.at === nextAt && id < nextId))) {
          nextId = id;
          nextAt = t.at;
        }
      }
      if (nextId < 0) break;
      const t = this.pending.get(nextId);
      this.pending.delete(nextId);
      this.current = Math.max(this.current, nextAt);
      t?.fn();
    }
    this.current = target;
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}
