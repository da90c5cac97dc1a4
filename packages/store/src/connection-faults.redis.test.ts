import {
  connectRaw,
  forEachTopology,
  poll,
  startProxiedRedis,
  uniquePrefix,
  type ProxiedRedis,
} from '@lingua/testkit';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createRedis,
  forEachMaster,
  type RedisConnection,
  type RedisConnectionOptions,
} from './connection.js';

/** The Cluster retries a command whose connection closed after this long (`retryDelayOnFailover`). */
const CLUSTER_RETRY_DELAY_MS = 200;

forEachTopology('createRedis behind a lossy connection', (target) => {
  let proxied: ProxiedRedis;
  const direct = connectRaw(target);
  const open: RedisConnection[] = [];
  beforeAll(async () => {
    proxied = await startProxiedRedis(target);
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.quit()));
    await proxied?.close();
  });

  const connect = (opts: RedisConnectionOptions): RedisConnection => {
    const conn = createRedis({
      url: proxied.target.url,
      clusterNodes: proxied.target.clusterNodes?.map((n) => `${n.host}:${n.port}`),
      natMap: proxied.natMap,
      onError: () => undefined,
      ...opts,
    });
    open.push(conn);
    return conn;
  };

  /**
   * INCR whose reply is lost, then the connection resets: the client times out, reconnects, and
   * either sends the INCR again or not. Returns the counter once the client answers again.
   */
  async function incrWithLostReply(resendUnfulfilled: boolean): Promise<string | null> {
    const name = `lost-reply-${resendUnfulfilled}`;
    const conn = connect({ name, commandTimeoutMs: 300, resendUnfulfilled });
    const key = `${uniquePrefix('once')}:{k}`;
    // Through the node that owns the key, so the handshake is over before a reply is dropped.
    expect(await conn.client.get(key)).toBeNull();
    const proxy = await proxied.proxyForKey(key);
    proxy.dropReplies(1, { name });

    await expect(conn.client.incr(key)).rejects.toThrow(/Command timed out/);
    // The command ran on the server exactly once; only its reply is gone.
    expect(await direct.get(key)).toBe('1');
    expect(proxy.stats().repliesDropped).toBeGreaterThanOrEqual(1);

    const client = conn.client;
    const socketOwner =
      client instanceof Cluster ? client.nodes('master').find((n) => n.options.port === proxy.port) : client;
    if (socketOwner === undefined) throw new Error(`no connection through ${proxy.address}`);
    const closed = new Promise((resolve) => socketOwner.once('close', resolve));
    expect(proxy.reset({ name })).toBeGreaterThanOrEqual(1);
    await closed;
    // A command through the same client after the reconnect: a standalone client re-sends before
    // anything queued, so by its reply a re-send has happened; a Cluster retries after its delay.
    await poll(async () => (await conn.client.get(key)) !== undefined, { what: 'client answers again' });
    if (conn.isCluster && !resendUnfulfilled) await staysUnchanged(key, 3 * CLUSTER_RETRY_DELAY_MS);
    return conn.isCluster && resendUnfulfilled
      ? poll(async () => ((await direct.get(key)) === '2' ? '2' : false), {
          what: 're-send',
          timeoutMs: 3_000,
        })
      : direct.get(key);
  }

  /** Watches `key` for `ms` (absence of a delayed re-send can only be shown over a window) and fails if it changes. */
  async function staysUnchanged(key: string, ms: number): Promise<void> {
    const before = await direct.get(key);
    const until = Date.now() + ms;
    let last = before;
    await poll(
      async () => {
        last = await direct.get(key);
        return last !== before || Date.now() >= until;
      },
      { what: `${key} to change or ${ms} ms to pass`, timeoutMs: ms + 5_000 },
    );
    expect(last).toBe(before);
  }

  it('with natMap, every master is reached through its proxy', async () => {
    const conn = connect({ name: 'nat-map' });
    const ports = await forEachMaster(conn, async (node) => node.options.port);
    expect(ports).toHaveLength(target.topology === 'cluster' ? 3 : 1);
    const proxyPorts = proxied.proxies.map((p) => p.port);
    expect(ports.every((port) => proxyPorts.includes(port ?? 0))).toBe(true);
  });

  it('resendUnfulfilled: false — a command whose reply was lost times out and is never sent again', async () => {
    expect(await incrWithLostReply(false)).toBe('1');
  });

  it('resendUnfulfilled: true (the ioredis default) — the same command runs a second time', async () => {
    expect(await incrWithLostReply(true)).toBe('2');
  });
});
