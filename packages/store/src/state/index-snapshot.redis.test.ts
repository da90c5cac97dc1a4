import { forEachTopology, uniquePrefix } from '@lingua/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../connection.js';
import { KeySchema } from '../keys.js';
import { indexAssign } from '../ops/index-assign.js';
import { ScriptRunner } from '../scripts/loader.js';
import { connectionForTarget } from '../scripts/target-connection.js';
import { listIndexShards, parseLangField, parseShardField, readIndexSnapshot } from './index-snapshot.js';

describe('parseLangField', () => {
  it('splits side and language from the pool id after the last colon', () => {
    expect(parseLangField('s:en:p1')).toEqual({ key: 's:en', poolId: 'p1' });
    expect(parseLangField('t:x:y:p1')).toEqual({ key: 't:x:y', poolId: 'p1' });
    expect(parseLangField('en:zh')).toBeUndefined();
    expect(parseLangField('s::p1')).toBeUndefined();
    expect(parseLangField('s:en:')).toBeUndefined();
  });
});

describe('parseShardField', () => {
  it('splits on the last colon and refuses what is not a shard', () => {
    expect(parseShardField('pool-a:3')).toEqual({ poolId: 'pool-a', shard: 3 });
    expect(parseShardField('a:b:0')).toEqual({ poolId: 'a:b', shard: 0 });
    expect(parseShardField(':1')).toBeUndefined();
    expect(parseShardField('p:-1')).toBeUndefined();
    expect(parseShardField('p:x')).toBeUndefined();
    expect(parseShardField('nocolon')).toBeUndefined();
  });
});

forEachTopology('index snapshot', (target) => {
  let conn: RedisConnection;
  let runner: ScriptRunner;
  let keys: KeySchema;

  beforeAll(async () => {
    conn = connectionForTarget(target, 'index-snapshot-test');
    runner = new ScriptRunner(conn);
    await runner.load();
  });
  afterAll(() => conn.quit());

  it('reads an empty index as version 0 with nothing in it', async () => {
    keys = new KeySchema(uniquePrefix('index-empty'));
    expect(await readIndexSnapshot(conn, keys)).toEqual({
      version: 0,
      pools: new Map(),
      lang: new Map(),
      shards: new Map(),
    });
    expect(await listIndexShards(conn, keys.index())).toEqual([]);
  });

  it('reads pools, languages, shard counts and the version the index scripts wrote', async () => {
    keys = new KeySchema(uniquePrefix('index-snap'));
    const meta = { blocks: [{ src: ['en'], tgt: ['zh'] }], region: 'eu', tier: 'mid', sig: 's1' };
    await indexAssign(runner, keys.index(), { poolId: 'pA', meta, shardSize: 1, now: 1 });
    const second = await indexAssign(runner, keys.index(), { poolId: 'pA', meta, shardSize: 1, now: 2 });
    // Damaged entries are skipped, not fatal.
    await conn.client.hset(keys.index().shards, 'garbage', 5);
    await conn.client.hset(keys.index().pools, 'pBad', '{');
    await conn.client.hset(keys.index().lang, 'garbage', '1');
    const snap = await readIndexSnapshot(conn, keys);
    expect(snap.version).toBe(second.version);
    expect([...snap.pools.keys()]).toEqual(['pA']);
    expect(snap.pools.get('pA')).toMatchObject({ blocks: meta.blocks, region: 'eu', tier: 'mid' });
    expect(snap.lang).toEqual(
      new Map([
        ['s:en', ['pA']],
        ['t:zh', ['pA']],
      ]),
    );
    expect(snap.shards).toEqual(
      new Map([
        [
          'pA',
          new Map([
            [0, 1],
            [1, 1],
          ]),
        ],
      ]),
    );
    const shards = await listIndexShards(conn, keys.index());
    expect(shards.sort((a, b) => a.shard - b.shard)).toEqual([
      { poolId: 'pA', shard: 0 },
      { poolId: 'pA', shard: 1 },
    ]);
  });
});
