import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachTopology, kitAdminHeaders, kitToken, poll, TestNode } from '@lingua/testkit';
import { startTestGateway, type TestGateway } from './testing/test-gateway.js';

forEachTopology('/metrics of a live gateway', (target) => {
  let gw: TestGateway;
  const nodes: TestNode[] = [];
  const scrape = async (): Promise<string> => (await fetch(gw.adminUrl('/metrics'))).text();
  /** The value of the first sample line starting with `prefix`, or undefined. */
  const sample = async (prefix: string): Promise<number | undefined> => {
    const l = (await scrape()).split('\n').find((x) => x.startsWith(prefix));
    return l === undefined ? undefined : Number(l.split(' ').pop());
  };

  beforeAll(async () => {
    gw = await startTestGateway(target, { LINGUA_SWEEP_INTERVAL_MS: '50' });
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await gw.stop();
  });

  it('the operator surface is on the admin port only; the public port serves the sockets and health', async () => {
    expect((await fetch(gw.httpUrl('/metrics'))).status, 'public /metrics').toBe(404);
    expect((await fetch(gw.adminUrl('/metrics'))).status, 'admin /metrics, open to scrapers').toBe(200);
    for (const path of ['/api/v1/nodes', '/api/v1/cluster', '/api/v1/lang-index']) {
      expect((await fetch(gw.httpUrl(path), { headers: kitAdminHeaders() })).status, `public ${path}`).toBe(
        404,
      );
      // The admin API needs an admin token: none → 401, another role's → 403.
      expect((await fetch(gw.adminUrl(path))).status, `admin ${path} without a token`).toBe(401);
      const session = { authorization: `Bearer ${kitToken('session')}` };
      expect(
        (await fetch(gw.adminUrl(path), { headers: session })).status,
        `admin ${path}, session token`,
      ).toBe(403);
      expect((await fetch(gw.adminUrl(path), { headers: kitAdminHeaders() })).status, `admin ${path}`).toBe(
        200,
      );
    }
    for (const path of ['/healthz', '/readyz']) {
      expect((await fetch(gw.httpUrl(path))).status, `public ${path}`).toBe(200);
      expect((await fetch(gw.adminUrl(path))).status, `admin ${path}`).toBe(200);
    }
    expect(gw.adminPort()).not.toBe(gw.port());
  });

  it('lingua_ready is 1 once ready; Redis error and inbox probe counters and the event-loop lag are exported', async () => {
    expect(await sample('lingua_ready ')).toBe(1);
    expect(await sample('lingua_inbox_probes_missed_total ')).toBe(0);
    expect(await sample('lingua_inbox_probe_lag_seconds ')).toBeGreaterThanOrEqual(0);
    expect(await sample('lingua_redis_errors_total{op="connection"}')).toBe(0);
    await poll(async () => ((await sample('lingua_event_loop_lag_seconds_count ')) ?? 0) > 0, {
      what: 'event-loop lag samples',
    });
  });

  it('lingua_pool_ready_nodes counts ready nodes per pool, read by the sweep', async () => {
    const node = await TestNode.connect(gw.wsUrl('/ws/node'));
    nodes.push(node);
    await node.register({
      language_capabilities: { asr_languages: ['eo', 'la'], semantic_languages: ['eo', 'la'] },
    });
    const series = async (): Promise<number | undefined> => sample('lingua_pool_ready_nodes{');
    // registering: in the index, but not ready
    await poll(async () => (await series()) === 0, { what: 'pool listed with 0 ready nodes' });
    const text = await scrape();
    const pool = gw.parts.index.candidatePools('eo', 'la')[0]?.poolId;
    expect(text).toContain(`lingua_pool_ready_nodes{pool="${pool}",languages="eo,la"} 0`);

    node.heartbeat();
    await node.next('node_status', (f) => f.status === 'ready');
    await poll(async () => (await series()) === 1, { what: 'one ready node' });

    const down = { installed_services: [], capability_by_type: [{ type: 'asr' as const, ready: true }] };
    node.heartbeat(down);
    node.heartbeat(down);
    await node.next('node_status', (f) => f.status === 'degraded');
    await poll(async () => (await series()) === 0, { what: 'degraded node not counted' });

    await node.close();
    await poll(async () => (await series()) === undefined, { what: 'empty pool gone from the metric' });
  });

  it('lingua_redis_script_duration_seconds counts script calls by name', async () => {
    const heartbeats = async (): Promise<number> =>
      (await sample('lingua_redis_script_duration_seconds_count{script="node-heartbeat",outcome="ok"}')) ?? 0;
    const node = await TestNode.connect(gw.wsUrl('/ws/node'));
    nodes.push(node);
    await node.register({
      language_capabilities: { asr_languages: ['eo', 'la'], semantic_languages: ['eo', 'la'] },
    });
    const before = await heartbeats();
    node.heartbeat();
    await node.next('node_status', (f) => f.status === 'ready');
    await poll(async () => (await heartbeats()) === before + 1, { what: 'one node-heartbeat call counted' });
    expect(
      await sample('lingua_redis_script_duration_seconds_count{script="node-claim",outcome="ok"}'),
    ).toBeGreaterThan(0);
  });
});
