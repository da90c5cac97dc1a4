import { forEachTopology, uniquePrefix } from '@lingua/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RedisConnection } from '../connection.js';
import { KeySchema } from '../keys.js';
import { connectionForTarget } from '../scripts/target-connection.js';
import {
  addOwnedNode,
  addOwnedSession,
  listOwned,
  removeOwnedNode,
  removeOwnedSession,
} from './instance-ownership.js';
import {
  deletePresence,
  forgetInstance,
  hasPresence,
  listInstances,
  readInstanceFigures,
  writePresence,
} from './instance-registry.js';

forEachTopology('instance ownership and registry', (target) => {
  let conn: RedisConnection;
  const keys = new KeySchema(uniquePrefix('instance'));

  beforeAll(() => {
    conn = connectionForTarget(target, 'instance-test');
  });
  afterAll(() => conn.quit());

  it('adds, removes and lists owned nodes and sessions', async () => {
    const ik = keys.instance('gw-own');
    expect(await listOwned(conn, ik)).toEqual({ nodes: [], sessions: [] });
    await addOwnedNode(conn, ik, 'n1');
    await addOwnedNode(conn, ik, 'n2');
    await addOwnedNode(conn, ik, 'n1');
    await addOwnedSession(conn, ik, 's1');
    await removeOwnedNode(conn, ik, 'n2');
    await removeOwnedSession(conn, ik, 'not-there');
    expect(await listOwned(conn, ik)).toEqual({ nodes: ['n1'], sessions: ['s1'] });
    await removeOwnedSession(conn, ik, 's1');
    expect((await listOwned(conn, ik)).sessions).toEqual([]);
  });

  it('writes presence with a TTL, returns the value it replaced, and lists the instance', async () => {
    const ik = keys.instance('gw-p');
    expect(await hasPresence(conn, ik)).toBe(false);
    expect(
      await writePresence(conn, keys, { instanceId: 'gw-p', value: '{"n":1}', ttlMs: 60_000, now: 100 }),
    ).toBe(null);
    expect(
      await writePresence(conn, keys, { instanceId: 'gw-p', value: '{"n":2}', ttlMs: 60_000, now: 200 }),
    ).toBe('{"n":1}');
    expect(await hasPresence(conn, ik)).toBe(true);
    const pttl = await conn.client.pttl(ik.alive);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
    expect(await listInstances(conn, keys.index())).toContainEqual({ id: 'gw-p', lastSeen: 200 });
    await deletePresence(conn, ik);
    expect(await hasPresence(conn, ik)).toBe(false);
    // Still listed: the registry is what a sweep compares presence with.
    expect((await listInstances(conn, keys.index())).map((l) => l.id)).toContain('gw-p');
  });

  it('reads what an instance slot says about it in one go', async () => {
    const ik = keys.instance('gw-f');
    expect(await readInstanceFigures(conn, ik)).toEqual({ alive: null, nodes: 0, sessions: 0, published: 0 });
    await writePresence(conn, keys, { instanceId: 'gw-f', value: '{"started_at":5}', ttlMs: 60_000, now: 1 });
    await addOwnedNode(conn, ik, 'n1');
    await addOwnedSession(conn, ik, 's1');
    await addOwnedSession(conn, ik, 's2');
    await conn.client.set(ik.seq, 17);
    expect(await readInstanceFigures(conn, ik)).toEqual({
      alive: '{"started_at":5}',
      nodes: 1,
      sessions: 2,
      published: 17,
    });
  });

  it('forgets an instance: inbox keys and ownership lists go, and it leaves the registry', async () => {
    const ik = keys.instance('gw-dead');
    await writePresence(conn, keys, { instanceId: 'gw-dead', value: '{}', ttlMs: 60_000, now: 1 });
    await deletePresence(conn, ik);
    await addOwnedNode(conn, ik, 'n1');
    await addOwnedSession(conn, ik, 's1');
    await conn.client.set(ik.seq, 3);
    await conn.client.xadd(ik.log, '*', 'm', 'x');
    await forgetInstance(conn, keys, 'gw-dead');
    expect(await conn.client.exists(ik.seq, ik.log, ik.nodes, ik.sessions)).toBe(0);
    expect((await listInstances(conn, keys.index())).map((l) => l.id)).not.toContain('gw-dead');
  });
});
