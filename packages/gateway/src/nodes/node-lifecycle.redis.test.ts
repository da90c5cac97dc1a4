import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachTopology, poll, TestNode } from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

interface NodeView {
  node_id: string;
  pool_id: string;
  shard: number;
  alive: boolean;
  free_slots: number;
  record: { status: string; epoch: number; usage: { cpu: number; running: number } };
}

forEachTopology('node lifecycle', (target) => {
  let gw: TestGateway;
  const nodes: TestNode[] = [];
  const connect = async (): Promise<TestNode> => {
    const n = await TestNode.connect(gw.wsUrl('/ws/node'));
    nodes.push(n);
    return n;
  };
  const langIndex = async () =>
    (
      await gw.getJson<{ sources: Record<string, string[]>; targets: Record<string, string[]> }>(
        '/api/v1/lang-index',
      )
    ).body;
  const nodeView = async (id: string) =>
    gw.getJson<NodeView & { registered: boolean }>(`/api/v1/nodes/${id}`);

  beforeAll(async () => {
    gw = await startTestGateway(target, { LINGUA_NODE_MAX_JOBS: '3' });
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await gw.stop();
  });

  it('registers, turns ready on a healthy heartbeat, and is listed by the read API', async () => {
    const node = await connect();
    const ack = await node.register();
    expect(ack).toMatchObject({ type: 'node_register_ack', status: 'registering' });
    expect(ack.node_id).toMatch(/^node-[0-9a-f]{16}$/);
    expect(typeof ack.node_token).toBe('string');

    node.heartbeat({ resource_usage: { cpu_percent: 55, mem_percent: 40, running_jobs: 1 } });
    const status = await node.next('node_status');
    expect(status).toMatchObject({ node_id: node.nodeId, status: 'ready' });

    const one = await nodeView(node.nodeId);
    expect(one.status).toBe(200);
    expect(one.body.registered).toBe(true);
    expect(one.body.alive).toBe(true);
    expect(one.body.record.status).toBe('ready');
    expect(one.body.record.usage).toMatchObject({ cpu: 55, running: 1 });
    // max 3, one job reported running
    expect(one.body.free_slots).toBe(2);

    const all = await gw.getJson<{ nodes: NodeView[] }>('/api/v1/nodes');
    expect(all.body.nodes.map((n) => n.node_id)).toContain(node.nodeId);

    const index = await langIndex();
    expect(index.sources['en']).toEqual([one.body.pool_id]);
    expect(index.sources['zh']).toEqual([one.body.pool_id]);
    expect(index.targets['en']).toEqual([one.body.pool_id]);
    expect(index.targets['zh']).toEqual([one.body.pool_id]);
    expect(gw.parts.index.candidatePools('auto', 'en').map((p) => p.poolId)).toEqual([one.body.pool_id]);
    expect(gw.parts.index.candidatePools('zh', 'en').map((p) => p.poolId)).toEqual([one.body.pool_id]);
  });

  it('degrades after repeated unhealthy heartbeats and recovers', async () => {
    const node = await connect();
    await node.register();
    node.heartbeat();
    await node.next('node_status', (f) => f.status === 'ready');
    const down = { installed_services: [], capability_by_type: [{ type: 'asr' as const, ready: true }] };
    node.heartbeat(down);
    node.heartbeat(down);
    await node.next('node_status', (f) => f.status === 'degraded');
    expect((await nodeView(node.nodeId)).body.free_slots).toBe(0);
    node.heartbeat();
    await node.next('node_status', (f) => f.status === 'ready');
  });

  it('moves to another pool when its languages change, keeping its registration', async () => {
    const node = await connect();
    await node.register();
    node.heartbeat();
    await node.next('node_status', (f) => f.status === 'ready');
    const before = (await nodeView(node.nodeId)).body;

    node.heartbeat({
      language_capabilities: { asr_languages: ['ja', 'ko'], semantic_languages: ['ja', 'ko'] },
    });
    const moved = await poll(
      async () => {
        const v = (await nodeView(node.nodeId)).body;
        return v.registered && v.pool_id !== before.pool_id ? v : undefined;
      },
      { what: 'node moved to the ja/ko pool' },
    );
    expect(moved.record.status).toBe('ready');
    expect(moved.record.epoch).toBe(before.record.epoch);
    const index = await langIndex();
    expect(index.sources['ja']).toEqual([moved.pool_id]);
    expect(index.targets['ko']).toEqual([moved.pool_id]);
    await poll(() => gw.parts.index.candidatePools('ja', 'ko').length === 1, {
      what: 'cache saw the new pool',
    });
  });

  it('goes offline on close: record removed, empty pool leaves the index', async () => {
    const node = await connect();
    await node.register({ language_capabilities: { asr_languages: ['fr'], semantic_languages: ['de'] } });
    const view = (await nodeView(node.nodeId)).body;
    let index = await langIndex();
    expect(index.sources['fr']).toEqual([view.pool_id]);
    expect(index.targets['de']).toEqual([view.pool_id]);

    await node.close();
    await poll(async () => (await nodeView(node.nodeId)).body.registered === false, {
      what: 'record removed',
    });
    index = await langIndex();
    expect(index.sources['fr']).toBeUndefined();
    expect(index.targets['de']).toBeUndefined();
    const pools = await gw.getJson<{ pools: { pool_id: string }[] }>('/api/v1/pools');
    expect(pools.body.pools.map((p) => p.pool_id)).not.toContain(view.pool_id);
    const identity = (await nodeView(node.nodeId)).body as unknown as { identity: { owner: string } };
    expect(identity.identity.owner).toBe('');
    await poll(() => gw.parts.index.candidatePools('fr', 'de').length === 0, {
      what: 'cache dropped the pool',
    });
  });
});

describe('superset matching', () => {
  it('describes a pool by its languages: one block, listed under each source and target', async () => {
    const { placementOf } = await import('./capability.js');
    const p = placementOf(
      {
        language_capabilities: { asr_languages: ['en', 'zh', 'ja'], semantic_languages: ['en', 'zh', 'ja'] },
      },
      { region: 'eu', gpuTierThresholds: [{ tier: 'any', minGib: 0 }] },
    );
    expect(p.blocks).toEqual([{ src: ['en', 'ja', 'zh'], tgt: ['en', 'ja', 'zh'] }]);
    expect(p.sources).toEqual(['en', 'ja', 'zh']);
    expect(p.targets).toEqual(['en', 'ja', 'zh']);
    expect(p.tier).toBe('none');
  });
});
