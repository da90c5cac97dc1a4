import { expect, it } from 'vitest';
import { runNodesScenario } from './nodes.js';

it('runs end to end at a small scale: every figure measured, one script per heartbeat', async () => {
  const report = await runNodesScenario({
    nodes: '30',
    'hb-rate': '100',
    'hb-seconds': '1',
    'throughput-seconds': '1',
    'throughput-concurrency': '8',
    'client-nice': '0',
  });
  expect(report.scenario).toBe('nodes');
  const f = report.figures;
  for (const name of [
    'register_p99_ms',
    'heartbeat_p99_ms',
    'heartbeats_per_s',
    'redis_cmds_per_heartbeat',
    'rss_per_conn_kib',
  ]) {
    expect(Number.isFinite(f[name]), name).toBe(true);
  }
  expect(f.nodes).toBe(30);
  expect(f.redis_scripts_per_heartbeat).toBeCloseTo(1, 1);
  expect(f.heartbeats_per_s).toBeGreaterThan(0);
  expect(report.env.redis_version).toMatch(/^7\./);
});
