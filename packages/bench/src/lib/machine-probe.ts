/**
 * A yardstick for the machine, taken before each scenario: a trivial one-slot script (one HSET, one ZADD) against
 * a fresh redis-server, paced at one call per millisecond, with nothing of ours running. On a shared VM the same
 * code gives a heartbeat p99 of 0.8 ms in one hour and 1.4 ms in the next; this probe moves with it (its p50 was
 * 0.05–0.08 ms in quiet hours, 0.1–0.17 ms in noisy ones), so a report says what the host was like
 * (`env.probe_script_p50_ms` / `env.probe_script_p99_ms`) and runs can be compared fairly.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startRedisServer } from '@lingua/testkit';
import { percentiles } from './stats.js';

const SCRIPT =
  "redis.call('HSET', KEYS[1], 'u', ARGV[1]) redis.call('ZADD', KEYS[2], ARGV[2], 'n') return {'OK', 1}";

export interface ProbeResult {
  p50Ms: number;
  p99Ms: number;
}

/** Round trips of `calls` paced script calls (default 2,000, one per `intervalMs` = 1 ms). */
export async function probeMachine(opts: { calls?: number; intervalMs?: number } = {}): Promise<ProbeResult> {
  const calls = opts.calls ?? 2_000;
  const intervalMs = opts.intervalMs ?? 1;
  const server = await startRedisServer();
  const redis = new Redis(server.url, { protocol: 2 });
  try {
    const sha = (await redis.script('LOAD', SCRIPT)) as string;
    const rtts: number[] = [];
    const started = performance.now();
    for (let i = 0; i < calls; i++) {
      const wait = started + i * intervalMs - performance.now();
      if (wait > 0) await delay(wait);
      const t = performance.now();
      await redis.evalsha(sha, 2, '{probe}:h', '{probe}:z', '{"cpu":1,"mem":2}', i);
      rtts.push(performance.now() - t);
    }
    const [p50, p99] = percentiles(rtts, [50, 99]);
    return { p50Ms: p50 ?? Number.NaN, p99Ms: p99 ?? Number.NaN };
  } finally {
    redis.disconnect();
    await server.stop();
  }
}
