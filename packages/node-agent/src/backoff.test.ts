import { describe, expect, it } from 'vitest';
import { backoffDelay, createBackoff } from './backoff.js';

// The shared curve (growth, cap, jitter) is tested in @lingua/protocol; these pin what the agent adds.
describe('backoffDelay', () => {
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
