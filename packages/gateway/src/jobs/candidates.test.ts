import { describe, expect, it } from 'vitest';
import type { CandidatePool } from '../cache/index-cache.js';
import { candidateShards, type CandidateSource } from './candidates.js';

function source(map: Record<string, CandidatePool[]>): CandidateSource {
  return { candidatePools: (src, tgt) => map[`${src === 'auto' ? '*' : src}:${tgt}`] ?? [] };
}

const pool = (poolId: string, shards: [number, number | undefined][]): CandidatePool => ({
  poolId,
  region: 'r',
  tier: 't',
  shards: shards.map(([shard, freeHint]) =>
    freeHint === undefined ? { shard, nodes: 1 } : { shard, nodes: 1, freeHint },
  ),
});

describe('candidate shards', () => {
  it('orders by cached free slots, unseen shards between free and full', () => {
    const idx = source({
      'en:zh': [
        pool('p1', [
          [0, 0],
          [1, 3],
        ]),
        pool('p2', [[0, undefined]]),
      ],
    });
    expect(candidateShards(idx, { mode: 'one_way', srcLang: 'en', tgtLang: 'zh' }, undefined, 10)).toEqual([
      { poolId: 'p1', shard: 1 },
      { poolId: 'p2', shard: 0 },
      { poolId: 'p1', shard: 0 },
    ]);
  });

  it('puts the affinity shard first when it still serves the pair, and never twice', () => {
    const idx = source({
      'en:zh': [
        pool('p1', [
          [0, 0],
          [1, 3],
        ]),
      ],
    });
    const route = { mode: 'one_way' as const, srcLang: 'en', tgtLang: 'zh' };
    expect(candidateShards(idx, route, { poolId: 'p1', shard: 0 }, 10)).toEqual([
      { poolId: 'p1', shard: 0 },
      { poolId: 'p1', shard: 1 },
    ]);
    expect(candidateShards(idx, route, { poolId: 'gone', shard: 0 }, 10)).toEqual([
      { poolId: 'p1', shard: 1 },
      { poolId: 'p1', shard: 0 },
    ]);
  });

  it('auto source asks the *:tgt entry', () => {
    const idx = source({ '*:zh': [pool('p9', [[2, 1]])] });
    expect(candidateShards(idx, { mode: 'one_way', srcLang: 'auto', tgtLang: 'zh' }, undefined, 10)).toEqual([
      { poolId: 'p9', shard: 2 },
    ]);
  });

  it('two_way_auto prefers pools serving both directions, then either one', () => {
    const idx = source({
      'en:zh': [pool('fwd', [[0, 9]]), pool('both', [[0, 1]])],
      'zh:en': [pool('both', [[0, 1]]), pool('back', [[0, 5]])],
    });
    const got = candidateShards(
      idx,
      { mode: 'two_way_auto', srcLang: 'auto', tgtLang: 'zh', langA: 'en', langB: 'zh' },
      undefined,
      10,
    );
    expect(got.map((r) => r.poolId)).toEqual(['both', 'fwd', 'back']);
  });

  it('is bounded', () => {
    const idx = source({
      'en:zh': [
        pool('p', [
          [0, 1],
          [1, 1],
          [2, 1],
          [3, 1],
        ]),
      ],
    });
    expect(
      candidateShards(idx, { mode: 'one_way', srcLang: 'en', tgtLang: 'zh' }, undefined, 2),
    ).toHaveLength(2);
  });
});
