import { inspect } from 'node:util';
import { poll, startSecuredTarget, uniquePrefix, type SecuredTarget, type Topology } from '@lingua/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, forEachMaster, type RedisConnectionOptions } from './connection.js';
import { KeySchema } from './keys.js';
import { createMaintenanceQueue, createMaintenanceWorker, enqueueTakeover } from './queues.js';

const SECRET = 's3cret-store-pw';
const topologies: Topology[] = ['standalone', 'cluster'];

describe.each(topologies)('createRedis against an ACL user over TLS (%s)', (topology) => {
  let secured: SecuredTarget;
  beforeAll(async () => {
    secured = await startSecuredTarget(topology, { password: SECRET, tls: true });
  });
  afterAll(() => secured?.stop());

  function options(over: Partial<RedisConnectionOptions> = {}): RedisConnectionOptions {
    const { target } = secured;
    return {
      url: target.url,
      clusterNodes: target.clusterNodes?.map((n) => `${n.host}:${n.port}`),
      username: target.username,
      password: target.password,
      tls: { ca: target.tls?.ca ?? '' },
      lazyConnect: true,
      ...over,
    };
  }

  it('every connection carries the user and TLS: the client on each master, a sharded subscriber duplicate', async () => {
    const conn = createRedis(options({ name: 'auth-main' }));
    const sub = conn.duplicate('auth-sub');
    try {
      await conn.ready();
      const users = await forEachMaster(conn, (node) => node.call('ACL', 'WHOAMI'));
      expect(users).toEqual(Array(topology === 'cluster' ? 3 : 1).fill('lingua'));
      const channel = `${uniquePrefix('auth')}:{i:x}:inbox`;
      const got: string[] = [];
      sub.client.on('smessage', (_ch: string, msg: string) => got.push(msg));
      await sub.client.ssubscribe(channel);
      await conn.client.spublish(channel, 'over-tls');
      await poll(() => got.length > 0, { what: 'sharded message' });
      expect(got).toEqual(['over-tls']);
    } finally {
      await sub.quit();
      await conn.quit();
    }
  });

  it("BullMQ's queue and blocking worker connections get in too", async () => {
    const conn = createRedis(options({ name: 'auth-bull' }));
    const keys = new KeySchema(uniquePrefix('auth-bull'));
    const taken: string[] = [];
    const queue = await createMaintenanceQueue(conn, keys, { sweepEveryMs: 60_000 });
    const worker = createMaintenanceWorker(conn, keys, {
      sweep: async () => {},
      takeover: async (id) => void taken.push(id),
    });
    try {
      await enqueueTakeover(queue, 'gw-gone', Date.now());
      await poll(() => taken.length > 0, { timeoutMs: 10_000, what: 'takeover job processed' });
      expect(taken).toEqual(['gw-gone']);
    } finally {
      await worker.close();
      await queue.close();
      await conn.quit();
    }
  });

  it('a wrong password fails ready() at once with AUTH, and no error handed out shows the password', async () => {
    const wrong = `${SECRET}-wrong`;
    const seen: Error[] = [];
    const conn = createRedis(options({ name: 'auth-wrong', password: wrong, onError: (e) => seen.push(e) }));
    // A Cluster reports each node's failure as a 'node error' first.
    conn.client.on('node error', (e: Error) => seen.push(e));
    // Queued before the handshake: standalone rejects it with the very error of the failed AUTH; a Cluster
    // keeps it until the client is closed.
    const early = conn.client.get('k').then(
      () => undefined,
      (err: unknown) => err,
    );
    let rejected: unknown;
    let err: unknown;
    const started = Date.now();
    try {
      err = await conn.ready(8_000).then(
        () => undefined,
        (e: unknown) => e,
      );
    } finally {
      await conn.quit();
      rejected = await early;
    }
    expect(err).toMatchObject({ code: 'AUTH', name: 'StoreError' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((err as Error).message).toMatch(/WRONGPASS/);
    expect(rejected).toBeInstanceOf(Error);
    expect(seen.length).toBeGreaterThan(0);
    for (const e of [err, rejected, ...seen]) {
      const shown = `${inspect(e, { depth: 6 })} ${JSON.stringify(e)}`;
      expect(shown).not.toContain(wrong);
    }
  });

  it('an untrusted server certificate fails ready() at once with TLS', async () => {
    // No CA given: the system's trusted CAs do not know the kit's throwaway CA.
    const conn = createRedis(options({ name: 'auth-untrusted', tls: {}, onError: () => undefined }));
    try {
      await expect(conn.ready(8_000)).rejects.toMatchObject({ code: 'TLS' });
    } finally {
      await conn.quit();
    }
  });
});

describe('standalone URL credentials and the TLS server name', () => {
  let secured: SecuredTarget;
  beforeAll(async () => {
    secured = await startSecuredTarget('standalone', { password: SECRET, tls: true });
  });
  afterAll(() => secured?.stop());

  const address = (): string => (secured.target.url ?? '').replace(/^rediss:\/\//, '');

  it('takes the user and password from a rediss:// URL', async () => {
    const conn = createRedis({
      url: `rediss://lingua:${encodeURIComponent(SECRET)}@${address()}`,
      tls: { ca: secured.target.tls?.ca ?? '' },
      lazyConnect: true,
    });
    try {
      await conn.ready();
      expect(await conn.client.call('ACL', 'WHOAMI')).toBe('lingua');
    } finally {
      await conn.quit();
    }
  });

  it('explicit credentials win over the URL', async () => {
    const conn = createRedis({
      url: `rediss://nobody:wrong@${address()}`,
      username: 'lingua',
      password: SECRET,
      tls: { ca: secured.target.tls?.ca ?? '' },
      lazyConnect: true,
    });
    try {
      await conn.ready();
      expect(await conn.client.call('ACL', 'WHOAMI')).toBe('lingua');
    } finally {
      await conn.quit();
    }
  });

  it('checks the certificate against servername when given', async () => {
    const base = {
      url: secured.target.url,
      username: 'lingua',
      password: SECRET,
      lazyConnect: true,
      onError: () => undefined,
    };
    const ca = secured.target.tls?.ca ?? '';
    const wrongName = createRedis({ ...base, tls: { ca, servername: 'redis.example.com' } });
    const rightName = createRedis({ ...base, tls: { ca, servername: 'localhost' } });
    try {
      await expect(wrongName.ready(8_000)).rejects.toMatchObject({ code: 'TLS' });
      await rightName.ready();
      expect(await rightName.client.ping()).toBe('PONG');
    } finally {
      await wrongName.quit();
      await rightName.quit();
    }
  });

  it('a malformed URL is refused without showing its password', () => {
    expect(() => createRedis({ url: `redis://u:${SECRET}@[bad` })).toThrow(/redis:\/\/u:\*\*\*@\[bad/);
    try {
      createRedis({ url: `redis://u:${SECRET}@[bad` });
    } catch (err) {
      expect(inspect(err)).not.toContain(SECRET);
    }
  });
});
