/**
 * N gateway processes on one Redis target and one key prefix (one deployment), optionally behind haproxy,
 * plus the Redis-side helpers the system tests need (raw client, CLIENT KILL by connection name, /metrics).
 */
import type { Cluster, Redis } from 'ioredis';
import {
  kitAdminHeaders,
  createRedisClient,
  discoverNodes,
  redisEnv,
  startGateway,
  startHaproxy,
  uniquePrefix,
  type GatewayHandle,
  type HaproxyHandle,
  type RedisTarget,
} from '@lingua/testkit';
import { Redis as RedisClient } from 'ioredis';
import { KeySchema } from '@lingua/store';
import { systemEnv } from './env.js';

export interface TestCluster {
  readonly target: RedisTarget;
  readonly prefix: string;
  readonly keys: KeySchema;
  readonly redis: Redis | Cluster;
  readonly gateways: Map<string, GatewayHandle>;
  proxy: HaproxyHandle | undefined;
  gw(name: string): GatewayHandle;
  /** Starts another gateway of this deployment; `port` fixed when the test must reach it before it is ready. */
  add(name: string, extraEnv?: Record<string, string>): Promise<GatewayHandle>;
  /** haproxy in front of the gateways named (all by default). */
  startProxy(names?: string[]): Promise<HaproxyHandle>;
  stop(): Promise<void>;
}

export async function startCluster(
  target: RedisTarget,
  names: string[],
  extraEnv: Record<string, string> = {},
): Promise<TestCluster> {
  const prefix = uniquePrefix('sys');
  const env = { ...redisEnv(target), ...systemEnv(prefix), ...extraEnv };
  const gateways = new Map<string, GatewayHandle>();
  const redis = createRedisClient(target);
  const cluster: TestCluster = {
    target,
    prefix,
    keys: new KeySchema(prefix),
    redis,
    gateways,
    proxy: undefined,
    gw(name) {
      const g = gateways.get(name);
      if (!g) throw new Error(`no gateway ${name}`);
      return g;
    },
    async add(name, more = {}) {
      const g = await startGateway({ name, env: { ...env, ...more } });
      gateways.set(name, g);
      return g;
    },
    async startProxy(which) {
      const backends = (which ?? [...gateways.keys()]).map((n) => ({
        host: '127.0.0.1',
        port: cluster.gw(n).port,
      }));
      cluster.proxy = await startHaproxy({ backends });
      return cluster.proxy;
    },
    async stop() {
      await cluster.proxy?.stop();
      await Promise.all([...gateways.values()].map((g) => g.kill9()));
      redis.disconnect();
    },
  };
  try {
    await Promise.all(names.map((n) => cluster.add(n)));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/**
 * CLIENT KILL of every connection whose name contains `namePart`, on every node (a Cluster's sharded subscribers
 * are named `ioredis-cluster(ssubscriber):<name>`); returns how many.
 */
export async function killClientsNamed(target: RedisTarget, namePart: string): Promise<number> {
  let killed = 0;
  for (const node of await discoverNodes(target)) {
    const admin = new RedisClient({
      host: node.host,
      port: node.port,
      protocol: 2,
      retryStrategy: () => null,
    });
    try {
      const list = String(await admin.call('CLIENT', 'LIST'));
      for (const line of list.split('\n')) {
        const id = /(?:^| )id=(\d+)/.exec(line)?.[1];
        const name = /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '';
        if (id && name.includes(namePart)) {
          killed += Number(await admin.call('CLIENT', 'KILL', 'ID', id));
        }
      }
    } finally {
      admin.disconnect();
    }
  }
  return killed;
}

/** The value of one sample of a gateway's /metrics (0 when absent), e.g. ('lingua_x_total', 'why="node_gone"'). */
export async function metric(g: GatewayHandle, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${g.adminUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (labels !== '' && !rest.includes(labels)) continue;
    if (!(rest.startsWith('{') || rest.startsWith(' '))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** GET with an admin token (the admin API needs one). */
export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: kitAdminHeaders() });
  return (await res.json()) as T;
}
