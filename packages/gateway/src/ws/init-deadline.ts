/**
 * The deadline for a socket's first real frame (`node_register`, `session_init`): a socket that has not
 * established itself within `LINGUA_INIT_TIMEOUT_MS` is closed, so idle upgraded sockets cannot pile up. One
 * timer per socket, cleared as soon as the socket is established. When it fires while the socket's first frame
 * is still being handled (a registration waiting on Redis), it looks again a little later instead of cutting
 * that short; a refused attempt that leaves the socket unestablished is then closed at the next look.
 */

/** Where the socket stands: no first frame yet, one being handled, or established / gone (nothing to do). */
export type InitState = 'waiting' | 'busy' | 'done';

/** Close code for a socket closed by the deadline (4008, like HTTP 408 Request Timeout). */
export const INIT_TIMEOUT_CLOSE = 4008;

/** How soon a busy socket is looked at again. */
const RECHECK_MS = 1_000;

export class InitDeadline {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    timeoutMs: number,
    private readonly state: () => InitState,
    private readonly expire: () => void,
  ) {
    this.arm(timeoutMs);
  }

  /** The socket is established or closed: no deadline anymore. */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.check(), ms);
    this.timer.unref();
  }

  private check(): void {
    this.timer = undefined;
    const state = this.state();
    if (state === 'waiting') this.expire();
    else if (state === 'busy') this.arm(RECHECK_MS);
  }
}
