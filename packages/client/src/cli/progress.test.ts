import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressBar, renderProgress, type ProgressState } from './progress.js';

const CLEAR_LINE = '\r\x1b[2K';

describe('ProgressBar', () => {
  let writes: string[];
  let state: ProgressState;
  let bar: ProgressBar;
  beforeEach(() => {
    vi.useFakeTimers();
    writes = [];
    state = { sessions: 2, sessionsUp: 2, sent: 1, resolved: 0, expected: 4 };
    const stream = { write: (chunk: string) => writes.push(chunk) } as unknown as NodeJS.WriteStream;
    bar = new ProgressBar(stream, () => state, 10);
  });
  afterEach(() => {
    bar.stop();
    vi.useRealTimers();
  });

  it('redraws the line in place on every tick with the current state', () => {
    bar.start(200);
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(200);
    state = { ...state, sent: 3, resolved: 2 };
    vi.advanceTimersByTime(200);
    expect(writes).toEqual([
      `${CLEAR_LINE}${renderProgress({ ...state, sent: 1, resolved: 0 }, 10)}`,
      `${CLEAR_LINE}${renderProgress(state, 10)}`,
    ]);
    expect(writes[1]).toContain('[#####.....] 2/4 resolved');
  });

  it('clears a drawn bar once for a printed line, and leaves an undrawn terminal alone', () => {
    bar.clear();
    bar.stop();
    expect(writes).toEqual([]);
    bar.start(200);
    vi.advanceTimersByTime(200);
    writes.length = 0;
    bar.clear();
    bar.clear();
    expect(writes).toEqual([CLEAR_LINE]);
    vi.advanceTimersByTime(200);
    bar.stop();
    expect(writes.slice(1)).toEqual([`${CLEAR_LINE}${renderProgress(state, 10)}`, CLEAR_LINE]);
    vi.advanceTimersByTime(1_000);
    expect(writes).toHaveLength(3);
  });
});
