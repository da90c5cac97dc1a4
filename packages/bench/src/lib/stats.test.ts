import { describe, expect, it } from 'vitest';
import { median, percentile, percentiles, ratio, roundFigure, summarize } from './stats.js';

describe('percentile (nearest rank)', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => 100 - i);

  it('picks observed samples by rank, whatever the input order', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
  });

  it('gives the only sample for any percentile of one sample', () => {
    expect(percentiles([7.5], [0, 50, 99, 100])).toEqual([7.5, 7.5, 7.5, 7.5]);
  });

  it('is NaN without samples and rejects percentiles outside 0..100', () => {
    expect(percentile([], 99)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(/BAD_ARGUMENT/);
    expect(() => percentile([1], Number.NaN)).toThrow(/BAD_ARGUMENT/);
  });

  it('does not reorder the caller’s samples', () => {
    const samples = [3, 1, 2];
    percentile(samples, 50);
    expect(samples).toEqual([3, 1, 2]);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('summarize', () => {
  it('reports count, extremes, mean and percentiles', () => {
    const s = summarize([4, 2, 8, 6]);
    expect(s).toEqual({ count: 4, min: 2, mean: 5, p50: 4, p90: 8, p99: 8, max: 8 });
  });

  it('has count 0 and NaN figures without samples', () => {
    const s = summarize([]);
    expect(s.count).toBe(0);
    expect(s.p99).toBeNaN();
  });
});

describe('ratio and roundFigure', () => {
  it('divides, or is NaN when the denominator is missing or zero', () => {
    expect(ratio(3, 6)).toBe(0.5);
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(Number.NaN, 2)).toBeNaN();
  });

  it('keeps three significant digits below 1 and fewer decimals for larger figures', () => {
    expect(roundFigure(0.0123456)).toBe(0.0123);
    expect(roundFigure(3.14159)).toBe(3.14);
    expect(roundFigure(123.456)).toBe(123.5);
    expect(roundFigure(3012.7)).toBe(3013);
    expect(roundFigure(Number.NaN)).toBeNaN();
  });
});
