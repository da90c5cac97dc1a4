import { expect, it } from 'vitest';
import { runDispatchScenario } from './dispatch.js';

it('runs end to end at a small scale: every figure measured, ≤ 2 + 2 scripts per job, every utterance resolved', async () => {
  const report = await runDispatchScenario({
    sessions: '10',
    nodes: '2',
    rate: '50',
    seconds: '2',
    'warmup-seconds': '1',
  });
  expect(report.scenario).toBe('dispatch');
  const f = report.figures;
  for (const name of [
    'jobs_per_s',
    'dispatch_p50_ms',
    'dispatch_p99_ms',
    'result_p50_ms',
    'result_p99_ms',
    'redis_scripts_per_job',
    'redis_scripts_per_dispatch',
    'redis_scripts_per_result',
  ]) {
    expect(Number.isFinite(f[name]), name).toBe(true);
  }
  expect(f.jobs_per_s).toBeGreaterThan(0);
  // select-reserve + job-open per dispatch, job-transition + reserve-release per result. The window also holds
  // a few background scripts (node heartbeats, inbox self-probes: ~4 in 2 s here), so at ~100 jobs the figure
  // is at most 4 plus a few hundredths; one more script on either path would make it 5. Releases that meet in one
  // turn share a call, so it can dip below 4, never below the three that are one per job.
  expect(f.redis_scripts_per_job).toBeGreaterThanOrEqual(3);
  expect(f.redis_scripts_per_job).toBeLessThan(4.2);
  // By name (the gateway's own counts, no background scripts): select-reserve + job-open per dispatch (a
  // job-rebind only when the preferred node is full, which 10 slots per node never are here), one job-transition
  // per result plus at most one release.
  expect(f.redis_scripts_per_dispatch).toBeGreaterThanOrEqual(2);
  expect(f.redis_scripts_per_dispatch).toBeLessThan(2.05);
  expect(f.redis_scripts_per_result).toBeGreaterThan(1);
  expect(f.redis_scripts_per_result).toBeLessThanOrEqual(2);
  expect(f.resolved_ratio).toBe(1);
  expect(f.duplicate_resolutions).toBe(0);
}, 120_000);
