import { forEachTopology, uniquePrefix } from '@lingua/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../connection.js';
import { KeySchema } from '../keys.js';
import { tryDecodeNodeRecord, type NodeRecordInput } from '../ops/node-record.js';
import { shardUpsert } from '../ops/shard-upsert.js';
import { ScriptRunner } from '../scripts/loader.js';
import { connectionForTarget } from '../scripts/target-connection.js';
import { readNodeHeartbeat, readShardNodeRecord, readShardState } from './shard-state.js';

const T0 = 1_700_000_000_000;

function record(over: Partial<NodeRecordInput> = {}): NodeRecordInput {
  return {
    owner: 'gw-a',
    status: 'ready',
    pool: 'p1',
    shard: 0,
    region: 'eu',
    tier: 'mid',
    max: 3,
    ok: 0,
    bad: 0,
    usage: { cpu: 1, mem: 2, running: 0 },
    svc: ['asr'],
    reg_at: T0,
    langs: {},
    ...over,
  };
}

describe('tryDecodeNodeRecord', () => {
  it('decodes objects, normalising list fields, and refuses anything else', () => {
    expect(tryDecodeNodeRecord('{"id":"n1","svc":{},"langs":null}')).toEqual({
      id: 'n1',
      svc: [],
      langs: {},
    });
    expect(tryDecodeNodeRecord('not json')).toBeUndefined();
    expect(tryDecodeNodeRecord('5')).toBeUndefined();
    expect(tryDecodeNodeRecord('null')).toBeUndefined();
    expect(tryDecodeNodeRecord('[]')).toBeUndefined();
  });
});

forEachTopology('shard state', (target) => {
  let conn: RedisConnection;
  let runner: ScriptRunner;
  const keys = new KeySchema(uniquePrefix('shard-state'));

  beforeAll(async () => {
    conn = connectionForTarget(target, 'shard-state-test');
    runner = new ScriptRunner(conn);
    await runner.load();
  });
  afterAll(() => conn.quit());

  it('reads records, heartbeats, free slots and reservation counts of a shard at once', async () => {
    const k = keys.shard('p1', 0);
    await shardUpsert(runner, k, { nodeId: 'n1', epoch: 2, record: record(), now: T0 });
    await shardUpsert(runner, k, {
      nodeId: 'n2',
      epoch: 1,
      record: record({ status: 'registering' }),
      now: T0 + 5,
    });
    await conn.client.hset(k.used, 'n1', 1);
    const s = await readShardState(conn, k);
    expect(Object.keys(s.info).sort()).toEqual(['n1', 'n2']);
    expect(JSON.parse(s.info.n1 ?? '{}')).toMatchObject({
      id: 'n1',
      epoch: 2,
      status: 'ready',
      owner: 'gw-a',
    });
    expect(s.heartbeats).toEqual(
      new Map([
        ['n1', T0],
        ['n2', T0 + 5],
      ]),
    );
    expect(s.free.get('n1')).toBe(Number(await conn.client.zscore(k.free, 'n1')));
    expect(s.free.has('n2')).toBe(false); // only ready nodes have free slots
    expect(s.used).toEqual(new Map([['n1', 1]]));
  });

  it('reads an empty shard as empty', async () => {
    expect(await readShardState(conn, keys.shard('p1', 9))).toEqual({
      info: {},
      heartbeats: new Map(),
      free: new Map(),
      used: new Map(),
    });
  });

  it('reads one node record: decoded, absent, or damaged (every field absent)', async () => {
    const k = keys.shard('p2', 0);
    await shardUpsert(runner, k, { nodeId: 'n1', epoch: 7, record: record({ svc: [] }), now: T0 });
    await conn.client.hset(k.info, 'broken', '{oops');
    expect(await readShardNodeRecord(conn, k, 'n1')).toMatchObject({
      id: 'n1',
      epoch: 7,
      owner: 'gw-a',
      svc: [],
    });
    expect(await readShardNodeRecord(conn, k, 'missing')).toBeUndefined();
    expect(await readShardNodeRecord(conn, k, 'broken')).toEqual({});
  });

  it("reads a node's last heartbeat", async () => {
    const k = keys.shard('p3', 0);
    await shardUpsert(runner, k, { nodeId: 'n1', epoch: 1, record: record(), now: T0 + 42 });
    expect(await readNodeHeartbeat(conn, k, 'n1')).toBe(T0 + 42);
    expect(await readNodeHeartbeat(conn, k, 'other')).toBeUndefined();
  });
});
