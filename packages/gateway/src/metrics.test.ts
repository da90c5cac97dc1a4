import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

const line = (text: string, prefix: string): string | undefined =>
  text.split('\n').find((l) => l.startsWith(prefix));

describe('scrape-time metrics', () => {
  it('lingua_ready follows its source; pool readiness is rebuilt from the source on every scrape', async () => {
    const m = createMetrics();
    let ready = false;
    let pools = [{ pool: 'p1', languages: 'en,zh', ready: 3 }];
    let missed = 2;
    m.bind({ ready: () => ready, poolReadyNodes: () => pools, inboxProbesMissed: () => missed });

    let text = await m.registry.metrics();
    expect(line(text, 'lingua_ready ')).toBe('lingua_ready 0');
    expect(line(text, 'lingua_pool_ready_nodes{')).toBe(
      'lingua_pool_ready_nodes{pool="p1",languages="en,zh"} 3',
    );

    expect(line(text, 'lingua_inbox_probes_missed_total ')).toBe('lingua_inbox_probes_missed_total 2');

    ready = true;
    missed = 5;
    pools = [{ pool: 'p2', languages: 'ja', ready: 0 }];
    text = await m.registry.metrics();
    expect(line(text, 'lingua_ready ')).toBe('lingua_ready 1');
    expect(line(text, 'lingua_inbox_probes_missed_total ')).toBe('lingua_inbox_probes_missed_total 5');
    // a pool that left the index leaves the metric
    expect(text).not.toContain('pool="p1"');
    expect(line(text, 'lingua_pool_ready_nodes{')).toBe(
      'lingua_pool_ready_nodes{pool="p2",languages="ja"} 0',
    );
  });

  it('lingua_redis_errors_total exists at 0 before the first error and counts by op', async () => {
    const m = createMetrics();
    expect(line(await m.registry.metrics(), 'lingua_redis_errors_total{')).toBe(
      'lingua_redis_errors_total{op="connection"} 0',
    );
    m.redis.errors.inc({ op: 'connection' });
    expect(line(await m.registry.metrics(), 'lingua_redis_errors_total{op="connection"}')).toBe(
      'lingua_redis_errors_total{op="connection"} 1',
    );
  });

  it('every refusal reason of the socket limits is exported at 0 from the start', async () => {
    const text = await createMetrics().registry.metrics();
    for (const reason of ['too_many_connections', 'origin_forbidden', 'unauthorized', 'draining']) {
      expect(text).toContain(`lingua_ws_upgrades_rejected_total{reason="${reason}"} 0`);
    }
    for (const endpoint of ['node', 'session']) {
      for (const reason of ['frame_rate', 'byte_rate', 'binary']) {
        expect(text).toContain(`lingua_ws_frames_refused_total{endpoint="${endpoint}",reason="${reason}"} 0`);
      }
      expect(text).toContain(
        `lingua_ws_closed_by_gateway_total{endpoint="${endpoint}",reason="init_timeout"} 0`,
      );
    }
    expect(text).toContain('lingua_sessions_total{outcome="RATE_LIMITED"} 0');
  });

  it('unbound, the gauges report not ready and no pools', async () => {
    const text = await createMetrics().registry.metrics();
    expect(line(text, 'lingua_ready ')).toBe('lingua_ready 0');
    expect(line(text, 'lingua_pool_ready_nodes{')).toBeUndefined();
  });
});
