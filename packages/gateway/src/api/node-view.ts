/**
 * Live views of node registrations read from Redis: one shard at a time (a MULTI on the shard's slot), merged
 * with the node identity hash for a single node. Used by the read API and by tests.
 */
import { readNodeIdentityHash, readShardState, type KeySchema, type RedisConnection } from '@lingua/store';

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
  const { info, heartbeats, free, used } = await readShardState(redis, k);
  return Object.entries(info).map(([nodeId, json]) => {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(json) as Record<string, unknown>;
    } catch {
      record = { unparsable: json };
    }
    const last = heartbeats.get(nodeId) ?? null;
    return {
      node_id: nodeId,
      pool_id: poolId,
      shard,
      record,
      last_heartbeat_ms: last,
      alive: last !== null && last >= now - livenessTtlMs,
      free_slots: free.get(nodeId) ?? 0,
      reserved: used.get(nodeId) ?? 0,
    };
  });
}

/** The node identity hash (`{n:<id>}`): owner, epoch, pool, shard, peer, timestamps — never the token hash. */
export async function readNodeIdentity(
  redis: RedisConnection,
  keys: KeySchema,
  nodeId: string,
): Promise<Record<string, string> | undefined> {
  return readNodeIdentityHash(redis, keys.node(nodeId));
}
