/**
 * Per-connection inbound rate limit: a token bucket refilled continuously at `perS` tokens per second up to
 * `burst`. Two numbers per socket, no timers. A frame costs one token in a frame bucket and its length in a byte
 * bucket.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perS: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Whether `cost` tokens are there right now (refills first, takes nothing). */
  has(now: number, cost = 1): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perS) / 1000);
      this.last = now;
    }
    return this.tokens >= cost;
  }

  /** Takes `cost` tokens; false (and nothing taken) when fewer are left: the message should be refused. */
  take(now: number, cost = 1): boolean {
    if (!this.has(now, cost)) return false;
    this.tokens -= cost;
    return true;
  }
}
