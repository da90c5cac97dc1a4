import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { poll } from '@lingua/testkit';
import { sampleEventLoopLag } from './event-loop-lag.js';

const bucket = async (h: Histogram, le: string): Promise<number> => {
  const values = (await h.get()).values;
  const v = values.find((x) => x.metricName?.endsWith('_bucket') && String(x.labels.le) === le);
  return v?.value ?? Number.NaN;
};
const count = async (h: Histogram): Promise<number> =>
  (await h.get()).values.find((x) => x.metricName?.endsWith('_count'))?.value ?? 0;

describe('sampleEventLoopLag', () => {
  it('observes a blocked loop as a late sample; a free loop as on-time samples', async () => {
    const h = new Histogram({
      name: 'lag_test_seconds',
      help: 'test',
      buckets: [0.01, 0.025],
      registers: [new Registry()],
    });
    const sampler = sampleEventLoopLag(h, 5);
    await poll(async () => (await count(h)) >= 3, { timeoutMs: 5_000, intervalMs: 5, what: 'samples' });
    const spin = Date.now() + 40;
    while (Date.now() < spin); // block the loop: the next sample fires ≥ 30 ms late
    await poll(async () => (await bucket(h, '+Inf')) > (await bucket(h, '0.025')), {
      timeoutMs: 5_000,
      intervalMs: 5,
      what: 'a late sample',
    });
    sampler.stop();
    // Samples while the loop was free stay under the first bucket.
    expect(await bucket(h, '0.01')).toBeGreaterThanOrEqual(3);
  });
});
