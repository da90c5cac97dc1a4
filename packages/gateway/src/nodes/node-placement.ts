/**
 * Placing a node registration in Redis and taking it out again: the sequences of scripts behind register, move,
 * re-place and close. Each step is fenced by epoch in its script; this module only decides the order and which index
 * bookkeeping (index-assign / index-release) the outcome calls for.
 *
 * Index bookkeeping rule: whoever actually removed a node's shard record (shard-remove → OK) releases its index
 * slot. A GONE/STALE removal means someone else already did, so nothing is released twice.
 */
import {
  indexAssign,
  indexRelease,
  parseReservationMember,
  shardRemove,
  shardUpsert,
  type NodeRecord,
  type NodeRecordInput,
  type PoolMetaInput,
  type Reservation,
} from '@lingua/store';
import type { ReservationRef } from '../jobs/job-events.js';
import type { PlacementDeps } from './node-deps.js';
import type { Placement } from './capability.js';

/** A node record without its placement (pool, shard), which is decided here. */
export type PlacementRecord = Pick<
  NodeRecord,
  'owner' | 'status' | 'region' | 'tier' | 'max' | 'ok' | 'bad' | 'usage' | 'svc' | 'reg_at' | 'langs'
> &
  Record<string, unknown>;

export interface ShardRef {
  poolId: string;
  shard: number;
}

export type PlaceResult = { ok: true; shard: number; free: number } | { ok: false; staleEpoch: number };

/**
 * Puts the node (already claimed at `epoch`) into its pool: reuses `keepShard` when the node still sits there,
 * else index-assign picks a shard (sticky: `preferredShard` first). `carried` reservations move along.
 */
export async function placeNode(
  ctx: PlacementDeps,
  a: {
    nodeId: string;
    epoch: number;
    placement: Placement;
    record: PlacementRecord;
    carried: Reservation[];
    keepShard?: number;
    preferredShard?: number;
    now: number;
  },
): Promise<PlaceResult> {
  const { placement: p } = a;
  let shard = a.keepShard;
  if (shard === undefined) {
    const meta: PoolMetaInput = { blocks: p.blocks, region: p.region, tier: p.tier, sig: p.signature };
    const assigned = await indexAssign(ctx.scripts, ctx.keys.index(), {
      poolId: p.poolId,
      meta,
      shardSize: ctx.config.poolShardSize,
      preferredShard: a.preferredShard ?? -1,
      now: a.now,
    });
    shard = assigned.shard;
  }
  const record: NodeRecordInput = { ...a.record, pool: p.poolId, shard };
  const up = await shardUpsert(ctx.scripts, ctx.keys.shard(p.poolId, shard), {
    nodeId: a.nodeId,
    epoch: a.epoch,
    record,
    now: a.now,
    carried: a.carried,
  });
  if (up.status === 'STALE') {
    // A newer registration already sits in this shard: give back the index slot we just took.
    if (a.keepShard === undefined) {
      await indexRelease(ctx.scripts, ctx.keys.index(), { poolId: p.poolId, shard, now: a.now });
    }
    return { ok: false, staleEpoch: up.epoch };
  }
  ctx.index.noteFree(p.poolId, shard, up.free);
  return { ok: true, shard, free: up.free };
}

export type RemoveResult =
  | { removed: true; reservations: Reservation[] }
  | { removed: false; reason: 'gone' | 'stale'; epoch?: number };

/** Removes the node's shard record at exactly `epoch`; on success also releases its index slot unless `keepIndex`. */
export async function removeNode(
  ctx: PlacementDeps,
  a: { nodeId: string; epoch: number | '*'; at: ShardRef; now: number; keepIndex?: boolean },
): Promise<RemoveResult> {
  const r = await shardRemove(ctx.scripts, ctx.keys.shard(a.at.poolId, a.at.shard), {
    nodeId: a.nodeId,
    epoch: a.epoch,
    now: a.now,
  });
  if (r.status === 'GONE') return { removed: false, reason: 'gone' };
  if (r.status === 'STALE') return { removed: false, reason: 'stale', epoch: r.epoch };
  if (!a.keepIndex) {
    await indexRelease(ctx.scripts, ctx.keys.index(), { poolId: a.at.poolId, shard: a.at.shard, now: a.now });
  }
  return { removed: true, reservations: r.reservations };
}

/** Reservation members → their parts (the job side fails these over); malformed members are skipped. */
export function parseReservations(carried: Reservation[]): ReservationRef[] {
  const out: ReservationRef[] = [];
  for (const { member } of carried) {
    try {
      out.push(parseReservationMember(member));
    } catch {
      // Not ours to crash on: a malformed member only means one job is not failed over early.
    }
  }
  return out;
}
