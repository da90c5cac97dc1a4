import { forEachTopology, poll, uniquePrefix } from '@lingua/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../connection.js';
import { KeySchema } from '../keys.js';
import { computeCapability } from '../pool-id.js';
import { ScriptRunner } from '../scripts/loader.js';
import { connectionForTarget } from '../scripts/target-connection.js';
import { readIndexSnapshot } from '../state/index-snapshot.js';
import { decodePoolMeta, indexAssign, type PoolMetaInput } from './index-assign.js';
import { indexRelease } from './index-release.js';

const defaults = { region: 'eu', tierThresholds: [{ tier: 'mid', minGib: 0 }] };

function poolOf(langSets: string[][]): { poolId: string; meta: PoolMetaInput } {
  const c = computeCapability({ lang_sets: langSets, gpu_tier: 'mid' }, defaults);
  return { poolId: c.poolId, meta: { blocks: c.blocks, region: c.region, tier: c.tier, sig: c.signature } };
}

forEachTopology('index-assign / index-release', (target) => {
  let conn: RedisConnection;
  let sub: RedisConnection;
  let runner: ScriptRunner;
  const events: string[] = [];
  const keys = new KeySchema(uniquePrefix('index'));
  const k = keys.index();

  beforeAll(async () => {
    conn = connectionForTarget(target, 'index-test');
    runner = new ScriptRunner(conn);
    await runner.load();
    sub = conn.duplicate('index-test-sub');
    sub.client.on('smessage', (_channel: string, message: string) => events.push(message));
    await sub.client.ssubscribe(k.events);
  });
  afterAll(async () => {
    await sub.quit();
    await conn.quit();
  });

  /** Pools listed under `s:<lang>` / `t:<lang>`, sorted. */
  const lang = async (key: string): Promise<string[]> =>
    [...((await readIndexSnapshot(conn, keys)).lang.get(key) ?? [])].sort();
  /** The lang fields of one pool. */
  const fieldsOf = async (poolId: string): Promise<string[]> =>
    (await conn.client.hkeys(k.lang)).filter((f) => f.endsWith(`:${poolId}`)).sort();
  const meta = async (poolId: string) => decodePoolMeta((await conn.client.hget(k.pools, poolId)) ?? 'null');

  describe('placement, versions and events', () => {
    const { poolId, meta: m } = poolOf([['en', 'de']]);

    it('a new pool gets shard 0, a version bump and a pool_added event', async () => {
      const r = await indexAssign(runner, k, { poolId, meta: m, shardSize: 2, now: 10 });
      expect(r).toEqual({ status: 'OK', shard: 0, version: 1, changed: true });
      expect(await meta(poolId)).toMatchObject({
        blocks: [{ src: ['de', 'en'], tgt: ['de', 'en'] }],
        region: 'eu',
        tier: 'mid',
        shards: [0],
        created_at: 10,
      });
      expect(await fieldsOf(poolId)).toEqual(['s:de', 's:en', 't:de', 't:en'].map((f) => `${f}:${poolId}`));
      expect(await lang('s:en')).toEqual([poolId]);
      expect(await lang('t:de')).toEqual([poolId]);
      const ev = await poll(() => events.find((e) => e.startsWith('1|')), { what: 'pool_added event' });
      expect(JSON.parse(ev.slice(2))).toMatchObject({
        kind: 'pool_added',
        pool: poolId,
        shard: 0,
        meta: { shards: [0] },
      });
    });

    it('joining a shard with room changes nothing in the index', async () => {
      expect(await indexAssign(runner, k, { poolId, meta: m, shardSize: 2, now: 11 })).toEqual({
        status: 'OK',
        shard: 0,
        version: 1,
        changed: false,
      });
    });

    it('a full shard opens the next one (shard_added)', async () => {
      const r = await indexAssign(runner, k, { poolId, meta: m, shardSize: 2, now: 12 });
      expect(r).toEqual({ status: 'OK', shard: 1, version: 2, changed: true });
      expect(await conn.client.hget(k.shards, `${poolId}:1`)).toBe('1');
      const ev = await poll(() => events.find((e) => e.startsWith('2|')), { what: 'shard_added event' });
      expect(JSON.parse(ev.slice(2))).toMatchObject({ kind: 'shard_added', pool: poolId, shard: 1 });
    });

    it('a preferred shard with room wins over the lowest one; a full or missing one does not', async () => {
      await indexRelease(runner, k, { poolId, shard: 0, now: 13 }); // shard 0: 1 of 2
      expect(
        await indexAssign(runner, k, { poolId, meta: m, shardSize: 2, preferredShard: 1, now: 14 }),
      ).toMatchObject({
        shard: 1,
      });
      expect(
        await indexAssign(runner, k, { poolId, meta: m, shardSize: 2, preferredShard: 1, now: 15 }),
      ).toMatchObject({
        shard: 0,
      });
      expect(
        await indexAssign(runner, k, { poolId, meta: m, shardSize: 2, preferredShard: 7, now: 16 }),
      ).toMatchObject({
        shard: 2,
        changed: true,
      });
    });

    it('release removes empty shards, then the pool and its language entries', async () => {
      // shard 0: 2, shard 1: 2, shard 2: 1
      const rel = (shard: number) => indexRelease(runner, k, { poolId, shard, now: 20 });
      expect(await rel(2)).toEqual({ status: 'OK', version: 4, changed: true });
      expect((await meta(poolId)).shards).toEqual([0, 1]);
      expect(await rel(1)).toMatchObject({ changed: false });
      expect(await rel(1)).toMatchObject({ changed: true, version: 5 });
      expect(await rel(0)).toMatchObject({ changed: false });
      expect(await rel(0)).toEqual({ status: 'OK', version: 6, changed: true });
      expect(await conn.client.hexists(k.pools, poolId)).toBe(0);
      expect(await fieldsOf(poolId)).toEqual([]);
      expect(await conn.client.hlen(k.shards)).toBe(0);
      const ev = await poll(() => events.find((e) => e.startsWith('6|')), { what: 'pool_removed event' });
      expect(JSON.parse(ev.slice(2))).toMatchObject({ kind: 'pool_removed', pool: poolId, shard: 0 });
    });

    it('releasing what is not there changes nothing', async () => {
      expect(await indexRelease(runner, k, { poolId, shard: 0, now: 21 })).toEqual({
        status: 'OK',
        version: 6,
        changed: false,
      });
    });

    it('refuses a pool without language pairs, and a pool id with a colon', async () => {
      await expect(
        indexAssign(runner, k, { poolId: 'p-empty', meta: { ...m, blocks: [] }, shardSize: 2, now: 1 }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(
        indexAssign(runner, k, { poolId: 'p:1', meta: m, shardSize: 2, now: 1 }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      // The script checks on its own too (callers other than the wrapper).
      await expect(
        runner.run(
          'index-assign',
          [k.pools, k.lang, k.ver, k.shards, k.events],
          ['p-empty', JSON.stringify({ ...m, blocks: [{ src: [], tgt: ['en'] }] }), 2, -1, 1],
        ),
      ).rejects.toThrow(/non-empty language blocks/);
    });
  });

  it('superset matching: each language lists every pool reading or writing it', async () => {
    const big = poolOf([['en', 'zh', 'ja']]);
    const small = poolOf([['zh', 'en']]);
    await indexAssign(runner, k, { ...big, shardSize: 100, now: 30 });
    await indexAssign(runner, k, { ...small, shardSize: 100, now: 30 });
    expect(await lang('s:zh')).toEqual([big.poolId, small.poolId].sort());
    expect(await lang('t:en')).toEqual([big.poolId, small.poolId].sort());
    expect(await lang('s:ja')).toEqual([big.poolId]);
    expect(await lang('t:ja')).toEqual([big.poolId]);
    await indexRelease(runner, k, { poolId: big.poolId, shard: 0, now: 31 });
    expect(await lang('s:zh')).toEqual([small.poolId]);
    expect(await lang('t:ja')).toEqual([]);
    expect(await fieldsOf(big.poolId)).toEqual([]);
    await indexRelease(runner, k, { poolId: small.poolId, shard: 0, now: 31 });
  });

  describe('cost grows with languages, not pairs', () => {
    const codes = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`);

    it('a 64-language node writes at most 2 × 64 index fields and one pool meta', async () => {
      // 64 ASR languages into the same 64 targets: 4,032 directed pairs.
      const langs = codes(64, 'm');
      const c = computeCapability(
        { language_capabilities: { asr_languages: langs, semantic_languages: langs }, gpu_tier: 'mid' },
        defaults,
      );
      const before = await conn.client.hlen(k.lang);
      await indexAssign(runner, k, {
        poolId: c.poolId,
        meta: { blocks: c.blocks, region: c.region, tier: c.tier, sig: c.signature },
        shardSize: 10,
        now: 50,
      });
      const fields = await fieldsOf(c.poolId);
      expect(fields.length).toBeLessThanOrEqual(2 * 64);
      expect(fields).toHaveLength(c.sources.length + c.targets.length);
      expect((await conn.client.hlen(k.lang)) - before).toBe(fields.length);
      expect(decodePoolMeta((await conn.client.hget(k.pools, c.poolId)) ?? 'null').blocks).toEqual(c.blocks);
      await indexRelease(runner, k, { poolId: c.poolId, shard: 0, now: 51 });
      expect(await fieldsOf(c.poolId)).toEqual([]);
      expect(await conn.client.hlen(k.lang)).toBe(before);
    });

    it('even the schema-valid worst case (4 groups × 256 codes, 261,120 pairs) writes 2 fields per language', async () => {
      // The gateway refuses this shape (LINGUA_NODE_MAX_LANGUAGES); the store alone still never expands pairs.
      const groups = [0, 1, 2, 3].map((g) => codes(256, `g${g}-`));
      const c = computeCapability({ lang_sets: groups, gpu_tier: 'mid' }, defaults);
      expect(c.blocks).toHaveLength(4);
      await indexAssign(runner, k, {
        poolId: c.poolId,
        meta: { blocks: c.blocks, region: c.region, tier: c.tier, sig: c.signature },
        shardSize: 10,
        now: 52,
      });
      expect(await fieldsOf(c.poolId)).toHaveLength(2 * 1_024);
      expect(await lang('s:g2-7')).toEqual([c.poolId]);
      await indexRelease(runner, k, { poolId: c.poolId, shard: 0, now: 53 });
      expect(await fieldsOf(c.poolId)).toEqual([]);
    });
  });

  it('1,000 nodes of one capability fill 10 shards of 100, and the index stays exact', async () => {
    const { poolId, meta: m } = poolOf([['fr', 'it']]);
    const placed = await Promise.all(
      Array.from({ length: 1_000 }, () =>
        indexAssign(runner, k, { poolId, meta: m, shardSize: 100, now: 40 }),
      ),
    );
    const perShard = new Map<number, number>();
    for (const p of placed) perShard.set(p.shard, (perShard.get(p.shard) ?? 0) + 1);
    expect([...perShard.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...perShard.values()].every((n) => n === 100)).toBe(true);
    expect((await meta(poolId)).shards).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(placed.filter((p) => p.changed)).toHaveLength(10);

    // Empty shard 3 completely and take 10 from shard 6: new nodes fill shard 6 first, then reopen shard 3.
    await Promise.all(
      Array.from({ length: 100 }, () => indexRelease(runner, k, { poolId, shard: 3, now: 41 })),
    );
    await Promise.all(
      Array.from({ length: 10 }, () => indexRelease(runner, k, { poolId, shard: 6, now: 41 })),
    );
    expect((await meta(poolId)).shards).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
    const again = [];
    for (let i = 0; i < 11; i++)
      again.push(await indexAssign(runner, k, { poolId, meta: m, shardSize: 100, now: 42 }));
    expect(again.slice(0, 10).every((p) => p.shard === 6)).toBe(true);
    expect(again[10]).toMatchObject({ shard: 3, changed: true });
    const counts = await conn.client.hgetall(k.shards);
    const mine = Object.entries(counts).filter(([f]) => f.startsWith(`${poolId}:`));
    expect(mine.reduce((sum, [, c]) => sum + Number(c), 0)).toBe(1_000 - 110 + 11);
    expect(Object.fromEntries(mine)[`${poolId}:3`]).toBe('1');
  });
});
