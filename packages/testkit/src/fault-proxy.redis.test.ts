import { connect, type Socket } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRaw } from './connect.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { poll } from './poll.js';
import { startProxiedRedis, type ProxiedRedis } from './proxied-redis.js';
import { targetAddresses } from './redis-target.js';
import { forEachTopology, redisTargets } from './targets.js';
import { uniquePrefix } from './unique-prefix.js';

// The proxies front the shared servers: faults only touch connections made through a proxy.

/** A standalone client through `proxy` that reconnects quickly and reports errors to nobody. */
function clientVia(proxy: FaultProxy, options: { name?: string; commandTimeout?: number } = {}): Redis {
  const client = new Redis(proxy.port, proxy.host, {
    protocol: 2,
    connectionName: options.name ?? 'proxy-test',
    maxRetriesPerRequest: 1,
    retryStrategy: () => 20,
    ...(options.commandTimeout === undefined ? {} : { commandTimeout: options.commandTimeout }),
  });
  client.on('error', () => undefined);
  return client;
}

/** Sends raw RESP through `proxy` and collects what comes back. */
async function rawSocket(proxy: FaultProxy): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(proxy.port, proxy.host);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, received: () => text };
}

/** One command as a RESP array of bulk strings. */
function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

// Absent (not skipped) when REDIS_CLUSTER_NODES alone selects an external Cluster.
for (const standalone of redisTargets().filter((t) => t.topology === 'standalone')) {
  describe('fault proxy', () => {
    const server = targetAddresses(standalone)[0] ?? { host: '', port: 0 };
    const clients: Redis[] = [];
    const proxies: FaultProxy[] = [];
    const via = async (): Promise<FaultProxy> => {
      const proxy = await startFaultProxy(server);
      proxies.push(proxy);
      return proxy;
    };
    const track = (client: Redis): Redis => {
      clients.push(client);
      return client;
    };
    afterAll(async () => {
      for (const c of clients) c.disconnect();
      await Promise.all(proxies.map((p) => p.close()));
    });

    it('forwards PING, SET/GET, EVAL and pub/sub unchanged', async () => {
      const proxy = await via();
      const client = track(clientVia(proxy));
      const subscriber = track(clientVia(proxy, { name: 'proxy-sub' }));
      const key = `${uniquePrefix('fwd')}:{k}`;
      expect(await client.ping()).toBe('PONG');
      expect(await client.set(key, 'v\r\nwith crlf')).toBe('OK');
      expect(await client.get(key)).toBe('v\r\nwith crlf');
      expect(await client.eval('return {1, "two", {ARGV[1]}, false}', 0, 'x')).toEqual([
        1,
        'two',
        ['x'],
        null,
      ]);
      const got: string[] = [];
      subscriber.on('message', (_ch: string, msg: string) => got.push(msg));
      subscriber.on('smessage', (_ch: string, msg: string) => got.push(`s:${msg}`));
      await subscriber.subscribe(`${key}:ch`);
      await subscriber.ssubscribe(`${key}:sch`);
      await client.publish(`${key}:ch`, 'hello');
      await client.spublish(`${key}:sch`, 'there');
      await poll(() => got.length === 2, { what: 'both messages' });
      expect(got).toEqual(['hello', 's:there']);
      const stats = proxy.stats();
      expect(stats.connectionsAccepted).toBe(2);
      expect(stats.repliesDropped).toBe(0);
      expect(stats.repliesForwarded).toBeGreaterThanOrEqual(10);
      expect(
        proxy
          .connections()
          .map((c) => c.name)
          .sort(),
      ).toEqual(['proxy-sub', 'proxy-test']);
    });

    it('dropReplies(2) swallows exactly two whole replies of a pipeline', async () => {
      const proxy = await via();
      const { socket, received } = await rawSocket(proxy);
      try {
        const key = `${uniquePrefix('drop')}:{k}`;
        proxy.dropReplies(2);
        // A nested array reply, a bulk string, a null, an integer: the two first are dropped.
        socket.write(
          resp('EVAL', "redis.call('INCR', KEYS[1]); return {1, {'a', 'b'}}", '1', `${key}:n`) +
            resp('ECHO', 'a\r\nb') +
            resp('GET', key) +
            resp('INCR', `${key}:n`),
        );
        await poll(() => received().endsWith(':2\r\n'), { what: 'last reply' });
        expect(received()).toBe('$-1\r\n:2\r\n');
        expect(proxy.stats()).toMatchObject({ repliesDropped: 2, dropsPending: 0, commandsSeen: 4 });
        // The dropped EVAL ran all the same: the last INCR counted 2.
        expect(await connectRaw(standalone).get(`${key}:n`)).toBe('2');
      } finally {
        socket.destroy();
      }
    });

    it('dropReplies with a name filter touches only that client', async () => {
      const proxy = await via();
      const victim = track(clientVia(proxy, { name: 'victim', commandTimeout: 300 }));
      const bystander = track(clientVia(proxy, { name: 'bystander', commandTimeout: 300 }));
      await Promise.all([victim.ping(), bystander.ping()]);
      proxy.dropReplies(1, { name: 'victim' });
      expect(await bystander.ping()).toBe('PONG');
      await expect(victim.ping()).rejects.toThrow(/timed out/);
      expect(proxy.stats().repliesDropped).toBe(1);
    });

    it('reset() closes every connection with a reset; the client sees the close and reconnects', async () => {
      const proxy = await via();
      const client = track(clientVia(proxy));
      await client.ping();
      const closed = new Promise((resolve) => client.once('close', resolve));
      const errors: Error[] = [];
      client.on('error', (err: Error) => errors.push(err));
      expect(proxy.reset()).toBe(1);
      await closed;
      expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toContain('ECONNRESET');
      await poll(() => client.status === 'ready', { what: 'reconnect' });
      expect(await client.ping()).toBe('PONG');
      expect(proxy.stats().connectionsAccepted).toBe(2);
    });

    it('blackhole makes a command time out and recovers after switching off', async () => {
      const proxy = await via();
      const client = track(clientVia(proxy, { commandTimeout: 200 }));
      const key = `${uniquePrefix('hole')}:{k}`;
      await client.ping();
      proxy.blackhole(true);
      await expect(client.set(key, 'held')).rejects.toThrow(/timed out/);
      // A new connection is accepted but gets nowhere either.
      const late = track(clientVia(proxy, { commandTimeout: 200 }));
      await expect(late.ping()).rejects.toThrow(/timed out|Reached the max retries/);
      expect(proxy.stats().connectionsAccepted).toBe(2);
      proxy.blackhole(false);
      // What was held is delivered: the SET lands and its late reply answers the timed-out command.
      await poll(async () => (await client.get(key)) === 'held', { what: 'recovery' });
      await poll(async () => (await late.ping()) === 'PONG', { what: 'late client recovery' });
    });

    it('delay(ms) adds at least ms to a round trip; delay(0) ends it', async () => {
      const proxy = await via();
      const client = track(clientVia(proxy));
      await client.ping();
      proxy.delay(150);
      const started = performance.now();
      await client.ping();
      expect(performance.now() - started).toBeGreaterThanOrEqual(150);
      proxy.delay(0);
      expect(await client.ping()).toBe('PONG');
    });

    it('a client that quits leaves no connection open on either side', async () => {
      const proxy = await via();
      const client = clientVia(proxy);
      await client.ping();
      expect(proxy.stats().connectionsOpen).toBe(1);
      await client.quit();
      await poll(() => proxy.stats().connectionsOpen === 0, { what: 'both sides closed' });
    });

    it('close() ends every connection and stops listening', async () => {
      const proxy = await via();
      const client = track(clientVia(proxy));
      await client.ping();
      const closed = new Promise((resolve) => client.once('close', resolve));
      await proxy.close();
      await closed;
      expect(proxy.stats().connectionsOpen).toBe(0);
      const refused = connect(proxy.port, proxy.host);
      const err = await new Promise<NodeJS.ErrnoException>((resolve) => refused.once('error', resolve));
      expect(err.code).toBe('ECONNREFUSED');
    });
  });
}

