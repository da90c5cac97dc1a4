/**
 * Typed calls of the node-side Lua scripts (lua/SPEC.md). Written here because the store's wrappers for these
 * scripts had not landed when node handling was built; each function is one `ScriptRunner.run` and a reply
 * translation, so replacing them with `@lingua/store`'s wrappers is mechanical.
 */
import { unexpectedReply, type KeySchema, type ScriptRunner, type ShardKeys } from '@lingua/store';

export interface CarriedReservation {
  member: string;
  expiry: number;
}

export type NodeClaimResult =
  | { status: 'OK'; epoch: number; prevOwner: string; prevEpoch: number; prevPool: string; prevShard: number }
  | { status: 'CONFLICT'; owner: string; epoch: number }
  | { status: 'STALE'; epoch: number };

export interface NodeClaimArgs {
  nodeId: string;
  instanceId: string;
  now: number;
  /** Epoch read before deciding; undefined = do not check. */
  expectedEpoch: number | undefined;
  holderLive: boolean;
  presentedTokenHash: string;
  samePeer: boolean;
  newTokenHash: string;
}

export async function nodeClaim(
  runner: ScriptRunner,
  nodeKey: string,
  a: NodeClaimArgs,
): Promise<NodeClaimResult> {
  const r = await runner.run(
    'node-claim',
    [nodeKey],
    [
      a.nodeId,
      a.instanceId,
      a.now,
      a.expectedEpoch === undefined ? '' : a.expectedEpoch,
      a.holderLive ? 1 : 0,
      a.presentedTokenHash,
      a.samePeer ? 1 : 0,
      a.newTokenHash,
    ],
  );
  switch (r[0]) {
    case 'OK':
      return {
        status: 'OK',
        epoch: Number(r[1]),
        prevOwner: String(r[2] ?? ''),
        prevEpoch: Number(r[3]),
        prevPool: String(r[4] ?? ''),
        prevShard: Number(r[5]),
      };
    case 'CONFLICT':
      return { status: 'CONFLICT', owner: String(r[1]), epoch: Number(r[2]) };
    case 'STALE':
      return { status: 'STALE', epoch: Number(r[1]) };
    default:
      throw unexpectedReply('node-claim', r);
  }
}

function indexKeyList(keys: KeySchema): string[] {
  const k = keys.index();
  return [k.pools, k.lang, k.ver, k.shards, k.events];
}

export interface PoolMetaInput {
  pairs: string[];
  region: string;
  tier: string;
  sig: string;
}

export async function indexAssign(
  runner: ScriptRunner,
  keys: KeySchema,
  a: { poolId: string; meta: PoolMetaInput; shardSize: number; preferredShard: number; now: number },
): Promise<{ shard: number; version: number; changed: boolean }> {
  const r = await runner.run('index-assign', indexKeyList(keys), [
    a.poolId,
    JSON.stringify(a.meta),
    a.shardSize,
    a.preferredShard,
    a.now,
  ]);
  if (r[0] !== 'OK') throw unexpectedReply('index-assign', r);
  return { shard: Number(r[1]), version: Number(r[2]), changed: Number(r[3]) === 1 };
}

export async function indexRelease(
  runner: ScriptRunner,
  keys: KeySchema,
  a: { poolId: string; shard: number; now: number },
): Promise<{ version: number; changed: boolean }> {
  const r = await runner.run('index-release', indexKeyList(keys), [a.poolId, a.shard, a.now]);
  if (r[0] !== 'OK') throw unexpectedReply('index-release', r);
  return { version: Number(r[1]), changed: Number(r[2]) === 1 };
}

function shardKeyList(k: ShardKeys): string[] {
  return [k.info, k.hb, k.free, k.res, k.used];
}

export type FencedResult<T> =
  ({ status: 'OK' } & T) | { status: 'STALE'; epoch: number } | { status: 'GONE' };

export async function shardUpsert(
  runner: ScriptRunner,
  k: ShardKeys,
  a: { nodeId: string; epoch: number; record: object; now: number; carried: CarriedReservation[] },
): Promise<{ status: 'OK'; free: number } | { status: 'STALE'; epoch: number }> {
  const r = await runner.run('shard-upsert', shardKeyList(k), [
    a.nodeId,
    a.epoch,
    JSON.stringify(a.record),
    a.now,
    JSON.stringify(a.carried),
  ]);
  if (r[0] === 'OK') return { status: 'OK', free: Number(r[1]) };
  if (r[0] === 'STALE') return { status: 'STALE', epoch: Number(r[1]) };
  throw unexpectedReply('shard-upsert', r);
}

export async function shardRemove(
  runner: ScriptRunner,
  k: ShardKeys,
  a: { nodeId: string; epoch: number | '*'; now: number },
): Promise<FencedResult<{ remaining: number; reservations: CarriedReservation[] }>> {
  const r = await runner.run('shard-remove', shardKeyList(k), [a.nodeId, a.epoch, a.now]);
  switch (r[0]) {
    case 'OK': {
      let reservations: CarriedReservation[] = [];
      try {
        const parsed: unknown = JSON.parse(String(r[2] ?? '[]'));
        // cjson encodes an empty Lua table as {}, not [].
        if (Array.isArray(parsed)) reservations = parsed as CarriedReservation[];
      } catch {
        throw unexpectedReply('shard-remove', r);
      }
      return { status: 'OK', remaining: Number(r[1]), reservations };
    }
    case 'STALE':
      return { status: 'STALE', epoch: Number(r[1]) };
    case 'GONE':
      return { status: 'GONE' };
    default:
      throw unexpectedReply('shard-remove', r);
  }
}

export interface HeartbeatArgs {
  nodeId: string;
  epoch: number;
  now: number;
  usage: object;
  healthy: boolean;
  readyAfter: number;
  degradeAfter: number;
  running: number | undefined;
}

export async function nodeHeartbeat(
  runner: ScriptRunner,
  k: ShardKeys,
  a: HeartbeatArgs,
): Promise<FencedResult<{ nodeStatus: string; prevStatus: string; free: number }>> {
  const r = await runner.run('node-heartbeat', shardKeyList(k), [
    a.nodeId,
    a.epoch,
    a.now,
    JSON.stringify(a.usage),
    a.healthy ? 1 : 0,
    a.readyAfter,
    a.degradeAfter,
    a.running === undefined ? '' : a.running,
  ]);
  switch (r[0]) {
    case 'OK':
      return { status: 'OK', nodeStatus: String(r[1]), prevStatus: String(r[2]), free: Number(r[3]) };
    case 'STALE':
      return { status: 'STALE', epoch: Number(r[1]) };
    case 'GONE':
      return { status: 'GONE' };
    default:
      throw unexpectedReply('node-heartbeat', r);
  }
}

export async function nodeSetStatus(
  runner: ScriptRunner,
  k: ShardKeys,
  a: { nodeId: string; epoch: number; status: string; now: number },
): Promise<FencedResult<{ prevStatus: string; free: number }>> {
  const r = await runner.run(
    'node-set-status',
    [k.info, k.free, k.used],
    [a.nodeId, a.epoch, a.status, a.now],
  );
  switch (r[0]) {
    case 'OK':
      return { status: 'OK', prevStatus: String(r[1]), free: Number(r[2]) };
    case 'STALE':
      return { status: 'STALE', epoch: Number(r[1]) };
    case 'GONE':
      return { status: 'GONE' };
    default:
      throw unexpectedReply('node-set-status', r);
  }
}
