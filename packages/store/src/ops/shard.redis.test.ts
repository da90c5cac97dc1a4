import { forEachTopology, uniquePrefix } from '@lingua/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../connection.js';
import { KeySchema, type ShardKeys } from '../keys.js';
import { ScriptRunner } from '../scripts/loader.js';
import { connectionForTarget } from '../scripts/target-connection.js';
import { nodeHeartbeat, type NodeHeartbeatArgs } from './node-heartbeat.js';
import { decodeNodeRecord, type NodeRecordInput } from './node-record.js';
import { nodeSetStatus } from './node-set-status.js';
import { reserveRelease, reserveReleaseMany } from './reserve-release.js';
import { selectReserve, type SelectReserveArgs } from './select-reserve.js';
import { shardCensus } from './shard-census.js';
import { shardRemove } from './shard-remove.js';
import { shardUpsert } from './shard-upsert.js';

const T0 = 1_700_000_000_000;
const LIVENESS = 45_000;
const RES_TTL = 30_000;

function record(over: Partial<NodeRecordInput> = {}): NodeRecordInput {
  return {
    owner: 'gw-a',
    status: 'ready',
    pool: 'pool1',
    shard: 0,
    region: 'eu',
    tier: 'mid',
    max: 2,
    ok: 0,
    bad: 0,
    usage: { cpu: 1, mem: 2, running: 0 },
    svc: [],
    reg_at: T0,
    langs: {},
    ...over,
  };
}

