/**
 * The node identity hash (`{n:<nodeId>}`): who holds the node id (owner instance, epoch, token hash) and where
 * its registration sits (pool, shard, peer address). Claims and releases go through the node-claim and
 * node-release scripts; this module holds the plain reads and the placement write.
 */
import type { RedisConnection } from '../connection.js';

/** The node id's holder as the identity hash has it; a field the hash lacks is undefined. */
export interface NodeHolder {
  owner: string | undefined;
  epoch: number | undefined;
  tokenHash: string | undefined;
  pool: string | undefined;
  shard: number | undefined;
  /** Peer address of the socket that registered. */
  peer: string | undefined;
}

/** Owner, epoch, token hash, pool, shard and peer in one HMGET. */
export async function readNodeHolder(conn: RedisConnection, nodeKey: string): Promise<NodeHolder> {
  const [owner, epoch, tokenHash, pool, shard, peer] = await conn.client.hmget(
    nodeKey,
    'owner',
    'epoch',
    'token_hash',
    'pool',
    'shard',
    'peer',
  );
  return {
    owner: owner ?? undefined,
    epoch: epoch === null || epoch === undefined ? undefined : Number(epoch),
    tokenHash: tokenHash ?? undefined,
    pool: pool ?? undefined,
    shard: shard === null || shard === undefined ? undefined : Number(shard),
    peer: peer ?? undefined,
  };
}

/** Owner ('' when none) and epoch (0 when none) in one HMGET: where to send something for the node. */
export async function readNodeOwner(
  conn: RedisConnection,
  nodeKey: string,
): Promise<{ owner: string; epoch: number }> {
  const [owner, epoch] = await conn.client.hmget(nodeKey, 'owner', 'epoch');
  return { owner: owner ?? '', epoch: Number(epoch ?? 0) };
}

/** Where the registration now sits (HSET pool, shard and, when given, peer). */
export async function recordNodePlacement(
  conn: RedisConnection,
  nodeKey: string,
  p: { pool: string; shard: number; peer?: string },
): Promise<void> {
  if (p.peer === undefined) await conn.client.hset(nodeKey, 'pool', p.pool, 'shard', p.shard);
  else await conn.client.hset(nodeKey, 'pool', p.pool, 'shard', p.shard, 'peer', p.peer);
}

/** The whole identity hash (HGETALL) without the token hash; undefined when the node id is unknown. */
export async function readNodeIdentityHash(
  conn: RedisConnection,
  nodeKey: string,
): Promise<Record<string, string> | undefined> {
  const h = await conn.client.hgetall(nodeKey);
  if (!h || Object.keys(h).length === 0) return undefined;
  const { token_hash: _hidden, ...rest } = h;
  return rest;
}
