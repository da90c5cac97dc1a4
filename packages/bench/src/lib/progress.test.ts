import { describe, expect, it } from 'vitest';
import { createProgress, formatProgressLine } from './progress.js';

function recorder(isTTY: boolean): { isTTY: boolean; text: string; write(chunk: string): boolean } {
  return {
    isTTY,
    text: '',
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

describe('progress', () => {
  it('writes nothing when the stream is not a terminal', () => {
    const stream = recorder(false);
    const progress = createProgress({ label: 'jobs', total: 10, stream });
    progress.update(5);
    progress.stop();
    expect(stream.text).toBe('');
  });

  it('redraws one line on a terminal, throttled, and clears it on stop', () => {
    const stream = recorder(true);
    let now = 0;
    const progress = createProgress({ label: 'jobs', total: 10, stream, minIntervalMs: 100, now: () => now });
    progress.update(1);
    now = 50;
    progress.update(2);
    now = 150;
    progress.update(5, '3012/s');
    progress.stop();
    expect(stream.text).toBe('\r\x1b[2Kjobs: 1/10 (10%)\r\x1b[2Kjobs: 5/10 (50%) 3012/s\r\x1b[2K');
  });

  it('shows a bare count when the total is unknown', () => {
    expect(formatProgressLine('nodes', 42)).toBe('nodes: 42');
  });
});
