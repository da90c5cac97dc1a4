/**
 * The clock and timers the pure session modules run on. Injected so unit tests drive time by hand instead of
 * sleeping; production passes `systemTimers`.
 */
export interface TimerHandle {
  readonly __timer: unique symbol;
}

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // Timers of a socket must never keep a stopping process alive.
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
};
