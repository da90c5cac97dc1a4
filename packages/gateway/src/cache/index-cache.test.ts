import type { LangBlock } from '@lingua/store';
import { describe, expect, it } from 'vitest';
import { IndexCache, type ReloadReason } from './index-cache.js';
import type { IndexSnapshot } from './index-snapshot.js';

function snapshot(
  version: number,
  pools: Record<string, { blocks: LangBlock[]; shards: Record<number, number> }>,
) {
  const snap: IndexSnapshot = { version, pools: new Map(), lang: new Map(), shards: new Map() };
  const list = (key: string, id: string) => {
    const ids = snap.lang.get(key) ?? [];
    if (!ids.includes(id)) snap.lang.set(key, [...ids, id].sort());
  };
  for (const [id, p] of Object.entries(pools)) {
    snap.pools.set(id, { blocks: p.blocks, region: 'eu', tier: 'high' });
    for (const b of p.blocks) {
      for (const l of b.src) list(`s:${l}`, id);
      for (const l of b.tgt) list(`t:${l}`, id);
    }
    snap.shards.set(id, new Map(Object.entries(p.shards).map(([s, n]) => [Number(s), n])));
  }
  return snap;
}

function cacheWith(loads: IndexSnapshot[]) {
  let i = 0;
  const cache = new IndexCache({ load: async () => loads[Math.min(i++, loads.length - 1)] as IndexSnapshot });
  return { cache, loadCount: () => i };
}

const EN_ZH: LangBlock[] = [{ src: ['en', 'zh'], tgt: ['en', 'zh'] }];

describe('IndexCache', () => {
  it('answers candidate pools for a pair and for auto source, shards ordered by free-slot hint', async () => {
    const { cache } = cacheWith([snapshot(3, { p1: { blocks: EN_ZH, shards: { 0: 100, 1: 40 } } })]);
    await cache.reload('start');
    expect(cache.candidatePools('en', 'zh')).toEqual([
      {
        poolId: 'p1',
        region: 'eu',
        tier: 'high',
        shards: [
          { shard: 0, nodes: 100 },
          { shard: 1, nodes: 40 },
        ],
      },
    ]);
    cache.noteFree('p1', 1, 12);
    cache.noteFree('p1', 0, 3);
    expect(cache.candidatePools('auto', 'en')[0]?.shards.map((s) => s.shard)).toEqual([1, 0]);
    expect(cache.candidatePools('en', 'ja')).toEqual([]);
  });

  it('applies the next version in place and ignores versions it already holds', async () => {
    const { cache, loadCount } = cacheWith([snapshot(3, {})]);
    await cache.reload('start');
    const meta = { blocks: [{ src: ['fr'], tgt: ['de'] }], region: 'eu', tier: 'mid', shards: [0] };
    cache.applyEvent(4, { kind: 'pool_added', pool: 'p2', shard: 0, meta });
    expect(cache.version).toBe(4);
    expect(cache.candidatePools('fr', 'de').map((p) => p.poolId)).toEqual(['p2']);
    expect(cache.candidatePools('de', 'fr')).toEqual([]);
    expect(cache.candidatePools('auto', 'de').map((p) => p.poolId)).toEqual(['p2']);
    cache.applyEvent(5, { kind: 'shard_added', pool: 'p2', shard: 1, meta });
    expect(cache.shardsOf('p2').map((s) => s.shard)).toEqual([0, 1]);
    cache.applyEvent(5, { kind: 'pool_removed', pool: 'p2', shard: 0 });
    expect(cache.candidatePools('fr', 'de')).toHaveLength(1);
    cache.applyEvent(6, { kind: 'shard_removed', pool: 'p2', shard: 0 });
    expect(cache.shardsOf('p2').map((s) => s.shard)).toEqual([1]);
    cache.applyEvent(7, { kind: 'pool_removed', pool: 'p2', shard: 1 });
    expect(cache.candidatePools('fr', 'de')).toEqual([]);
    expect(cache.candidatePools('auto', 'de')).toEqual([]);
    expect(cache.version).toBe(7);
    expect(loadCount()).toBe(1);
  });

  it('reloads on a version gap, an unknown event and a resubscribe', async () => {
    const reasons: ReloadReason[] = [];
    let notify: (() => void) | undefined;
    const cache = new IndexCache({
      load: async () => snapshot(9, { p1: { blocks: EN_ZH, shards: { 0: 1 } } }),
      onReload: (reason) => {
        reasons.push(reason);
        notify?.();
      },
    });
    const reloaded = (trigger: () => void): Promise<void> =>
      new Promise((resolve) => {
        notify = resolve;
        trigger();
      });
    await cache.reload('start');
    // Held version is 9 after the start load.
    await reloaded(() => cache.applyEvent(12, { kind: 'shard_added', pool: 'p1', shard: 3 }));
    await reloaded(() => cache.applyEvent(10, { kind: 'something_new' }));
    await reloaded(() => cache.onResubscribe());
    expect(reasons).toEqual(['start', 'gap', 'unknown_event', 'resubscribe']);
    expect(cache.version).toBe(9);
    expect(cache.shardsOf('p1').map((s) => s.shard)).toEqual([0]);
  });

  it('finds src→tgt by language: only pools whose blocks contain the pair, superset pools included', async () => {
    const { cache } = cacheWith([
      snapshot(1, {
        // en/zh/ja among each other
        big: { blocks: [{ src: ['en', 'ja', 'zh'], tgt: ['en', 'ja', 'zh'] }], shards: { 0: 1 } },
        // reads en and ko, writes en and de: lists under s:ko and t:en but does not serve ko→ko, de→…
        asr: { blocks: [{ src: ['en', 'ko'], tgt: ['de', 'en'] }], shards: { 0: 1 } },
        // two groups: en↔zh and fr↔de, but not en→de
        sets: {
          blocks: [
            { src: ['de', 'fr'], tgt: ['de', 'fr'] },
            { src: ['en', 'zh'], tgt: ['en', 'zh'] },
          ],
          shards: { 0: 1 },
        },
      }),
    ]);
    await cache.reload('start');
    const ids = (src: string, tgt: string) => cache.candidatePools(src, tgt).map((p) => p.poolId);
    expect(ids('zh', 'en')).toEqual(['big', 'sets']);
    expect(ids('ja', 'zh')).toEqual(['big']);
    expect(ids('ko', 'en')).toEqual(['asr']);
    expect(ids('en', 'de')).toEqual(['asr']);
    expect(ids('zh', 'de')).toEqual([]);
    expect(ids('fr', 'de')).toEqual(['sets']);
    expect(ids('en', 'en')).toEqual([]);
    expect(ids('auto', 'en')).toEqual(['asr', 'big', 'sets']);
    expect(ids('auto', 'de')).toEqual(['asr', 'sets']);
    expect(ids('auto', 'ko')).toEqual([]);
    // pool_removed without a known meta still clears every list.
    cache.applyEvent(2, { kind: 'pool_removed', pool: 'sets', shard: 0 });
    expect(ids('fr', 'de')).toEqual([]);
    expect(ids('zh', 'en')).toEqual(['big']);
    expect(cache.readyNodesByPool()).toEqual([]);
    cache.noteReady('big', 0, 3);
    expect(cache.readyNodesByPool()).toEqual([{ pool: 'big', languages: 'en,ja,zh', ready: 3 }]);
  });

  it('never goes back in version because of a slow gap reload', async () => {
    const { cache } = cacheWith([snapshot(5, {}), snapshot(4, {})]);
    await cache.reload('start');
    await cache.reload('gap');
    expect(cache.version).toBe(5);
  });
});