forEachTopology('shard scripts', (target) => {
  let conn: RedisConnection;
  let runner: ScriptRunner;
  const schema = new KeySchema(uniquePrefix('shard'));
  let shardNo = 0;
  /** A fresh, empty shard per test. */
  const freshShard = (): ShardKeys => schema.shard('pool1', shardNo++);

  beforeAll(async () => {
    conn = connectionForTarget(target, 'shard-test');
    runner = new ScriptRunner(conn);
    await runner.load();
  });
  afterAll(() => conn.quit());

  const add = (k: ShardKeys, nodeId: string, over: Partial<NodeRecordInput> = {}, epoch = 1, now = T0) =>
    shardUpsert(runner, k, { nodeId, epoch, record: record(over), now });
  const reserve = (k: ShardKeys, over: Partial<SelectReserveArgs> = {}) =>
    selectReserve(runner, k, {
      now: T0,
      seed: 0,
      livenessTtlMs: LIVENESS,
      reservationTtlMs: RES_TTL,
      sessionId: 's1',
      jobId: `j${Math.random().toString(36).slice(2)}`,
      attempt: 1,
      ...over,
    });
  const beat = (k: ShardKeys, nodeId: string, over: Partial<NodeHeartbeatArgs> = {}) =>
    nodeHeartbeat(runner, k, {
      nodeId,
      epoch: 1,
      now: T0,
      usage: { cpu: 1, mem: 1, running: 0 },
      healthy: true,
      readyAfter: 2,
      degradeAfter: 2,
      ...over,
    });
  const free = async (k: ShardKeys): Promise<Record<string, number>> => {
    const flat = await conn.client.zrange(k.free, '0', '-1', 'WITHSCORES');
    const out: Record<string, number> = {};
    for (let i = 0; i < flat.length; i += 2) out[flat[i] as string] = Number(flat[i + 1]);
    return out;
  };
  const rec = async (k: ShardKeys, nodeId: string) =>
    decodeNodeRecord((await conn.client.hget(k.info, nodeId)) ?? '');

  describe('shard-upsert', () => {
    it('writes the record, liveness and free slots of a ready node; a registering node is not selectable', async () => {
      const k = freshShard();
      expect(await add(k, 'a', { max: 3 })).toEqual({ status: 'OK', free: 3 });
      expect(await add(k, 'b', { status: 'registering' })).toEqual({ status: 'OK', free: 2 });
      expect(await free(k)).toEqual({ a: 3 });
      expect(await conn.client.zscore(k.hb, 'b')).toBe(String(T0));
      expect(await rec(k, 'a')).toMatchObject({ id: 'a', epoch: 1, hb_at: T0, svc: [], max: 3 });
    });

    it('is fenced: a lower epoch never overwrites a newer registration', async () => {
      const k = freshShard();
      await add(k, 'a', { owner: 'gw-new' }, 5);
      expect(await add(k, 'a', { owner: 'gw-old' }, 4)).toEqual({ status: 'STALE', epoch: 5 });
      expect((await rec(k, 'a')).owner).toBe('gw-new');
      expect(await add(k, 'a', { owner: 'gw-newer' }, 6)).toMatchObject({ status: 'OK' });
    });

    it('carries live reservations in, drops expired ones, and counts them as used', async () => {
      const k = freshShard();
      const carried = [
        { member: 'a|s1|j1|1', expiry: T0 + 1_000 },
        { member: 'a|s1|j2|1', expiry: T0 + 2_000 },
        { member: 'a|s1|j3|1', expiry: T0 - 1 },
      ];
      const r = await shardUpsert(runner, k, {
        nodeId: 'a',
        epoch: 1,
        record: record({ max: 3 }),
        now: T0,
        carried,
      });
      expect(r).toEqual({ status: 'OK', free: 1 });
      expect(await conn.client.zcard(k.res)).toBe(2);
      expect(await conn.client.hget(k.used, 'a')).toBe('2');
    });
  });

  describe('select-reserve / reserve-release', () => {
    it('EMPTY without ready nodes', async () => {
      const k = freshShard();
      expect(await reserve(k)).toEqual({ status: 'EMPTY' });
      await add(k, 'a', { status: 'registering' });
      expect(await reserve(k)).toEqual({ status: 'EMPTY' });
    });

    it('reserves on the least-loaded node and reports owner, epoch and what is left', async () => {
      const k = freshShard();
      await add(k, 'a', { max: 2, owner: 'gw-a' }, 3);
      await add(k, 'b', { max: 4, owner: 'gw-b' }, 7);
      const r = await reserve(k, { sessionId: 'sX', jobId: 'jX', attempt: 2 });
      expect(r).toEqual({
        status: 'OK',
        nodeId: 'b',
        owner: 'gw-b',
        epoch: 7,
        freeLeft: 3,
        member: 'b|sX|jX|2',
      });
      expect(await conn.client.zscore(k.res, 'b|sX|jX|2')).toBe(String(T0 + RES_TTL));
      expect(await conn.client.hget(k.used, 'b')).toBe('1');
      expect(await free(k)).toEqual({ a: 2, b: 3 });
    });

    it('NO_CAPACITY when every ready node is full or excluded', async () => {
      const k = freshShard();
      await add(k, 'a', { max: 1 });
      await add(k, 'b', { max: 1 });
      expect(await reserve(k, { exclude: ['a', 'b'] })).toEqual({ status: 'NO_CAPACITY' });
      expect(await reserve(k, { exclude: ['a'] })).toMatchObject({ status: 'OK', nodeId: 'b' });
      expect(await reserve(k)).toMatchObject({ status: 'OK', nodeId: 'a' });
      expect(await reserve(k)).toEqual({ status: 'NO_CAPACITY' });
    });

    it('prefers the affinity node while it has room, unless excluded', async () => {
      const k = freshShard();
      await add(k, 'a', { max: 1 });
      await add(k, 'b', { max: 5 });
      expect(await reserve(k, { affinityNodeId: 'a' })).toMatchObject({ nodeId: 'a', freeLeft: 0 });
      expect(await reserve(k, { affinityNodeId: 'a' })).toMatchObject({ nodeId: 'b' });
      expect(await reserve(k, { affinityNodeId: 'b', exclude: ['b'] })).toEqual({ status: 'NO_CAPACITY' });
    });

    it('breaks ties by seed, with and without exclusions', async () => {
      const k = freshShard();
      for (const id of ['a', 'b', 'c']) await add(k, id, { max: 10 });
      const pick = async (seed: number, exclude: string[] = []) => {
        const r = await reserve(k, { seed, exclude });
        if (r.status !== 'OK') throw new Error(r.status);
        await reserveRelease(runner, k, r);
        return r.nodeId;
      };
      expect(new Set([await pick(0), await pick(1), await pick(2)])).toEqual(new Set(['a', 'b', 'c']));
      expect(new Set([await pick(0, ['a']), await pick(1, ['a'])])).toEqual(new Set(['b', 'c']));
    });

    it('a private node serves only sessions of its tenant or with its pairing code; public nodes serve anyone', async () => {
      const k = freshShard();
      await add(k, 'priv', { max: 10, public: false, tenant: 'acme', pair: 'hash-of-code' });
      await add(k, 'pub', { max: 2, public: true });
      const pick = async (over: Partial<SelectReserveArgs>) => {
        const r = await reserve(k, over);
        if (r.status !== 'OK') return r.status;
        await reserveRelease(runner, k, r);
        return r.nodeId;
      };
      // The private node is the least loaded, so it is where every unpaired pick lands first.
      for (let seed = 0; seed < 4; seed++) {
        expect(await pick({ seed })).toBe('pub');
        expect(await pick({ seed, tenant: 'other', pairingHash: 'other-hash' })).toBe('pub');
        expect(await pick({ seed, tenant: 'acme' })).toBe('priv');
        expect(await pick({ seed, pairingHash: 'hash-of-code' })).toBe('priv');
      }
      expect(await pick({ affinityNodeId: 'priv' })).toBe('pub');
      expect(await pick({ affinityNodeId: 'priv', tenant: 'acme' })).toBe('priv');
      expect(await pick({ exclude: ['x'] })).toBe('pub');
      expect(await pick({ exclude: ['pub'], tenant: 'acme' })).toBe('priv');
      // With the public node full, an unpaired session finds no capacity; a paired one still does.
      await reserve(k, { affinityNodeId: 'pub' });
      await reserve(k, { affinityNodeId: 'pub' });
      expect(await pick({})).toBe('NO_CAPACITY');
      expect(await pick({ tenant: 'acme' })).toBe('priv');
    });

    it('with only a private node, an unpaired session gets NO_CAPACITY', async () => {
      const k = freshShard();
      await add(k, 'only', { max: 4, public: false, pair: 'p' });
      expect(await reserve(k)).toEqual({ status: 'NO_CAPACITY' });
      expect(await reserve(k, { tenant: 'acme', pairingHash: 'q' })).toEqual({ status: 'NO_CAPACITY' });
      expect(await reserve(k, { pairingHash: 'p' })).toMatchObject({ status: 'OK', nodeId: 'only' });
    });

    it('release gives the slot back once; a second release is a no-op', async () => {
      const k = freshShard();
      await add(k, 'a', { max: 1 });
      const r = await reserve(k);
      if (r.status !== 'OK') throw new Error(r.status);
      expect(await free(k)).toEqual({ a: 0 });
      expect(await reserveRelease(runner, k, { member: r.member })).toEqual({ status: 'OK', released: true });
      expect(await reserveRelease(runner, k, { member: r.member })).toEqual({
        status: 'OK',
        released: false,
      });
      expect(await free(k)).toEqual({ a: 1 });
      expect(await conn.client.hexists(k.used, 'a')).toBe(0);
    });

    it('releases several reservations of a shard in one call, one flag each', async () => {
      const k = freshShard();
      await add(k, 'a', { max: 2 });
      await add(k, 'b', { max: 1 });
      const got = [await reserve(k), await reserve(k), await reserve(k)];
      const members = got.map((r) => (r.status === 'OK' ? r.member : ''));
      expect(await free(k)).toEqual({ a: 0, b: 0 });
      expect(
        await reserveReleaseMany(runner, k, [members[0] as string, 'gone|s|j|1', members[2] as string]),
      ).toEqual([true, false, true]);
      expect(await reserveReleaseMany(runner, k, [members[0] as string, members[1] as string])).toEqual([
        false,
        true,
      ]);
      expect(await free(k)).toEqual({ a: 2, b: 1 });
    });

    it('expired reservations give their slots back on the next selection', async () => {
      const k = freshShard();
      await add(k, 'a', { max: 1 });
      expect(await reserve(k, { now: T0 })).toMatchObject({ status: 'OK' });
      expect(await reserve(k, { now: T0 + RES_TTL - 1 })).toEqual({ status: 'NO_CAPACITY' });
      await beat(k, 'a', { now: T0 + RES_TTL - 1 }); // stay alive
      const r = await reserve(k, { now: T0 + RES_TTL });
      expect(r).toMatchObject({ status: 'OK', nodeId: 'a', freeLeft: 0 });
      expect(await conn.client.zcard(k.res)).toBe(1);
      expect(await conn.client.hget(k.used, 'a')).toBe('1');
    });

    it('silent nodes leave the selection (offline) and come back through a heartbeat', async () => {
      const k = freshShard();
      await add(k, 'a', { max: 1 });
      await add(k, 'b', { max: 1 }, 1, T0 + 10_000);
      const later = T0 + LIVENESS + 1;
      expect(await reserve(k, { now: later })).toMatchObject({ status: 'OK', nodeId: 'b' });
      expect(await rec(k, 'a')).toMatchObject({ status: 'offline', off_reason: 'silent' });
      expect(await conn.client.zscore(k.hb, 'a')).toBeNull();
      expect(await reserve(k, { now: later })).toEqual({ status: 'NO_CAPACITY' });
      expect(await beat(k, 'a', { now: later, readyAfter: 1 })).toEqual({
        status: 'OK',
        nodeStatus: 'ready',
        prevStatus: 'offline',
        free: 1,
      });
      expect(await reserve(k, { now: later })).toMatchObject({ status: 'OK', nodeId: 'a' });
      const gone = T0 + 10_000 + LIVENESS + 1;
      await beat(k, 'a', { now: gone });
      expect(await reserve(k, { now: gone })).toEqual({ status: 'NO_CAPACITY' });
      expect((await rec(k, 'b')).status).toBe('offline');
    });

    it('a node back from silence must rebuild its healthy streak before it is ready again', async () => {
      const k = freshShard();
      await add(k, 'a', { max: 1 });
      for (let i = 0; i < 5; i++) await beat(k, 'a');
      const later = T0 + LIVENESS + 1;
      expect(await reserve(k, { now: later })).toEqual({ status: 'EMPTY' });
      expect(await beat(k, 'a', { now: later })).toMatchObject({
        nodeStatus: 'registering',
        prevStatus: 'offline',
      });
      expect(await beat(k, 'a', { now: later })).toMatchObject({
        nodeStatus: 'ready',
        prevStatus: 'registering',
      });
    });

    it('never exceeds max under 200 concurrent selections on 5 nodes', async () => {
      const k = freshShard();
      const max = [1, 2, 3, 4, 5];
      await Promise.all(max.map((m, i) => add(k, `n${i}`, { max: m })));
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          reserve(k, { seed: i * 7919, sessionId: `s${i % 9}`, jobId: `j${i}` }),
        ),
      );
      const ok = results.filter((r) => r.status === 'OK');
      expect(ok).toHaveLength(15);
      expect(results.filter((r) => r.status === 'NO_CAPACITY')).toHaveLength(185);
      const members = await conn.client.zrange(k.res, '0', '-1');
      for (const [i, m] of max.entries()) {
        const held = members.filter((x) => x.startsWith(`n${i}|`)).length;
        expect(held).toBe(m);
        expect(await conn.client.hget(k.used, `n${i}`)).toBe(String(m));
      }
      expect(Object.values(await free(k))).toEqual([0, 0, 0, 0, 0]);
      // Releasing everything restores every slot exactly.
      await Promise.all(ok.map((r) => reserveRelease(runner, k, r as { member: string })));
      expect(await free(k)).toEqual({ n0: 1, n1: 2, n2: 3, n3: 4, n4: 5 });
    });
  });

  describe('node-heartbeat', () => {
    it('GONE without a record, STALE for another epoch', async () => {
      const k = freshShard();
      expect(await beat(k, 'x')).toEqual({ status: 'GONE' });
      await add(k, 'a', {}, 4);
      expect(await beat(k, 'a', { epoch: 3 })).toEqual({ status: 'STALE', epoch: 4 });
    });

    it('walks registering → ready → degraded → ready, and keeps draining', async () => {
      const k = freshShard();
      await add(k, 'a', { status: 'registering', max: 2 });
      expect(await beat(k, 'a')).toEqual({
        status: 'OK',
        nodeStatus: 'registering',
        prevStatus: 'registering',
        free: 0,
      });
      expect(await beat(k, 'a')).toEqual({
        status: 'OK',
        nodeStatus: 'ready',
        prevStatus: 'registering',
        free: 2,
      });
      expect(await free(k)).toEqual({ a: 2 });
      expect(await beat(k, 'a', { healthy: false })).toMatchObject({ nodeStatus: 'ready' });
      expect(await beat(k, 'a', { healthy: false })).toEqual({
        status: 'OK',
        nodeStatus: 'degraded',
        prevStatus: 'ready',
        free: 0,
      });
      expect(await free(k)).toEqual({});
      expect(await beat(k, 'a')).toMatchObject({ nodeStatus: 'ready', prevStatus: 'degraded' });
      await nodeSetStatus(runner, k, { nodeId: 'a', epoch: 1, status: 'draining', now: T0 });
      expect(await beat(k, 'a')).toMatchObject({ nodeStatus: 'draining', free: 0 });
      expect(await rec(k, 'a')).toMatchObject({ usage: { cpu: 1, mem: 1, running: 0 }, ok: 2, bad: 0 });
    });

    it('a node reporting more running jobs than reservations offers fewer slots', async () => {
      const k = freshShard();
      await add(k, 'a', { max: 4 });
      await reserve(k);
      expect(await beat(k, 'a', { running: 3 })).toMatchObject({ free: 1 });
      expect(await beat(k, 'a', { running: 0 })).toMatchObject({ free: 3 });
    });

    it('purges expired reservations of the shard', async () => {
      const k = freshShard();
      await add(k, 'a', { max: 1 });
      await reserve(k);
      expect(await beat(k, 'a', { now: T0 + RES_TTL })).toMatchObject({ free: 1 });
      expect(await conn.client.zcard(k.res)).toBe(0);
    });
  });

  describe('node-set-status', () => {
    it('GONE, STALE, and OK with the previous status; ready puts the node back in selection', async () => {
      const k = freshShard();
      expect(await nodeSetStatus(runner, k, { nodeId: 'x', epoch: 1, status: 'draining', now: T0 })).toEqual({
        status: 'GONE',
      });
      await add(k, 'a', { max: 2 }, 2);
      expect(await nodeSetStatus(runner, k, { nodeId: 'a', epoch: 1, status: 'draining', now: T0 })).toEqual({
        status: 'STALE',
        epoch: 2,
      });
      expect(await nodeSetStatus(runner, k, { nodeId: 'a', epoch: 2, status: 'draining', now: T0 })).toEqual({
        status: 'OK',
        prevStatus: 'ready',
        free: 0,
      });
      expect(await reserve(k)).toEqual({ status: 'EMPTY' });
      expect(await nodeSetStatus(runner, k, { nodeId: 'a', epoch: 2, status: 'ready', now: T0 })).toEqual({
        status: 'OK',
        prevStatus: 'draining',
        free: 2,
      });
      expect(await reserve(k)).toMatchObject({ status: 'OK', nodeId: 'a' });
    });

    it('a commanded offline is not revived by heartbeats', async () => {
      const k = freshShard();
      await add(k, 'a');
      await nodeSetStatus(runner, k, { nodeId: 'a', epoch: 1, status: 'offline', now: T0 });
      expect(await beat(k, 'a', { readyAfter: 1 })).toMatchObject({ nodeStatus: 'offline', free: 0 });
    });
  });

  describe('shard-remove', () => {
    it('GONE, STALE; OK returns live reservations and the remaining node count', async () => {
      const k = freshShard();
      expect(await shardRemove(runner, k, { nodeId: 'a', epoch: 1, now: T0 })).toEqual({ status: 'GONE' });
      await add(k, 'a', { max: 3 }, 2);
      await add(k, 'b', { max: 3 });
      const r1 = await reserve(k, { affinityNodeId: 'a', jobId: 'j1' });
      await reserve(k, { affinityNodeId: 'a', jobId: 'j2', now: T0 - RES_TTL + 5 }); // expires at T0 + 5
      await reserve(k, { affinityNodeId: 'b', jobId: 'j3' });
      expect(await shardRemove(runner, k, { nodeId: 'a', epoch: 1, now: T0 + 10 })).toEqual({
        status: 'STALE',
        epoch: 2,
      });
      const r = await shardRemove(runner, k, { nodeId: 'a', epoch: 2, now: T0 + 10 });
      expect(r).toEqual({
        status: 'OK',
        remainingNodes: 1,
        reservations: [{ member: (r1 as { member: string }).member, expiry: T0 + RES_TTL }],
      });
      expect(await conn.client.hexists(k.info, 'a')).toBe(0);
      expect(await conn.client.zscore(k.hb, 'a')).toBeNull();
      expect(await free(k)).toEqual({ b: 2 });
      expect(await conn.client.hexists(k.used, 'a')).toBe(0);
      expect(await conn.client.zrange(k.res, '0', '-1')).toEqual(['b|s1|j3|1']);
    });

    it("'*' removes whatever epoch is registered (sweeps); a move carries reservations to the new shard", async () => {
      const from = freshShard();
      const to = freshShard();
      await add(from, 'a', { max: 2 }, 9);
      const r = await reserve(from);
      const removed = await shardRemove(runner, from, { nodeId: 'a', epoch: '*', now: T0 });
      if (removed.status !== 'OK') throw new Error(removed.status);
      expect(removed.remainingNodes).toBe(0);
      const moved = await shardUpsert(runner, to, {
        nodeId: 'a',
        epoch: 9,
        record: record({ max: 2, shard: 1 }),
        now: T0,
        carried: removed.reservations,
      });
      expect(moved).toEqual({ status: 'OK', free: 1 });
      expect(await reserveRelease(runner, to, { member: (r as { member: string }).member })).toEqual({
        status: 'OK',
        released: true,
      });
      expect(await free(to)).toEqual({ a: 2 });
    });
  });

  describe('shard-census', () => {
    it('counts ready nodes and their free slots, and lists silent nodes up to the limit', async () => {
      const k = freshShard();
      expect(await shardCensus(runner, k, { silentBefore: T0, limit: 10 })).toEqual({
        ready: 0,
        freeSlots: 0,
        silent: [],
      });
      await add(k, 'a', { max: 3 }, 1, T0 - 100);
      await add(k, 'b', { max: 2 }, 1, T0 - 50);
      await add(k, 'c', { max: 4, status: 'registering' }, 1, T0 - 10);
      await add(k, 'd', { max: 1 }, 1, T0);
      await reserve(k, { affinityNodeId: 'a' });
      await reserve(k, { affinityNodeId: 'd' }); // d is full: still ready, with 0 free slots
      // Ready: a (2 free), b (2), d (0); c is registering. Silent before T0 - 20: a, b, oldest first.
      expect(await shardCensus(runner, k, { silentBefore: T0 - 20, limit: 10 })).toEqual({
        ready: 3,
        freeSlots: 4,
        silent: ['a', 'b'],
      });
      expect((await shardCensus(runner, k, { silentBefore: T0 - 20, limit: 1 })).silent).toEqual(['a']);
      // Strictly older: a heartbeat exactly at the cutoff is not silent.
      expect((await shardCensus(runner, k, { silentBefore: T0 - 50, limit: 10 })).silent).toEqual(['a']);
    });
  });
});
