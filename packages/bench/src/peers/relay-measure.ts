/**
 * The one measurement loop behind both relay comparisons (socket.io + Redis adapter, and our inbox alone), so
 * the two transports are paced, warmed up, counted and timed identically: only how a payload is sent and
 * received differs. Send and receive happen in this process, so both timestamps come from one clock.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { BenchError } from '../lib/errors.js';
import { percentiles } from '../lib/stats.js';

export interface RelayFigures {
  sent: number;
  received: number;
  lost: number;
  p50_ms: number;
  p99_ms: number;
  /** Messages sent per second over the sending window (shows whether the pacer kept up). */
  rate_per_s: number;
}

export interface RelayPayload {
  /** Sequence number; -1 for warm-up messages that are not measured. */
  s: number;
  /** performance.now() at send, read again at receipt in this same process. */
  t: number;
  p: string;
}

/** Both ends of one relay path. */
export interface RelayEnds {
  send(payload: RelayPayload): void;
  onReceive(handler: (payload: RelayPayload) => void): void;
}

export interface RelayPacing {
  ratePerS: number;
  /** Size of the JSON payload each message carries (sequence, timestamp and padding). */
  messageBytes: number;
  /** How long to wait for stragglers after the last send before counting them lost. Default 2000. */
  drainTimeoutMs?: number;
  onProgress?: (sent: number, total: number) => void;
}

const WARMUP_TIMEOUT_MS = 10_000;
const WARMUP_INTERVAL_MS = 50;

export async function measureRelay(
  ends: RelayEnds,
  total: number,
  opts: RelayPacing,
  what: string,
): Promise<RelayFigures> {
  const seen = new Uint8Array(total);
  const latencies: number[] = [];
  let warm = false;
  let allReceived: () => void = () => {};
  const done = new Promise<void>((resolve) => (allReceived = resolve));
  ends.onReceive((payload) => {
    const now = performance.now();
    if (payload.s < 0) {
      warm = true;
      return;
    }
    if (payload.s >= total || seen[payload.s] === 1) return;
    seen[payload.s] = 1;
    latencies.push(now - payload.t);
    if (latencies.length === total) allReceived();
  });

  // Pub/sub drops what is published before the sink's subscription is live: relay until one arrives.
  const warmDeadline = performance.now() + WARMUP_TIMEOUT_MS;
  while (!warm) {
    if (performance.now() > warmDeadline) {
      throw new BenchError(
        'RELAY_SETUP_FAILED',
        `no warm-up message crossed the ${what} in ${WARMUP_TIMEOUT_MS} ms`,
      );
    }
    ends.send({ s: -1, t: performance.now(), p: '' });
    await delay(WARMUP_INTERVAL_MS);
  }

  const pad = 'x'.repeat(Math.max(0, opts.messageBytes - payloadOverhead(total)));
  const intervalMs = 1000 / opts.ratePerS;
  const startedAt = performance.now();
  let sent = 0;
  // Catch-up pacing: each wake-up sends every message that is due, so timer granularity (≈1 ms) does not
  // lower the rate; the loop ends once `total` messages are out.
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - startedAt) / intervalMs) + 1);
    for (; sent < due; sent++) ends.send({ s: sent, t: performance.now(), p: pad });
    opts.onProgress?.(sent, total);
    if (sent < total) await delay(Math.max(0, startedAt + sent * intervalMs - performance.now()));
  }
  const sendingMs = Math.max(performance.now() - startedAt, intervalMs);

  const drain = new AbortController();
  await Promise.race([
    done,
    delay(opts.drainTimeoutMs ?? 2000, undefined, { signal: drain.signal }).catch(() => undefined),
  ]);
  drain.abort();

  const [p50, p99] = percentiles(latencies, [50, 99]) as [number, number];
  return {
    sent,
    received: latencies.length,
    lost: sent - latencies.length,
    p50_ms: p50,
    p99_ms: p99,
    rate_per_s: (sent * 1000) / sendingMs,
  };
}

/** JSON length of a payload without padding, with the widest sequence and a typical timestamp. */
function payloadOverhead(total: number): number {
  return JSON.stringify({ s: total, t: 123456.789012, p: '' } satisfies RelayPayload).length;
}
