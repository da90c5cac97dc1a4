import { forEachTopology, freePort, poll, uniquePrefix } from '@lingua/testkit';
import { describe, expect, it } from 'vitest';
import { createRedis, forEachMaster } from './connection.js';
import { connectionForTarget } from './scripts/target-connection.js';

forEachTopology('createRedis', (target) => {
  it('connects lazily on ready(), names the connection, speaks RESP2', async () => {
    const conn = createRedis({
      url: target.url,
      clusterNodes: target.clusterNodes?.map((n) => `${n.host}:${n.port}`),
      name: 'conn-test',
      lazyConnect: true,
    });
    try {
      expect(conn.isCluster).toBe(target.topology === 'cluster');
      expect(conn.client.status).toBe('wait');
      await conn.ready();
      const key = `${uniquePrefix('conn')}:{t}:h`;
      await conn.client.hset(key, 'a', '1');
      // RESP2: a hash reply is a flat array turned into an object by ioredis, never a RESP3 map.
      expect(await conn.client.hgetall(key)).toEqual({ a: '1' });
      const names = await forEachMaster(conn, (node) => node.client('GETNAME'));
      expect(names.every((n) => n === 'conn-test')).toBe(true);
    } finally {
      await conn.quit();
    }
  });

  it('runs on every master: one for standalone, three for the Cluster', async () => {
    const conn = connectionForTarget(target);
    try {
      const stats = await forEachMaster(conn, (node) => node.info('commandstats'));
      expect(stats).toHaveLength(target.topology === 'cluster' ? 3 : 1);
      expect(stats.every((s) => s.includes('# Commandstats'))).toBe(true);
    } finally {
      await conn.quit();
    }
  });

  it('a duplicate is an independent connection that can SSUBSCRIBE while the original SPUBLISHes', async () => {
    const conn = connectionForTarget(target);
    const sub = conn.duplicate('conn-test-sub');
    try {
      const channel = `${uniquePrefix('conn')}:{i:x}:inbox`;
      const got: string[] = [];
      sub.client.on('smessage', (_ch: string, msg: string) => got.push(msg));
      await sub.client.ssubscribe(channel);
      await conn.client.spublish(channel, 'hello');
      await poll(() => got.length > 0, { what: 'sharded message' });
      expect(got).toEqual(['hello']);
    } finally {
      await sub.quit();
      await conn.quit();
    }
  });

  describe('failures', () => {
    it('ready() rejects with CONNECTION when nothing listens', async () => {
      const port = await freePort();
      const conn = createRedis(
        target.topology === 'cluster'
          ? { clusterNodes: [`127.0.0.1:${port}`], lazyConnect: true, onError: () => undefined }
          : { url: `redis://127.0.0.1:${port}`, lazyConnect: true, onError: () => undefined },
      );
      try {
        await expect(conn.ready(300)).rejects.toMatchObject({ code: 'CONNECTION' });
      } finally {
        conn.client.disconnect();
      }
    });
  });
});
