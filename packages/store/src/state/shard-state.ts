/**
 * Reads of one pool shard (`{p:<poolId>:<shard>}`): node records, heartbeat scores, free slots, reservation
 * counts. Writes go through the shard scripts (shard-upsert, node-heartbeat, select-reserve, ...).
 */
import type { RedisConnection } from '../connection.js';
import type { ShardKeys } from '../keys.js';
import { tryDecodeNodeRecord, type NodeRecord } from '../ops/node-record.js';

/** The shard at one instant. */
export interface ShardState {
  /** nodeId → record JSON as stored (decode with `decodeNodeRecord`/`tryDecodeNodeRecord`). */
  info: Record<string, string>;
  /** nodeId → last heartbeat ms. */
  heartbeats: Map<string, number>;
  /** nodeId → free slots (ready nodes only). */
  free: Map<string, number>;
  /** nodeId → live reservation count. */
  used: Map<string, number>;
}

/** info, hb, free and used in one MULTI (one slot, one round trip). */
export async function readShardState(conn: RedisConnection, keys: ShardKeys): Promise<ShardState> {
  const replies = await conn.client
    .multi()
    .hgetall(keys.info)
    .zrange(keys.hb, '0', '-1', 'WITHSCORES')
    .zrange(keys.free, '0', '-1', 'WITHSCORES')
    .hgetall(keys.used)
    .exec();
  const [info, hb, free, used] = (replies ?? []).map((r) => {
    if (r[0]) throw r[0];
    return r[1];
  }) as [Record<string, string>?, string[]?, string[]?, Record<string, string>?];
  return {
    info: info ?? {},
    heartbeats: scorePairs(hb),
    free: scorePairs(free),
    used: new Map(Object.entries(used ?? {}).map(([id, n]) => [id, Number(n)])),
  };
}

/**
 * One node's record in the shard (HGET info): undefined when the shard has none; a record that is not valid
 * JSON reads as `{}` (every field absent), so a caller can still remove it.
 */
export async function readShardNodeRecord(
  conn: RedisConnection,
  keys: ShardKeys,
  nodeId: string,
): Promise<Partial<NodeRecord> | undefined> {
  const json = await conn.client.hget(keys.info, nodeId);
  if (json === null) return undefined;
  return tryDecodeNodeRecord(json) ?? {};
}

/** A node's last heartbeat (ZSCORE hb), ms; undefined when the shard does not list it. */
export async function readNodeHeartbeat(
  conn: RedisConnection,
  keys: ShardKeys,
  nodeId: string,
): Promise<number | undefined> {
  const last = await conn.client.zscore(keys.hb, nodeId);
  return last === null ? undefined : Number(last);
}

function scorePairs(flat: string[] | undefined): Map<string, number> {
  const m = new Map<string, number>();
  if (!flat) return m;
  for (let i = 0; i + 1 < flat.length; i += 2) m.set(flat[i] as string, Number(flat[i + 1]));
  return m;
}
