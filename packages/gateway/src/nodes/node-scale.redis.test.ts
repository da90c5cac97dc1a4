import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachTopology, poll, TestNode } from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

interface Pool {
  pool_id: string;
  blocks: { src: string[]; tgt: string[] }[];
  shards: { shard: number; nodes: number }[];
}

const NODES = 1_000;
const SHARD_SIZE = 100;

interface LangIndex {
  sources: Record<string, string[]>;
  targets: Record<string, string[]>;
}

forEachTopology('1,000 nodes of one capability', (target) => {
  let gw: TestGateway;
  const nodes: TestNode[] = [];

  beforeAll(async () => {
    gw = await startTestGateway(target, {
      LINGUA_POOL_SHARD_SIZE: String(SHARD_SIZE),
      // A fleet connects from many hosts; here every node shares one loopback address.
      LINGUA_MAX_CONNECTIONS_PER_IP: '0',
    });
    // Registered in waves, as a fleet reconnecting after a deploy would.
    for (let i = 0; i < NODES; i += 100) {
      const wave = await Promise.all(
        Array.from({ length: Math.min(100, NODES - i) }, () => TestNode.connect(gw.wsUrl('/ws/node'))),
      );
      await Promise.all(wave.map((n) => n.register()));
      nodes.push(...wave);
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await gw.stop();
  }, 60_000);

  it('fills at least 10 shards of at most LINGUA_POOL_SHARD_SIZE nodes, listed correctly in the index', async () => {
    const { body } = await gw.getJson<{ pools: Pool[] }>('/api/v1/pools');
    expect(body.pools).toHaveLength(1);
    const pool = body.pools[0] as Pool;
    expect(pool.shards.length).toBeGreaterThanOrEqual(NODES / SHARD_SIZE);
    for (const s of pool.shards) expect(s.nodes).toBeLessThanOrEqual(SHARD_SIZE);
    expect(pool.shards.reduce((sum, s) => sum + s.nodes, 0)).toBe(NODES);

    const listed = await gw.getJson<{ count: number; nodes: { pool_id: string; shard: number }[] }>(
      '/api/v1/nodes',
    );
    expect(listed.body.count).toBe(NODES);
    const perShard = new Map<number, number>();
    for (const n of listed.body.nodes) perShard.set(n.shard, (perShard.get(n.shard) ?? 0) + 1);
    expect([...perShard.values()].every((c) => c <= SHARD_SIZE)).toBe(true);

    const index = await gw.getJson<LangIndex>('/api/v1/lang-index');
    expect(index.body.sources).toEqual({ en: [pool.pool_id], zh: [pool.pool_id] });
    expect(index.body.targets).toEqual({ en: [pool.pool_id], zh: [pool.pool_id] });
    await poll(() => gw.parts.index.candidatePools('en', 'zh')[0]?.shards.length === pool.shards.length, {
      what: 'the cache sees every shard',
    });
  });

  it('superset matching: an en/zh/ja node serves zh→en next to the en/zh pool', async () => {
    const wide = await TestNode.connect(gw.wsUrl('/ws/node'));
    nodes.push(wide);
    await wide.register({
      language_capabilities: { asr_languages: ['en', 'zh', 'ja'], semantic_languages: ['en', 'zh', 'ja'] },
    });
    const index = await gw.getJson<LangIndex>('/api/v1/lang-index');
    expect(index.body.sources['zh']).toHaveLength(2);
    expect(index.body.targets['en']).toHaveLength(2);
    expect(index.body.sources['ja']).toHaveLength(1);
    await poll(() => gw.parts.index.candidatePools('zh', 'en').length === 2, {
      what: 'cache has both pools',
    });
    expect(gw.parts.index.candidatePools('auto', 'ja')).toHaveLength(1);
  });

  it('closing every node of a shard removes that shard from the index', async () => {
    const { body } = await gw.getJson<{ pools: Pool[] }>('/api/v1/pools');
    const pool = body.pools.find((p) => p.blocks[0]?.src.length === 2) as Pool;
    const last = Math.max(...pool.shards.map((s) => s.shard));
    const members = await gw.getJson<{ nodes: { node_id: string; pool_id: string; shard: number }[] }>(
      '/api/v1/nodes',
    );
    const ids = new Set(
      members.body.nodes.filter((n) => n.pool_id === pool.pool_id && n.shard === last).map((n) => n.node_id),
    );
    await Promise.all(nodes.filter((n) => ids.has(n.nodeId)).map((n) => n.close()));
    await poll(
      async () => {
        const after = await gw.getJson<{ pools: Pool[] }>('/api/v1/pools');
        const p = after.body.pools.find((x) => x.pool_id === pool.pool_id);
        return p !== undefined && !p.shards.some((s) => s.shard === last);
      },
      { what: `shard ${last} left the index` },
    );
  });
});
