import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachTopology, poll, TestNode } from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

interface NodeDetail {
  registered: boolean;
  pool_id?: string;
  identity?: { owner: string };
}

forEachTopology('node liveness', (target) => {
  let gw: TestGateway;
  const nodes: TestNode[] = [];
  const connect = async (opts = {}): Promise<TestNode> => {
    const n = await TestNode.connect(gw.wsUrl('/ws/node'), opts);
    nodes.push(n);
    return n;
  };
  const detail = async (id: string): Promise<NodeDetail> =>
    (await gw.getJson<NodeDetail>(`/api/v1/nodes/${id}`)).body;

  beforeAll(async () => {
    gw = await startTestGateway(target, {
      LINGUA_NODE_HEARTBEAT_INTERVAL_MS: '100',
      LINGUA_NODE_LIVENESS_TTL_MS: '300',
      LINGUA_SWEEP_INTERVAL_MS: '100',
      LINGUA_WS_PING_INTERVAL_MS: '100',
      LINGUA_RATE_LIMIT_PER_S: '20',
      LINGUA_RATE_LIMIT_BURST: '20',
    });
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await gw.stop();
  });

  it('a silent node leaves the dispatch set and the index within the TTL; its next heartbeat brings it back', async () => {
    const node = await connect();
    await node.register({ language_capabilities: { asr_languages: ['it'], semantic_languages: ['pt'] } });
    node.heartbeat();
    await node.next('node_status', (f) => f.status === 'ready');
    const silentSince = Date.now();
    // The socket stays open and answers pings; only the heartbeats stop.
    await poll(async () => !(await detail(node.nodeId)).registered, {
      what: 'silent node swept',
      timeoutMs: 3_000,
    });
    expect(Date.now() - silentSince).toBeLessThan(2_000);
    const index = await gw.getJson<{ sources: Record<string, string[]> }>('/api/v1/lang-index');
    expect(index.body.sources['it']).toBeUndefined();
    expect((await detail(node.nodeId)).identity?.owner).toBe('');
    expect((await gw.parts.metrics.nodes.sweepRemoved.get()).values[0]?.value).toBeGreaterThanOrEqual(1);

    node.heartbeat();
    expect((await node.next('node_status')).status).toBe('registering');
    expect((await node.next('node_status')).status).toBe('ready');
    const back = await detail(node.nodeId);
    expect(back.registered).toBe(true);
    expect(back.identity?.owner).toBe(gw.parts.instanceId);
    await node.close();
  });

  it('terminates a dead TCP peer after two missed pongs and removes its registration', async () => {
    const dead = await connect({ autoPong: false });
    await dead.register();
    const closed = await dead.closed;
    expect(closed.code).toBe(1006); // terminated, no close handshake
    await poll(async () => !(await detail(dead.nodeId)).registered, { what: 'dead peer unregistered' });
    const metric = await gw.parts.metrics.ws.deadPeers.get();
    expect(metric.values.find((v) => v.labels.endpoint === 'node')?.value).toBeGreaterThanOrEqual(1);
  });

  it('rate-limits a flooding socket with one RATE_LIMITED error and keeps it open', async () => {
    const node = await connect();
    await node.register();
    for (let i = 0; i < 60; i++)
      node.send({ type: 'node_error', node_id: node.nodeId, code: 'X', message: 'm' });
    const err = await node.next('error');
    expect(err.code).toBe('RATE_LIMITED');
    // Within the same second no second RATE_LIMITED reply is sent.
    expect(node.frames.filter((f) => f.type === 'error' && f.code === 'RATE_LIMITED')).toHaveLength(0);
    // The bucket refills (20/s): a heartbeat later is served.
    await poll(
      async () => {
        node.heartbeat();
        const f = await node.next(['node_status', 'error'], () => true, 300).catch(() => undefined);
        return f?.type === 'node_status' ? f : undefined;
      },
      { what: 'heartbeat accepted after the flood', timeoutMs: 5_000 },
    );
    expect(node.ws.readyState).toBe(node.ws.OPEN);
  });
});
