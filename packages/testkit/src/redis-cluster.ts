import { Redis } from 'ioredis';
import { TestkitError } from './errors.js';
import { poll } from './poll.js';
import { startRedisServer, type RedisServerHandle, type RedisServerOptions } from './redis-server.js';
import { securityOptions, type RedisSecurity } from './redis-target.js';

export interface RedisClusterOptions {
  masters?: number;
  replicas?: number;
  clusterNodeTimeoutMs?: number;
  readyTimeoutMs?: number;
  /** Every node requires this ACL user (see `RedisServerOptions.auth`). */
  auth?: RedisServerOptions['auth'];
  /** Every node, the cluster bus and replication speak TLS only (see `RedisServerOptions.tls`). */
  tls?: RedisServerOptions['tls'];
}

export interface ClusterNodeAddress {
  host: string;
  port: number;
}

export interface RedisClusterHandle {
  /** Every node, masters first, then replicas (ordered by the master they follow). */
  readonly nodes: ClusterNodeAddress[];
  /** What a client needs to get in (empty for an open Cluster). */
  readonly security: RedisSecurity;
  readonly masters: RedisServerHandle[];
  readonly replicas: RedisServerHandle[];
  readonly servers: RedisServerHandle[];
  stop(): Promise<void>;
  /** Resolves once every running node reports cluster_state:ok. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Cluster failover as a fault: kill -9 the master at `masterIndex`, wait until one of its
   * replicas has taken over and the Cluster is healthy again. Needs `replicas >= 1`.
   */
  failover(
    masterIndex?: number,
    timeoutMs?: number,
  ): Promise<{ killed: RedisServerHandle; promoted: RedisServerHandle }>;
}

const SLOTS = 16_384;

function admin(server: RedisServerHandle): Redis {
  return new Redis({
    ...securityOptions(server.security),
    host: server.host,
    port: server.port,
    maxRetriesPerRequest: 2,
    retryStrategy: () => null,
    lazyConnect: false,
  });
}

async function role(server: RedisServerHandle): Promise<string | undefined> {
  const client = admin(server);
  try {
    const info = (await client.info('replication')) as string;
    return /^role:(\w+)/m.exec(info)?.[1];
  } finally {
    client.disconnect();
  }
}

/** Running servers that replicate `master` right now (by INFO replication, not by start order). */
async function replicasOf(
  master: RedisServerHandle,
  servers: RedisServerHandle[],
): Promise<RedisServerHandle[]> {
  const found: RedisServerHandle[] = [];
  for (const server of servers) {
    if (server === master || !server.running) continue;
    const client = admin(server);
    try {
      const info = (await client.info('replication')) as string;
      if (info.includes('role:slave') && new RegExp(`^master_port:${master.port}\\r?$`, 'm').test(info)) {
        found.push(server);
      }
    } finally {
      client.disconnect();
    }
  }
  return found;
}

/** Splits 0..16383 into `n` contiguous ranges, like `redis-cli --cluster create` does. */
export function slotRanges(n: number): [number, number][] {
  const ranges: [number, number][] = [];
  const per = SLOTS / n;
  for (let i = 0; i < n; i++) {
    ranges.push([Math.round(per * i), Math.round(per * (i + 1)) - 1]);
  }
  return ranges;
}

async function clusterInfo(client: Redis): Promise<Map<string, string>> {
  const text = (await client.call('CLUSTER', 'INFO')) as string;
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const [key, value] = line.split(':');
    if (key !== undefined && value !== undefined) fields.set(key, value);
  }
  return fields;
}

async function waitAllOk(servers: RedisServerHandle[], knownNodes: number, timeoutMs: number): Promise<void> {
  await Promise.all(
    servers.map(async (server) => {
      const client = admin(server);
      try {
        await poll(
          async () => {
            const info = await clusterInfo(client);
            return (
              info.get('cluster_state') === 'ok' &&
              info.get('cluster_slots_ok') === String(SLOTS) &&
              info.get('cluster_known_nodes') === String(knownNodes)
            );
          },
          { timeoutMs, intervalMs: 100, what: `cluster_state:ok on ${server.host}:${server.port}` },
        );
      } finally {
        client.disconnect();
      }
    }),
  );
}

/**
 * A private Redis Cluster on loopback: `masters` masters owning all slots, each with `replicas`
 * replicas. Assembled with CLUSTER ADDSLOTSRANGE / MEET / REPLICATE (no redis-cli needed) and
 * returned only once every node reports cluster_state:ok.
 */
