/**
 * Live views of node registrations read from Redis: one shard at a time (a MULTI on the shard's slot), merged
 * with the node identity hash for a single node. Used by the read API and by tests.
 */
import type { KeySchema, RedisConnection } from '@lingua/store';

export interface NodeView {
  node_id: string;
  pool_id: string;
  shard: number;
  /** The shard record as `shard-upsert`/`node-heartbeat` wrote it (status, epoch, owner, usage, ...). */
  record: Record<string, unknown>;
  last_heartbeat_ms: number | null;
  /** Heartbeat within the liveness TTL. */
  alive: boolean;
  free_slots: number;
  reserved: number;
}

export async function readShardNodes(
  redis: RedisConnection,
  keys: KeySchema,
  poolId: string,
  shard: number,
  livenessTtlMs: number,
  now = Date.now(),
): Promise<NodeView[]> {
  const k = keys.shard(poolId, shard);
  const replies = await redis.client
    .multi()
    .hgetall(k.info)
    .zrange(k.hb, '0', '-1', 'WITHSCORES')
    .zrange(k.free, '0', '-1', 'WITHSCORES')
    .hgetall(k.used)
    .exec();
  const [info, hb, free, used] = (replies ?? []).map((r) => {
    if (r[0]) throw r[0];
    return r[1];
  }) as [Record<string, string>, string[], string[], Record<string, string>];
  const hbMap = pairs(hb);
  const freeMap = pairs(free);
  return Object.entries(info ?? {}).map(([nodeId, json]) => {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(json) as Record<string, unknown>;
    } catch {
      record = { unparsable: json };
    }
    const last = hbMap.get(nodeId) ?? null;
    return {
      node_id: nodeId,
      pool_id: poolId,
      shard,
      record,
      last_heartbeat_ms: last,
      alive: last !== null && last >= now - livenessTtlMs,
      free_slots: freeMap.get(nodeId) ?? 0,
      reserved: Number(used?.[nodeId] ?? 0),
    };
  });
}

/** The node identity hash (`{n:<id>}`): owner, epoch, pool, shard, peer, timestamps — never the token hash. */
export async function readNodeIdentity(
  redis: RedisConnection,
  keys: KeySchema,
  nodeId: string,
): Promise<Record<string, string> | undefined> {
  const h = await redis.client.hgetall(keys.node(nodeId));
  if (!h || Object.keys(h).length === 0) return undefined;
  const { token_hash: _hidden, ...rest } = h;
  return rest;
}

function pairs(flat: string[] | undefined): Map<string, number> {
  const m = new Map<string, number>();
  if (!flat) return m;
  for (let i = 0; i + 1 < flat.length; i += 2) m.set(flat[i] as string, Number(flat[i + 1]));
  return m;
}
