import { describe, expect, it } from 'vitest';
import {
  bucketCount,
  countsByLabel,
  diffBuckets,
  histogramQuantile,
  parseHistogram,
} from './prom-histogram.js';

const scrape = (counts: [string, number][]): string =>
  [
    '# HELP h_seconds help',
    '# TYPE h_seconds histogram',
    ...counts.map(([le, n]) => `h_seconds_bucket{le="${le}"} ${n}`),
    `h_seconds_sum 1`,
    `h_seconds_count ${counts[counts.length - 1]?.[1] ?? 0}`,
    'other_bucket{le="1"} 99',
  ].join('\n');

describe('prom histogram', () => {
  it('parses buckets, diffs two scrapes and interpolates quantiles inside a bucket', () => {
    const before = parseHistogram(
      scrape([
        ['0.001', 10],
        ['0.002', 10],
        ['+Inf', 10],
      ]),
      'h_seconds',
    );
    const after = parseHistogram(
      scrape([
        ['0.001', 60],
        ['0.002', 110],
        ['+Inf', 110],
      ]),
      'h_seconds',
    );
    const d = diffBuckets(before, after);
    expect(bucketCount(d)).toBe(100);
    expect(histogramQuantile(d, 0.5)).toBeCloseTo(0.001, 9);
    expect(histogramQuantile(d, 0.25)).toBeCloseTo(0.0005, 9);
    expect(histogramQuantile(d, 0.99)).toBeCloseTo(0.00198, 9);
  });

  it('reports NaN without observations and the last finite bound for the +Inf bucket', () => {
    expect(histogramQuantile(new Map([[Number.POSITIVE_INFINITY, 0]]), 0.5)).toBeNaN();
    const overflow = new Map([
      [0.001, 0],
      [Number.POSITIVE_INFINITY, 5],
    ]);
    expect(histogramQuantile(overflow, 0.99)).toBe(0.001);
  });

  it('sums the counts of a histogram per value of one label, ignoring other series', () => {
    const text = [
      's_seconds_bucket{le="0.001",script="job-open",outcome="ok"} 3',
      's_seconds_count{script="job-open",outcome="ok"} 5',
      's_seconds_count{script="job-open",outcome="noscript"} 1',
      's_seconds_count{outcome="ok",script="select-reserve"} 7',
      'other_seconds_count{script="job-open"} 100',
    ].join('\n');
    expect(countsByLabel(text, 's_seconds', 'script')).toEqual(
      new Map([
        ['job-open', 6],
        ['select-reserve', 7],
      ]),
    );
  });
});
