/**
 * Event-loop lag as a histogram: a timer due every `periodMs` observes how late it fired. Every socket's
 * handling latency includes whatever blocked the loop meanwhile, so a tail here (a timer doing too much at
 * once, a long GC) shows up in every handling histogram; this one says whether the loop or the work is slow.
 * prom-client's `nodejs_eventloop_lag_*` gauges only give quantiles since the last scrape, not a distribution.
 */
import { performance } from 'node:perf_hooks';
import type { Histogram } from 'prom-client';

/** Often enough to see a few-ms stall, rarely enough to cost nothing (50 wake-ups a second). */
export const EVENT_LOOP_SAMPLE_MS = 20;

export interface EventLoopLagSampler {
  stop(): void;
}

export function sampleEventLoopLag(
  histogram: Histogram,
  periodMs = EVENT_LOOP_SAMPLE_MS,
): EventLoopLagSampler {
  let due = performance.now() + periodMs;
  const timer = setInterval(() => {
    const now = performance.now();
    histogram.observe(Math.max(0, now - due) / 1_000);
    due = now + periodMs;
  }, periodMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
