import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRaw } from './connect.js';
import { killPubSubClients, pauseClients } from './faults.js';
import { findKitProcesses, pidAlive } from './kit-processes.js';
import { poll } from './poll.js';
import { startRedisCluster, type RedisClusterHandle } from './redis-cluster.js';
import { startRedisServer, type RedisServerHandle } from './redis-server.js';
import type { RedisTarget } from './redis-target.js';
import { kitRoot } from './tracked-process.js';

// Fault injection needs private servers: the shared ones serve other test files concurrently.

describe('startRedisServer', () => {
  let server: RedisServerHandle;
  afterAll(() => server?.stop());

  it('starts, dies with kill9 and comes back empty on restart', async () => {
    server = await startRedisServer();
    expect(findKitProcesses(kitRoot()).map((p) => p.pid)).toContain(server.pid);
    const client = new Redis(server.url, {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    await client.connect();
    await client.set('k', 'v');
    const firstPid = server.pid;
    const closed = new Promise((resolve) => client.once('end', resolve));

    await server.kill9();
    expect(server.running).toBe(false);
    expect(pidAlive(firstPid)).toBe(false);
    await closed;

    await server.restart();
    expect(server.pid).not.toBe(firstPid);
    const again = new Redis(server.url, { lazyConnect: true });
    await again.connect();
    // No persistence (save '' / appendonly no): a restart is an empty server.
    expect(await again.get('k')).toBeNull();
    again.disconnect();
    client.disconnect();
  });
});

describe('fault injectors', () => {
  let standalone: RedisServerHandle;
  let cluster: RedisClusterHandle;
  const targets: RedisTarget[] = [];
  afterAll(async () => {
    await Promise.all([standalone?.stop(), cluster?.stop()]);
  });

  it('start a private standalone server and a Cluster with replicas', async () => {
    [standalone, cluster] = await Promise.all([
      startRedisServer(),
      startRedisCluster({ masters: 3, replicas: 1, clusterNodeTimeoutMs: 1_000 }),
    ]);
    targets.push(
      { topology: 'standalone', url: standalone.url },
      { topology: 'cluster', clusterNodes: cluster.nodes },
    );
    expect(cluster.nodes).toHaveLength(6);
    const replica = new Redis(cluster.replicas[0]?.port ?? 0, '127.0.0.1', { lazyConnect: true });
    await replica.connect();
    expect(await replica.info('replication')).toContain('role:slave');
    replica.disconnect();
  });

  it('killPubSubClients drops sharded subscribers on every topology', async () => {
    for (const target of targets) {
      const subscriber = connectRaw(target);
      const channel = `kill:{i:${target.topology}}:inbox`;
      await subscriber.ssubscribe(channel);
      const killed = await killPubSubClients(target);
      expect(killed, target.topology).toBeGreaterThanOrEqual(1);
      // ioredis reconnects and resubscribes; the message must flow again afterwards.
      const publisher = connectRaw(target);
      const got = new Promise<string>((resolve) =>
        subscriber.on('smessage', (_ch: string, msg: string) => resolve(msg)),
      );
      await poll(async () => Number(await publisher.spublish(channel, 'back')) >= 1, {
        what: `${target.topology} resubscribe`,
      });
      expect(await got).toBe('back');
    }
  });

  it('pauseClients stalls commands for the given time on every node', async () => {
    for (const target of targets) {
      const client = connectRaw(target);
      await client.ping();
      await pauseClients(target, 400);
      const started = Date.now();
      await client.set(`pause:{${target.topology}}`, '1');
      expect(Date.now() - started, target.topology).toBeGreaterThanOrEqual(300);
    }
  });

  it('failover() kills a master and returns once its replica has taken over', async () => {
    const target = targets[1];
    if (target === undefined) throw new Error('cluster target missing');
    const client = connectRaw(target);
    await client.set('before:{failover}', '1');
    // The replica of the master that owns slot 0 is promoted; the Cluster answers again afterwards.
    const { killed, promoted } = await cluster.failover(0);
    expect(killed.running).toBe(false);
    const direct = new Redis(promoted.port, '127.0.0.1');
    try {
      expect(((await direct.call('ROLE')) as unknown[])[0]).toBe('master');
    } finally {
      direct.disconnect();
    }
    await poll(async () => (await client.set('after:{failover}', '1')) === 'OK', {
      what: 'write after failover',
    });
  });
});
