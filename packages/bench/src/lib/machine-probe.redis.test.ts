import { describe, expect, it } from 'vitest';
import { probeMachine } from './machine-probe.js';

describe('machine probe', () => {
  it('times paced script calls against its own redis-server', async () => {
    const r = await probeMachine({ calls: 50, intervalMs: 1 });
    expect(r.p50Ms).toBeGreaterThan(0);
    expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
    // A loopback round trip of a two-command script; a second would mean the calls were not made one by one.
    expect(r.p99Ms).toBeLessThan(1_000);
  });
});
