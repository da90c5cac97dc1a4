import { describe, expect, it } from 'vitest';
import { backoffDelay, createBackoff } from './backoff.js';

describe('client backoff', () => {
  it('starts at 1 s and doubles up to 30 s like the web client when no jitter is drawn', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, {}, () => 0))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
  });

  it('jitters at most half of each delay and resets', () => {
    const b = createBackoff({ initialMs: 100 }, () => 0.999999);
    expect(b.next()).toBe(50);
    expect(b.next()).toBe(100);
    b.reset();
    expect(b.next()).toBe(50);
  });
});
