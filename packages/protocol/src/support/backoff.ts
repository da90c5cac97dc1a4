/**
 * Reconnect delays for every peer of the gateway: exponential growth from `initialMs` by `factor`, capped at
 * `maxMs`, with random jitter so that the many peers dropped by one gateway restart do not reconnect in
 * lock-step. Pure: the caller owns the timer and passes the randomness.
 */
export interface BackoffOptions {
  /** Delay before the first retry. Default 1000 ms (the web client starts at 1 s). */
  initialMs?: number;
  /** Upper bound of any delay. Default 30 000 ms. */
  maxMs?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
  /** Fraction of the delay that is randomised, 0..1. Default 0.5 (delay lies in [base/2, base]). */
  jitter?: number;
}

export interface Backoff {
  /** Delay for the next attempt; each call advances the attempt counter. */
  next(): number;
  /** Attempts made since the last reset. */
  readonly attempts: number;
  /** Back to the initial delay, after a connection proved healthy. */
  reset(): void;
}

export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initialMs = opts.initialMs ?? 1000;
  const maxMs = opts.maxMs ?? 30_000;
  const factor = opts.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.5));
  const base = Math.min(maxMs, initialMs * Math.pow(factor, Math.max(0, attempt)));
  return Math.round(base * (1 - jitter * random()));
}

export function createBackoff(opts: BackoffOptions = {}, random: () => number = Math.random): Backoff {
  let attempts = 0;
  return {
    next: () => backoffDelay(attempts++, opts, random),
    get attempts() {
      return attempts;
    },
    reset: () => {
      attempts = 0;
    },
  };
}
