/** The part of a stream the indicator needs; process.stderr fits, and so does a test double. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  label: string;
  /** When known, shown as `done/total` with a percentage. */
  total?: number;
  stream?: ProgressStream;
  /** Minimum time between redraws, so a hot loop calling update() costs almost nothing. */
  minIntervalMs?: number;
  now?: () => number;
}

export interface Progress {
  update(done: number, detail?: string): void;
  /** Clears the line; prints nothing else (the scenario prints its own results). */
  stop(): void;
}

const CLEAR_LINE = '\r\x1b[2K';

/**
 * A one-line progress indicator on stderr. It stays silent when the stream is not a terminal, so piped
 * output and CI logs hold only the results.
 */
export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  if (!stream.isTTY) return { update() {}, stop() {} };
  const now = opts.now ?? (() => performance.now());
  const minIntervalMs = opts.minIntervalMs ?? 100;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(done, detail) {
      const t = now();
      if (t - lastDraw < minIntervalMs) return;
      lastDraw = t;
      drawn = true;
      stream.write(`${CLEAR_LINE}${formatProgressLine(opts.label, done, opts.total, detail)}`);
    },
    stop() {
      if (drawn) stream.write(CLEAR_LINE);
      drawn = false;
    },
  };
}

export function formatProgressLine(label: string, done: number, total?: number, detail?: string): string {
  let text = `${label}: ${done}`;
  if (total !== undefined && total > 0) {
    const pct = Math.min(100, Math.floor((done / total) * 100));
    text += `/${total} (${pct}%)`;
  }
  if (detail) text += ` ${detail}`;
  return text;
}
