/** A one-line progress bar redrawn in place on a terminal (stderr), so stdout stays clean for results. */
export interface ProgressState {
  sessionsUp: number;
  sessions: number;
  sent: number;
  resolved: number;
  expected: number;
}

export class ProgressBar {
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly read: () => ProgressState,
    private readonly width = 30,
  ) {}

  start(intervalMs = 200): void {
    this.timer = setInterval(() => this.draw(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  /** Clears the bar so a normal line can be printed; the next tick redraws it. */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }

  private draw(): void {
    this.stream.write(`\r\x1b[2K${renderProgress(this.read(), this.width)}`);
    this.drawn = true;
  }
}

export function renderProgress(s: ProgressState, width = 30): string {
  const ratio = s.expected === 0 ? 0 : Math.min(1, s.resolved / s.expected);
  const filled = Math.round(ratio * width);
  const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
  return `[${bar}] ${s.resolved}/${s.expected} resolved · ${s.sent} sent · ${s.sessionsUp}/${s.sessions} sessions`;
}
