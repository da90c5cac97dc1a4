import { describe, expect, it } from 'vitest';
import { backoffDelay, createBackoff } from './backoff.js';

describe('backoffDelay', () => {
  const opts = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };

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

  it('uses the defaults (500 ms doubling to 30 s)', () => {
    expect(backoffDelay(0, {}, () => 0)).toBe(500);
    expect(backoffDelay(20, {}, () => 0)).toBe(30_000);
  });
});

describe('createBackoff', () => {
  it('advances per call and starts over after reset', () => {
    const b = createBackoff({ initialMs: 10, maxMs: 50, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([10, 20, 40, 50]);
    expect(b.attempts).toBe(4);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(10);
  });
});
