/**
 * The language index as held in Redis (`{idx}` slot): pools, the pair → pools map, shard member counts and the
 * version. Read atomically (MULTI on one slot) so a snapshot is always one consistent version.
 */
import type { KeySchema, RedisConnection } from '@lingua/store';
import { parseJson } from '../parse-json.js';

export interface PoolMeta {
  pairs: string[];
  region: string;
  tier: string;
  sig?: string;
  [extra: string]: unknown;
}

export interface IndexSnapshot {
  version: number;
  pools: Map<string, PoolMeta>;
  /** `src:tgt` | `*:tgt` → poolIds */
  lang: Map<string, string[]>;
  /** poolId → shard number → member count */
  shards: Map<string, Map<number, number>>;
}

export async function readIndexSnapshot(redis: RedisConnection, keys: KeySchema): Promise<IndexSnapshot> {
  const k = keys.index();
  const replies = await redis.client
    .multi()
    .get(k.ver)
    .hgetall(k.pools)
    .hgetall(k.lang)
    .hgetall(k.shards)
    .exec();
  if (!replies) throw new Error('index snapshot transaction aborted');
  const value = (i: number): unknown => {
    const entry = replies[i];
    if (!entry) throw new Error(`index snapshot: missing reply ${i}`);
    if (entry[0]) throw entry[0];
    return entry[1];
  };
  const version = Number(value(0) ?? 0);
  const pools = new Map<string, PoolMeta>();
  for (const [id, json] of Object.entries((value(1) ?? {}) as Record<string, string>)) {
    const meta = parseJson<PoolMeta>(json);
    if (meta) pools.set(id, meta);
  }
  const lang = new Map<string, string[]>();
  for (const [pair, json] of Object.entries((value(2) ?? {}) as Record<string, string>)) {
    const list = parseJson<string[]>(json);
    if (Array.isArray(list)) lang.set(pair, list);
  }
  const shards = new Map<string, Map<number, number>>();
  for (const [field, count] of Object.entries((value(3) ?? {}) as Record<string, string>)) {
    const parsed = parseShardField(field);
    if (!parsed) continue;
    let m = shards.get(parsed.poolId);
    if (!m) shards.set(parsed.poolId, (m = new Map()));
    m.set(parsed.shard, Number(count));
  }
  return { version: Number.isFinite(version) ? version : 0, pools, lang, shards };
}

/** `<poolId>:<shard>` — the pool id never contains ':' but split on the last one anyway. */
export function parseShardField(field: string): { poolId: string; shard: number } | undefined {
  const at = field.lastIndexOf(':');
  if (at <= 0) return undefined;
  const shard = Number(field.slice(at + 1));
  if (!Number.isInteger(shard) || shard < 0) return undefined;
  return { poolId: field.slice(0, at), shard };
}
