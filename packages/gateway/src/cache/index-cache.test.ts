import { describe, expect, it } from 'vitest';
import { IndexCache, type ReloadReason } from './index-cache.js';
import type { IndexSnapshot } from './index-snapshot.js';

function snapshot(
  version: number,
  pools: Record<string, { pairs: string[]; shards: Record<number, number> }>,
) {
  const snap: IndexSnapshot = { version, pools: new Map(), lang: new Map(), shards: new Map() };
  for (const [id, p] of Object.entries(pools)) {
    snap.pools.set(id, { pairs: p.pairs, region: 'eu', tier: 'high' });
    for (const pair of p.pairs) snap.lang.set(pair, [...(snap.lang.get(pair) ?? []), id]);
    snap.shards.set(id, new Map(Object.entries(p.shards).map(([s, n]) => [Number(s), n])));
  }
  return snap;
}

function cacheWith(loads: IndexSnapshot[]) {
  let i = 0;
  const cache = new IndexCache({ load: async () => loads[Math.min(i++, loads.length - 1)] as IndexSnapshot });
  return { cache, loadCount: () => i };
}

const EN_ZH = ['en:zh', 'zh:en', '*:en', '*:zh'];

describe('IndexCache', () => {
  it('answers candidate pools for a pair and for auto source, shards ordered by free-slot hint', async () => {
    const { cache } = cacheWith([snapshot(3, { p1: { pairs: EN_ZH, shards: { 0: 100, 1: 40 } } })]);
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
    const meta = { pairs: ['fr:de', '*:de'], region: 'eu', tier: 'mid', shards: [0] };
    cache.applyEvent(4, { kind: 'pool_added', pool: 'p2', shard: 0, meta });
    expect(cache.version).toBe(4);
    expect(cache.candidatePools('fr', 'de').map((p) => p.poolId)).toEqual(['p2']);
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
      load: async () => snapshot(9, { p1: { pairs: EN_ZH, shards: { 0: 1 } } }),
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

  it('never goes back in version because of a slow gap reload', async () => {
    const { cache } = cacheWith([snapshot(5, {}), snapshot(4, {})]);
    await cache.reload('start');
    await cache.reload('gap');
    expect(cache.version).toBe(5);
  });
});
