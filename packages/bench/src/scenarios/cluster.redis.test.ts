import { expect, it } from 'vitest';
import { runClusterScenario } from './cluster.js';

it('runs end to end at a small scale: cross-instance jobs resolve exactly once, both relays run too', async () => {
  const report = await runClusterScenario({
    rate: '200',
    seconds: '1',
    'warmup-seconds': '1',
    sessions: '20',
    nodes: '2',
  });
  expect(report.scenario).toBe('cluster');
  const f = report.figures;
  for (const name of [
    'jobs_per_s',
    'dispatch_p50_ms',
    'dispatch_p99_ms',
    'result_p50_ms',
    'result_p99_ms',
    'peer_socketio_p99_ms',
    'ratio_p99_vs_socketio',
    'inbox_relay_p99_ms',
    'ratio_transport_p99_vs_socketio',
  ]) {
    expect(Number.isFinite(f[name]), name).toBe(true);
  }
  expect(f.jobs_per_s).toBeGreaterThan(0);
  expect(f.lost).toBe(0);
  expect(f.duplicated).toBe(0);
  expect(f.missing).toBe(0);
  expect(f.peer_socketio_lost).toBe(0);
  expect(f.inbox_relay_lost).toBe(0);
  // At most six scripts per job: select-reserve, job-open, inbox-publish there; job-transition, inbox-publish,
  // reserve-release back (presence ticks and probes add a little). The inbox publishes and the release are batched
  // per turn, so fewer under load; the other three are one per job whatever the load.
  expect(f.redis_scripts_per_job).toBeGreaterThanOrEqual(3);
  expect(f.redis_scripts_per_job).toBeLessThan(7);
});
