/**
 * Gateway-side latencies come from the gateway's own Prometheus histograms: two scrapes of `/metrics`, the
 * difference of their buckets, and a quantile interpolated inside the bucket it falls in (what PromQL's
 * histogram_quantile does). Resolution is the bucket layout (fine below 1 ms in the gateway's metrics module).
 */

/** Cumulative bucket counts by upper bound (`+Inf` included), as scraped. */
export type Buckets = Map<number, number>;

/** The `<name>_bucket{le="…"}` series of one histogram (summed over label sets) from a text exposition. */
export function parseHistogram(text: string, name: string): Buckets {
  const out: Buckets = new Map();
  const prefix = `${name}_bucket{`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (le === undefined || !Number.isFinite(value)) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    out.set(bound, (out.get(bound) ?? 0) + value);
  }
  return out;
}

export function diffBuckets(before: Buckets, after: Buckets): Buckets {
  const out: Buckets = new Map();
  for (const [le, count] of after) out.set(le, Math.max(0, count - (before.get(le) ?? 0)));
  return out;
}

export function bucketCount(b: Buckets): number {
  return b.get(Number.POSITIVE_INFINITY) ?? 0;
}

/** Quantile q (0..1) by linear interpolation within the bucket; NaN without observations. */
export function histogramQuantile(b: Buckets, q: number): number {
  const bounds = [...b.keys()].sort((x, y) => x - y);
  const total = bucketCount(b);
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const le of bounds) {
    const count = b.get(le) ?? 0;
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return prevBound; // beyond the last finite bucket
      const inBucket = count - prevCount;
      return inBucket === 0 ? le : prevBound + (le - prevBound) * ((rank - prevCount) / inBucket);
    }
    prevBound = le;
    prevCount = count;
  }
  return prevBound;
}

/** `<name>_count` of one histogram summed per value of `label` (e.g. script calls by script), from a text exposition. */
export function countsByLabel(text: string, name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  const prefix = `${name}_count{`;
  const pattern = new RegExp(`[{,]${label}="([^"]*)"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const key = pattern.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (key === undefined || !Number.isFinite(value)) continue;
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}
