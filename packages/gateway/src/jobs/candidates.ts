/**
 * Which pool shards to ask, in which order, for one job. Pure: the language index cache proposes, `select-reserve`
 * decides.
 *
 * - one_way: pools serving src→tgt (`src` auto → any source).
 * - two_way_auto: the speaker may use either language, so pools serving lang_a→lang_b *and* lang_b→lang_a come
 *   first; pools serving only one direction follow (better a one-way translation than none).
 * - Order: the affinity shard (the node we would like to reuse) first, then by cached free slots, most first; a
 *   shard never observed ranks between "some free" and "none free".
 */
import type { CandidatePool } from '../cache/index-cache.js';

export interface ShardRef {
  poolId: string;
  shard: number;
}

export interface CandidateSource {
  candidatePools(src: string, tgt: string): CandidatePool[];
}

export interface LanguageRoute {
  mode: 'one_way' | 'two_way_auto';
  srcLang: string;
  tgtLang: string;
  langA?: string;
  langB?: string;
}

const UNSEEN_FREE = 0.5;

export function candidateShards(
  index: CandidateSource,
  route: LanguageRoute,
  affinity: ShardRef | undefined,
  limit: number,
): ShardRef[] {
  const tiers = poolTiers(index, route);
  const out: ShardRef[] = [];
  const seen = new Set<string>();
  const push = (ref: ShardRef) => {
    const key = `${ref.poolId}\u0000${ref.shard}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(ref);
  };
  if (affinity) {
    const served = tiers.some((t) =>
      t.some((p) => p.poolId === affinity.poolId && hasShard(p, affinity.shard)),
    );
    if (served) push(affinity);
  }
  for (const tier of tiers) {
    const shards: { ref: ShardRef; free: number; order: number }[] = [];
    for (const pool of tier) {
      for (const s of pool.shards) {
        shards.push({
          ref: { poolId: pool.poolId, shard: s.shard },
          free: s.freeHint ?? UNSEEN_FREE,
          order: shards.length,
        });
      }
    }
    shards.sort((a, b) => b.free - a.free || a.order - b.order);
    for (const s of shards) push(s.ref);
  }
  return out.slice(0, limit);
}

function hasShard(pool: CandidatePool, shard: number): boolean {
  return pool.shards.some((s) => s.shard === shard);
}

function poolTiers(index: CandidateSource, route: LanguageRoute): CandidatePool[][] {
  if (route.mode !== 'two_way_auto' || route.langA === undefined || route.langB === undefined) {
    return [index.candidatePools(route.srcLang, route.tgtLang)];
  }
  const forward = index.candidatePools(route.langA, route.langB);
  const backward = index.candidatePools(route.langB, route.langA);
  const backIds = new Set(backward.map((p) => p.poolId));
  const both = forward.filter((p) => backIds.has(p.poolId));
  const bothIds = new Set(both.map((p) => p.poolId));
  const oneWay = [...forward, ...backward].filter((p) => !bothIds.has(p.poolId));
  return [both, oneWay];
}
