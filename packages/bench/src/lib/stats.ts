import { BenchError } from './errors.js';

/** Numbers a scenario reports, by name (`jobs_per_s`, `dispatch_p99_ms`, …). */
export type Figures = Record<string, number>;

export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Nearest-rank percentile (the smallest sample with at least p % of samples at or below it). Unlike
 * interpolation it never reports a latency nobody observed, and p99 of 100 samples is the worst but one.
 * No samples → NaN, so a scenario that lost everything still prints a row instead of throwing.
 */
export function percentile(samples: readonly number[], p: number): number {
  return percentiles(samples, [p])[0] ?? Number.NaN;
}

/** Several percentiles with one sort. */
export function percentiles(samples: readonly number[], ps: readonly number[]): number[] {
  for (const p of ps) {
    if (!(p >= 0 && p <= 100)) throw new BenchError('BAD_ARGUMENT', `percentile ${p} is outside 0..100`);
  }
  if (samples.length === 0) return ps.map(() => Number.NaN);
  const sorted = Float64Array.from(samples).sort();
  return ps.map((p) => {
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    return sorted[rank - 1] as number;
  });
}

/** Median of a few values (e.g. one figure over repeated runs); the mean of the middle two when even. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) {
    const nan = Number.NaN;
    return { count: 0, min: nan, mean: nan, p50: nan, p90: nan, p99: nan, max: nan };
  }
  const [p50, p90, p99] = percentiles(samples, [50, 90, 99]) as [number, number, number];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const v of samples) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { count: samples.length, min, mean: sum / samples.length, p50, p90, p99, max };
}

/**
 * `a / b` for "ours vs peer" figures; NaN when either side is missing or b is 0, so a broken peer run
 * never shows up as an infinitely good ratio.
 */
export function ratio(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return Number.NaN;
  return a / b;
}

/** Rounds for display and JSON: sub-unit figures keep 3 significant digits, larger ones fewer decimals. */
export function roundFigure(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const abs = Math.abs(value);
  if (abs < 1) return Number(value.toPrecision(3));
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : 2;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
