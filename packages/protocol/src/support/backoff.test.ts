import { describe, expect, it } from 'vitest';
import { backoffDelay, createBackoff } from './backoff.js';

describe('backoffDelay', () => {
  const opts = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };

  it('starts at 1 s and doubles up to 30 s like the web client when no jitter is drawn', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, {}, () => 0))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
  });

  it('grows exponentially up to the cap when no jitter is drawn', () => {
    const delays = [0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, opts, () => 0));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('jitters within [base × (1 − jitter), base]', () => {
    expect(backoffDelay(2, opts, () => 0.999999)).toBe(200);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, opts);
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(800);
    }
  });
});

describe('createBackoff', () => {
  it('jitters at most half of each delay and resets', () => {
    const b = createBackoff({ initialMs: 100 }, () => 0.999999);
    expect(b.next()).toBe(50);
    expect(b.next()).toBe(100);
    b.reset();
    expect(b.next()).toBe(50);
  });
});
