import type { Socket } from 'node:net';
import { forEachTopology, uniquePrefix } from '@lingua/testkit';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachMaster, type RedisConnection } from '../connection.js';
import { StoreError } from '../errors.js';
import { KeySchema } from '../keys.js';
import { nodeRelease } from '../ops/node-release.js';
import { ScriptRunner } from './loader.js';
import { connectionForTarget } from './target-connection.js';

forEachTopology('script loader', (target) => {
  let conn: RedisConnection;
  let runner: ScriptRunner;
  const keys = new KeySchema(uniquePrefix('loader'));

  beforeAll(async () => {
    conn = connectionForTarget(target, 'loader-test');
    runner = new ScriptRunner(conn);
    await runner.load();
  });
  afterAll(async () => {
    await conn.quit();
  });

  it('loads every script on every master', async () => {
    const sha = runner.source('node-release').sha;
    const present = await forEachMaster(conn, (node) => node.call('script', 'exists', sha));
    expect(present.length).toBe(conn.isCluster ? 3 : 1);
    expect(present).toEqual(present.map(() => [1]));
  });

  it('runs a script by EVALSHA and returns its array', async () => {
    const key = keys.node('n-loader-1');
    expect(await nodeRelease(runner, key, { epoch: 1, now: 5, retentionMs: 60_000 })).toEqual({
      status: 'GONE',
    });
    await conn.client.hset(key, 'epoch', '3', 'owner', 'gw-a');
    expect(await nodeRelease(runner, key, { epoch: 2, now: 6, retentionMs: 60_000 })).toEqual({
      status: 'STALE',
      epoch: 3,
    });
    expect(await conn.client.hget(key, 'owner')).toBe('gw-a');
    expect(await nodeRelease(runner, key, { epoch: 3, now: 7, retentionMs: 60_000 })).toEqual({
      status: 'OK',
    });
    expect(await conn.client.hmget(key, 'owner', 'released_at')).toEqual(['', '7']);
  });

  it('falls back to EVAL after SCRIPT FLUSH and reloads every master', async () => {
    const key = keys.node('n-loader-2');
    await conn.client.hset(key, 'epoch', '1', 'owner', 'gw-a');
    await forEachMaster(conn, (node) => node.call('script', 'flush'));
    const outcomes: string[] = [];
    const observed = new ScriptRunner(conn, { observe: (_n, _ms, outcome) => outcomes.push(outcome) });
    expect(await nodeRelease(observed, key, { epoch: 1, now: 9, retentionMs: 60_000 })).toEqual({
      status: 'OK',
    });
    expect(outcomes).toEqual(['noscript']);
    await observed.settled();
    const sha = observed.source('node-release').sha;
    const present = await forEachMaster(conn, (node) => node.call('script', 'exists', sha));
    expect(present).toEqual(present.map(() => [1]));
    await nodeRelease(observed, key, { epoch: 1, now: 10, retentionMs: 60_000 });
    expect(outcomes).toEqual(['noscript', 'ok']);
  });

  it('sends the scripts of one synchronous burst in at most two socket writes per master', async () => {
    const masters: { stream?: Socket }[] = conn.isCluster
      ? (conn.client as Cluster).nodes('master')
      : [conn.client as unknown as { stream?: Socket }];
    const writes = new Map<Socket, number>();
    const restore: (() => void)[] = [];
    for (const m of masters) {
      const socket = m.stream as Socket;
      // A corked socket hands everything buffered to _writev at once; an uncorked one calls _write per command.
      for (const method of ['_write', '_writev'] as const) {
        const original = socket[method] as (...args: unknown[]) => void;
        socket[method] = ((...args: unknown[]) => {
          writes.set(socket, (writes.get(socket) ?? 0) + 1);
          original.apply(socket, args);
        }) as never;
        restore.push(() => (socket[method] = original as never));
      }
    }
    try {
      const ids = Array.from({ length: 12 }, (_, i) => `n-burst-${i}`);
      const replies = await Promise.all(
        ids.map((id) => nodeRelease(runner, keys.node(id), { epoch: 1, now: 1, retentionMs: 60_000 })),
      );
      expect(replies).toEqual(ids.map(() => ({ status: 'GONE' })));
    } finally {
      for (const r of restore) r();
    }
    // Twelve keys spread over the masters: the first script went out at once, the rest of each master's share in one
    // write — not one write per script.
    expect([...writes.values()].every((n) => n <= 2)).toBe(true);
    expect([...writes.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(masters.length + 1);
    expect(writes.size).toBe(conn.isCluster ? 3 : 1);
  });

  it('refuses keys of different hash tags before sending', async () => {
    const err = await runner
      .run('node-release', [keys.node('a'), keys.node('b')], [1, 1])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('CROSSSLOT');
  });

  it('names unknown scripts and script errors by code', async () => {
    await expect(runner.run('no-such-script', [keys.node('x')])).rejects.toMatchObject({
      code: 'UNKNOWN_SCRIPT',
    });
    // node-release compares against a string field; a hash that is really a string key makes HGET fail.
    const wrongType = keys.node('n-loader-wrongtype');
    await conn.client.set(wrongType, 'x');
    await expect(
      nodeRelease(runner, wrongType, { epoch: 1, now: 1, retentionMs: 60_000 }),
    ).rejects.toMatchObject({
      code: 'SCRIPT_ERROR',
    });
  });
});