forEachTopology('startProxiedRedis', (target) => {
  let proxied: ProxiedRedis;
  let client: Redis | Cluster;
  afterAll(async () => {
    client?.disconnect();
    await proxied?.close();
  });

  it('reaches every node only through its proxy', async () => {
    proxied = await startProxiedRedis(target);
    const seeds = proxied.target.clusterNodes;
    client =
      target.topology === 'cluster'
        ? new Cluster(seeds ?? [], {
            natMap: proxied.natMap,
            shardedSubscribers: true,
            redisOptions: {
              protocol: 2,
              connectionName: 'proxied',
              commandTimeout: 300,
              maxRetriesPerRequest: 1,
            },
          })
        : new Redis(proxied.target.url ?? '', {
            protocol: 2,
            connectionName: 'proxied',
            commandTimeout: 300,
          });
    client.on('error', () => undefined);
    const p = uniquePrefix('each');
    // Keys spread over all slots reach every master.
    for (let i = 0; i < 30; i++) await client.set(`${p}:{${i}}`, String(i));
    if (client instanceof Cluster) {
      const masters = client.nodes('master');
      expect(masters).toHaveLength(3);
      const proxyPorts = new Set(proxied.proxies.map((x) => x.port));
      // Every node connection of the client is a proxy's, none is a server's.
      expect(masters.every((m) => proxyPorts.has(m.options.port ?? 0))).toBe(true);
      for (const m of masters) {
        const proxy = proxied.proxies.find((x) => x.port === m.options.port);
        expect(proxy?.stats().connectionsAccepted).toBeGreaterThan(0);
      }
    } else {
      expect(proxied.proxies[0]?.stats().connectionsAccepted).toBeGreaterThan(0);
    }
  });

  it('a fault on one node’s proxy affects only the keys of that node’s slots', async () => {
    const p = uniquePrefix('one');
    const keys = Array.from({ length: 12 }, (_, i) => `${p}:{${i}}`);
    const owner = await proxied.proxyForKey(keys[0] ?? '');
    const owners = await Promise.all(keys.map((k) => proxied.proxyForKey(k)));
    owner.blackhole(true);
    try {
      const results = await Promise.allSettled(keys.map((k) => client.set(k, '1')));
      results.forEach((r, i) => {
        expect(r.status, keys[i]).toBe(owners[i] === owner ? 'rejected' : 'fulfilled');
      });
      if (target.topology === 'cluster') expect(owners.some((o) => o !== owner)).toBe(true);
    } finally {
      owner.blackhole(false);
    }
    await poll(async () => (await client.get(keys[0] ?? '')) === '1', { what: 'recovery' });
  });

  it('all.reset() resets the connections of every proxy', async () => {
    const before = proxied.proxies.map((x) => x.stats().connectionsAccepted);
    expect(proxied.all.reset()).toBeGreaterThanOrEqual(proxied.target.topology === 'cluster' ? 3 : 1);
    await poll(async () => (await client.ping()) === 'PONG', { what: 'reconnect' });
    const p = uniquePrefix('after');
    for (let i = 0; i < 30; i++) await client.set(`${p}:{${i}}`, '1');
    const after = proxied.proxies.map((x) => x.stats().connectionsAccepted);
    // Every proxy that had a connection accepted a new one.
    before.forEach((n, i) => {
      if (n > 0) expect(after[i] ?? 0, `proxy ${i}`).toBeGreaterThan(n);
    });
  });
});
