/**
 * The language index as held in Redis (`{idx}` slot): pools, the language → pools map, shard member counts and
 * the version. Read atomically (MULTI on one slot) so a snapshot is always one consistent version. Written only by
 * the index scripts (index-assign, index-release).
 */
import type { RedisConnection } from '../connection.js';
import type { IndexKeys, KeySchema } from '../keys.js';
import type { LangBlock } from '../pool-id.js';

/** A pool as the snapshot reads it (the stored meta, loosely: unknown fields are kept). */
export interface SnapshotPoolMeta {
  blocks: LangBlock[];
  region: string;
  tier: string;
  sig?: string;
  [extra: string]: unknown;
}

export interface IndexSnapshot {
  version: number;
  pools: Map<string, SnapshotPoolMeta>;
  /** `s:<lang>` (pools reading lang) | `t:<lang>` (pools writing lang) → poolIds, sorted */
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
  const pools = new Map<string, SnapshotPoolMeta>();
  for (const [id, json] of Object.entries((value(1) ?? {}) as Record<string, string>)) {
    const meta = parseJson<SnapshotPoolMeta>(json);
    if (meta && typeof meta === 'object') {
      if (!Array.isArray(meta.blocks)) meta.blocks = [];
      pools.set(id, meta);
    }
  }
  const lang = new Map<string, string[]>();
  for (const field of Object.keys((value(2) ?? {}) as Record<string, string>)) {
    const parsed = parseLangField(field);
    if (!parsed) continue;
    const list = lang.get(parsed.key);
    if (list) list.push(parsed.poolId);
    else lang.set(parsed.key, [parsed.poolId]);
  }
  for (const list of lang.values()) list.sort();
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

/** Every shard the index places nodes in (HKEYS `{idx}:shards`); fields that are not `<poolId>:<shard>` are skipped. */
export async function listIndexShards(
  redis: RedisConnection,
  keys: IndexKeys,
): Promise<{ poolId: string; shard: number }[]> {
  const fields = await redis.client.hkeys(keys.shards);
  return fields.map(parseShardField).filter((s) => s !== undefined);
}

/**
 * A lang field `s:<lang>:<poolId>` / `t:<lang>:<poolId>` → `{ key: 's:<lang>', poolId }`; the pool id is what
 * follows the last ':' (pool ids contain none; a language code may).
 */
export function parseLangField(field: string): { key: string; poolId: string } | undefined {
  if (!field.startsWith('s:') && !field.startsWith('t:')) return undefined;
  const at = field.lastIndexOf(':');
  if (at <= 2 || at === field.length - 1) return undefined;
  return { key: field.slice(0, at), poolId: field.slice(at + 1) };
}

/** `<poolId>:<shard>` — the pool id never contains ':' but split on the last one anyway. */
export function parseShardField(field: string): { poolId: string; shard: number } | undefined {
  const at = field.lastIndexOf(':');
  if (at <= 0) return undefined;
  const shard = Number(field.slice(at + 1));
  if (!Number.isInteger(shard) || shard < 0) return undefined;
  return { poolId: field.slice(0, at), shard };
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