export async function startRedisCluster(opts: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const masterCount = opts.masters ?? 3;
  const replicasPer = opts.replicas ?? 0;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const serverOpts: RedisServerOptions = {
    cluster: true,
    clusterNodeTimeoutMs: opts.clusterNodeTimeoutMs ?? 2_000,
    ...(opts.auth === undefined ? {} : { auth: opts.auth }),
    ...(opts.tls === undefined ? {} : { tls: opts.tls }),
  };
  const total = masterCount * (1 + replicasPer);
  const settled = await Promise.allSettled(Array.from({ length: total }, () => startRedisServer(serverOpts)));
  const servers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(servers.map((s) => s.stop()));
    throw failed.reason;
  }
  const masters = servers.slice(0, masterCount);
  const replicas = servers.slice(masterCount);
  const handle: RedisClusterHandle = {
    nodes: servers.map((s) => ({ host: s.host, port: s.port })),
    security: servers[0]?.security ?? {},
    masters,
    replicas,
    servers,
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
    waitHealthy: (timeoutMs = readyTimeoutMs) =>
      waitAllOk(
        servers.filter((s) => s.running),
        servers.length,
        timeoutMs,
      ),
    async failover(masterIndex = 0, timeoutMs = readyTimeoutMs) {
      const killed = masters[masterIndex];
      if (killed === undefined) throw new TestkitError('CLUSTER_NOT_READY', `no master #${masterIndex}`);
      if (masters.length < 3) {
        // The surviving masters must be a majority to elect the replica.
        throw new TestkitError('CLUSTER_NOT_READY', 'failover needs at least 3 masters');
      }
      const followers = await replicasOf(killed, servers);
      if (followers.length === 0) {
        throw new TestkitError('CLUSTER_NOT_READY', `master ${killed.port} has no replica to fail over to`);
      }
      await killed.kill9();
      const promoted = await poll(
        async () => {
          for (const replica of followers) {
            if ((await role(replica)) === 'master') return replica;
          }
          return undefined;
        },
        { timeoutMs, intervalMs: 100, what: `a replica of ${killed.port} to take over` },
      );
      await handle.waitHealthy(timeoutMs);
      return { killed, promoted };
    },
  };
  try {
    await assemble(masters, replicas, replicasPer, readyTimeoutMs);
    await waitAllOk(servers, servers.length, readyTimeoutMs);
  } catch (err) {
    await handle.stop();
    throw err instanceof TestkitError
      ? err
      : new TestkitError('CLUSTER_NOT_READY', String(err), { cause: err });
  }
  return handle;
}

async function assemble(
  masters: RedisServerHandle[],
  replicas: RedisServerHandle[],
  replicasPer: number,
  timeoutMs: number,
): Promise<void> {
  const all = [...masters, ...replicas];
  const clients = all.map(admin);
  try {
    const ranges = slotRanges(masters.length);
    await Promise.all(
      masters.map((_, i) => {
        const [from, to] = ranges[i] ?? [0, -1];
        return clients[i]?.call('CLUSTER', 'ADDSLOTSRANGE', from, to);
      }),
    );
    const first = clients[0];
    if (first === undefined) throw new TestkitError('CLUSTER_NOT_READY', 'no nodes');
    for (const server of all.slice(1)) {
      // cluster-port is not port + 10000 here, so MEET must name the bus port.
      await first.call(
        'CLUSTER',
        'MEET',
        server.host,
        server.port,
        server.clusterPort ?? server.port + 10_000,
      );
    }
    const ids = await Promise.all(clients.map((c) => c.call('CLUSTER', 'MYID') as Promise<string>));
    // A node can only replicate a master it already knows about, so wait for gossip first.
    await Promise.all(
      clients.map((client, i) =>
        poll(
          async () => {
            const info = await clusterInfo(client);
            return info.get('cluster_known_nodes') === String(all.length);
          },
          { timeoutMs, intervalMs: 100, what: `node ${all[i]?.port} to see all peers` },
        ),
      ),
    );
    await Promise.all(
      clients.slice(masters.length).map((client, r) => {
        const masterId = ids[Math.floor(r / replicasPer)];
        return client.call('CLUSTER', 'REPLICATE', masterId ?? '');
      }),
    );
    await Promise.all(
      clients.slice(masters.length).map((client, r) =>
        poll(async () => ((await client.info('replication')) as string).includes('master_link_status:up'), {
          timeoutMs,
          intervalMs: 100,
          what: `replica ${replicas[r]?.port} to sync`,
        }),
      ),
    );
  } finally {
    for (const c of clients) c.disconnect();
  }
}
