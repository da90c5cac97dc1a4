import { StoreError, unexpectedReply } from '../errors.js';
import type { IndexKeys } from '../keys.js';
import type { LangBlock } from '../pool-id.js';
import type { ScriptRunner } from '../scripts/loader.js';
import { replyNumber } from './reply.js';

/** What the caller knows about a pool; index-assign adds `shards` (existing shard numbers) and `created_at`. */
export interface PoolMetaInput {
  /** The capability as canonical blocks (`computeCapability().blocks`); the index lists the pool per language. */
  blocks: LangBlock[];
  region: string;
  tier: string;
  sig: string;
}

export interface PoolMeta extends PoolMetaInput {
  shards: number[];
  created_at: number;
}

export function indexScriptKeys(k: IndexKeys): string[] {
  return [k.pools, k.lang, k.ver, k.shards, k.events];
}

export interface IndexAssignResult {
  status: 'OK';
  shard: number;
  /** Index version after the call. */
  version: number;
  /** A pool or shard was created: the version was bumped and an event published. */
  changed: boolean;
}

/** Places one node of `poolId` in a shard (preferred, else lowest with room, else a new one). */
export async function indexAssign(
  runner: ScriptRunner,
  keys: IndexKeys,
  a: { poolId: string; meta: PoolMetaInput; shardSize: number; preferredShard?: number; now: number },
): Promise<IndexAssignResult> {
  if (!a.meta.blocks.some((b) => b.src.length > 0 && b.tgt.length > 0)) {
    throw new StoreError('INVALID_ARGUMENT', `pool ${a.poolId} serves no language pair`);
  }
  if (a.poolId.includes(':')) {
    // The lang fields are `<side>:<lang>:<poolId>`: the pool id is what follows the last ':'.
    throw new StoreError('INVALID_ARGUMENT', `pool id ${a.poolId} must not contain ':'`);
  }
  const s = 'index-assign';
  const r = await runner.run(s, indexScriptKeys(keys), [
    a.poolId,
    JSON.stringify(a.meta),
    a.shardSize,
    a.preferredShard ?? -1,
    a.now,
  ]);
  if (r[0] !== 'OK') throw unexpectedReply(s, r);
  return { status: 'OK', shard: replyNumber(s, r, 1), version: replyNumber(s, r, 2), changed: r[3] === 1 };
}

/** Parses a stored pool meta; Lua's cjson writes an empty list as `{}`, so list fields are normalised. */
export function decodePoolMeta(json: string): PoolMeta {
  const meta = JSON.parse(json) as PoolMeta;
  if (!Array.isArray(meta.blocks)) meta.blocks = [];
  if (!Array.isArray(meta.shards)) meta.shards = [];
  return meta;
}
