/**
 * Read API, built live from Redis on every request (never from this instance's caches, so every instance
 * answers the same):
 *   GET /api/v1/nodes          every registered node, shard by shard
 *   GET /api/v1/nodes/:id      one node: identity hash + its shard record
 *   GET /api/v1/pools          pools with their shards and member counts
 *   GET /api/v1/lang-index     per language, the pools reading it (`sources`) and writing it (`targets`)
 */
import { listIndexShards } from '@lingua/store';
import type { ApiDeps } from './api-deps.js';
import { readIndexSnapshot } from '../cache/index-snapshot.js';
import { json, type HttpRouter } from '../http/router.js';
import { readNodeIdentity, readShardNodes, type NodeView } from './node-view.js';

export function addReadApiRoutes(router: HttpRouter, ctx: ApiDeps): void {
  const ttl = ctx.config.nodeLivenessTtlMs;

  router.get('/api/v1/pools', async () => {
    const snap = await readIndexSnapshot(ctx.redis, ctx.keys);
    const pools = [...snap.pools].map(([poolId, meta]) => ({
      pool_id: poolId,
      ...meta,
      shards: [...(snap.shards.get(poolId) ?? new Map<number, number>())]
        .sort((a, b) => a[0] - b[0])
        .map(([shard, nodes]) => ({ shard, nodes })),
    }));
    return json(200, { version: snap.version, pools });
  });

  router.get('/api/v1/lang-index', async () => {
    const snap = await readIndexSnapshot(ctx.redis, ctx.keys);
    const sources: Record<string, string[]> = {};
    const targets: Record<string, string[]> = {};
    for (const [key, pools] of [...snap.lang].sort((a, b) => a[0].localeCompare(b[0]))) {
      (key.startsWith('s:') ? sources : targets)[key.slice(2)] = pools;
    }
    return json(200, { version: snap.version, sources, targets });
  });

  router.get('/api/v1/nodes', async () => {
    const shards = await listIndexShards(ctx.redis, ctx.keys.index());
    const now = Date.now();
    const lists = await Promise.all(
      shards.map((s) => readShardNodes(ctx.redis, ctx.keys, s.poolId, s.shard, ttl, now)),
    );
    const nodes: NodeView[] = lists.flat().sort((a, b) => a.node_id.localeCompare(b.node_id));
    return json(200, { count: nodes.length, nodes });
  });

  router.get('/api/v1/nodes/:id', async ({ id }) => {
    if (!id || id.includes('{') || id.includes('}')) return notFound(id ?? '');
    const identity = await readNodeIdentity(ctx.redis, ctx.keys, id);
    if (!identity) return notFound(id);
    const shard = Number(identity.shard);
    let placement: NodeView | undefined;
    if (identity.pool && Number.isInteger(shard)) {
      const list = await readShardNodes(ctx.redis, ctx.keys, identity.pool, shard, ttl);
      placement = list.find((n) => n.node_id === id);
    }
    return json(200, { node_id: id, identity, registered: placement !== undefined, ...(placement ?? {}) });
  });
}

function notFound(id: string) {
  return json(404, { error: { code: 'NOT_FOUND', message: `no node ${id}` } });
}
