/**
 * Per-session ordered delivery of utterance resolutions.
 *
 * Every accepted utterance index resolves exactly once: a result, a missing_result or an error. Resolutions go
 * out in index order among the indexes accepted so far; an index that holds back later, already resolved ones
 * for longer than `gapMs` is resolved by the gap payload (`missing_result gap_timeout`). A resolution that
 * arrives for an index that already went out, or that was never accepted, is dropped and reported as such.
 *
 * Pure: payloads are opaque, time comes from injected timers.
 */
import type { TimerHandle, Timers } from '../time/timers.js';

/** `resolved`: its own resolution; `gap`: waited out; `drain`: the session ended first. */
export type EmitReason = 'resolved' | 'gap' | 'drain';

export type ResolveOutcome = 'emitted' | 'queued' | 'duplicate' | 'late' | 'unknown';

export interface OrderedDeliveryOptions<T> {
  gapMs: number;
  /** Called once per accepted index, in delivery order. */
  emit: (index: number, payload: T, how: EmitReason) => void;
  /** The payload that resolves an index whose gap timed out. */
  gapPayload: (index: number) => T;
}

interface Slot<T> {
  payload?: T;
  /** When this slot got its payload (for the gap clock). */
  resolvedAt?: number;
}

export class OrderedDelivery<T> {
  /** Accepted, not yet emitted, by index. */
  private readonly pending = new Map<number, Slot<T>>();
  /** Sorted ascending: the keys of `pending`. Small (outstanding utterances of one session). */
  private order: number[] = [];
  /** Indexes already emitted, so duplicates and late arrivals can be told apart from strangers. */
  private readonly done = new EmittedSet();
  /** Pending indexes whose payload the buffer made up (gap or drain) rather than received. */
  private readonly madeUp = new Map<number, 'gap' | 'drain'>();
  private gapTimer: TimerHandle | undefined;
  private gapTimerAt = Infinity;
  private stopped = false;

  constructor(
    private readonly opts: OrderedDeliveryOptions<T>,
    private readonly timers: Timers,
  ) {}

  /** Registers an index that must resolve. Returns false if it is already known (accepted or emitted). */
  accept(index: number): boolean {
    if (this.stopped || this.pending.has(index) || this.done.has(index)) return false;
    this.pending.set(index, {});
    insertSorted(this.order, index);
    return true;
  }

  isOutstanding(index: number): boolean {
    return this.pending.has(index);
  }

  /** Accepted indexes that have not gone out yet, ascending. */
  outstanding(): readonly number[] {
    return this.order;
  }

  resolve(index: number, payload: T): ResolveOutcome {
    const slot = this.pending.get(index);
    if (slot === undefined) return this.done.has(index) ? 'late' : 'unknown';
    if (slot.payload !== undefined) return 'duplicate';
    slot.payload = payload;
    slot.resolvedAt = this.timers.now();
    this.flush();
    if (this.done.has(index)) return 'emitted';
    this.armGapTimer();
    return 'queued';
  }

  /**
   * Emits everything now: resolved slots as they are, unresolved ones with `payloadFor` (the session is
   * ending and will not wait). Afterwards nothing more is accepted.
   */
  drain(payloadFor: (index: number) => T): void {
    this.stopTimer();
    for (const index of [...this.order]) {
      const slot = this.pending.get(index);
      if (slot && slot.payload === undefined) {
        slot.payload = payloadFor(index);
        slot.resolvedAt = this.timers.now();
        this.madeUp.set(index, 'drain');
      }
    }
    this.flush();
    this.stopped = true;
  }

  /** Forgets timers (the session's socket is gone). */
  stop(): void {
    this.stopTimer();
    this.stopped = true;
  }

  /** Oldest resolution held back behind an unresolved index. */
  private earliestWaitingAt(): number | undefined {
    let earliest: number | undefined;
    for (const index of this.order) {
      const at = this.pending.get(index)?.resolvedAt;
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
    }
    return earliest;
  }

  private armGapTimer(): void {
    const waitingAt = this.earliestWaitingAt();
    if (waitingAt === undefined) return;
    const due = waitingAt + this.opts.gapMs;
    if (this.gapTimer !== undefined && this.gapTimerAt <= due) return;
    this.stopTimer();
    this.gapTimerAt = due;
    this.gapTimer = this.timers.setTimeout(() => this.onGapTimer(), Math.max(0, due - this.timers.now()));
  }

  /** Resolves, as gaps, every unresolved index below a resolution that has waited `gapMs` or more. */
  private onGapTimer(): void {
    this.gapTimer = undefined;
    this.gapTimerAt = Infinity;
    const now = this.timers.now();
    let cutoff = -Infinity;
    for (const index of this.order) {
      const at = this.pending.get(index)?.resolvedAt;
      if (at !== undefined && now - at >= this.opts.gapMs) cutoff = index;
    }
    for (const index of [...this.order]) {
      if (index >= cutoff) break;
      const slot = this.pending.get(index);
      if (slot && slot.payload === undefined) {
        slot.payload = this.opts.gapPayload(index);
        slot.resolvedAt = now;
        this.madeUp.set(index, 'gap');
      }
    }
    this.flush();
    this.armGapTimer();
  }

  private flush(): void {
    while (this.order.length > 0) {
      const head = this.order[0] as number;
      const slot = this.pending.get(head);
      if (slot?.payload === undefined) break;
      this.order.shift();
      this.pending.delete(head);
      this.done.add(head);
      const how = this.madeUp.get(head) ?? 'resolved';
      this.madeUp.delete(head);
      this.opts.emit(head, slot.payload, how);
    }
    if (this.earliestWaitingAt() === undefined) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.gapTimer !== undefined) this.timers.clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    this.gapTimerAt = Infinity;
  }
}

/**
 * A set of emitted indexes that stays small in a long session: everything below `below` is in, plus the few
 * above it (indexes are dense from 0 in practice, so the sparse part drains as the gaps close).
 */
class EmittedSet {
  private below = 0;
  private readonly above = new Set<number>();

  has(index: number): boolean {
    return index < this.below || this.above.has(index);
  }

  add(index: number): void {
    if (index < this.below) return;
    this.above.add(index);
    while (this.above.delete(this.below)) this.below++;
  }
}

function insertSorted(list: number[], value: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, value);
}
