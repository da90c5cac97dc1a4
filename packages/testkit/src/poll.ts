import { setTimeout as delay } from 'node:timers/promises';
import { TestkitError } from './errors.js';

export interface PollOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Names the awaited condition in the timeout error. */
  what?: string;
  /** Gives up at once with the signal's reason (e.g. the awaited process has exited). */
  signal?: AbortSignal;
}

/**
 * Calls `fn` until it returns something other than undefined, null or false, and returns that.
 * Errors thrown by `fn` count as "not yet" (a server that is still starting refuses connections);
 * the last one is attached to the timeout error.
 */
export async function poll<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: PollOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    opts.signal?.throwIfAborted();
    if (Date.now() >= deadline) {
      const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new TestkitError(
        'POLL_TIMEOUT',
        `${opts.what ?? 'condition'} not met within ${timeoutMs} ms${suffix}`,
        { cause: lastError },
      );
    }
    await delay(intervalMs, undefined, opts.signal ? { signal: opts.signal } : undefined).catch(
      () => undefined,
    );
  }
}
