import {
  startFaultProxy,
  type ConnectionFilter,
  type FaultControls,
  type FaultProxy,
  type ProxyAddress,
} from './fault-proxy.js';
import { TestkitError } from './errors.js';
import { discoverNodes, nodeAdmin } from './redis-client.js';
import type { RedisTarget } from './redis-target.js';

/** ioredis `natMap` as an object: the address a Cluster node announces → the address to dial instead. */
export type ProxyNatMap = Record<string, ProxyAddress>;

/**
 * A Redis target reachable only through fault proxies: one proxy per node (standalone: one).
 *
 * For a Cluster, clients must be given both `target.clusterNodes` (the proxies, as seeds) and
 * `natMap`: the nodes announce their own addresses in CLUSTER SLOTS and MOVED replies, and the
 * natMap sends every such address back through its node's proxy.
 */
export interface ProxiedRedis {
  /** The same deployment with every address replaced by its proxy's. */
  readonly target: RedisTarget;
  /** Announced `host:port` → proxy address; empty for standalone. */
  readonly natMap: ProxyNatMap;
  /** Every proxy, in the order of the nodes the servers reported. */
  readonly proxies: readonly FaultProxy[];
  /** The faults, applied to every proxy at once. */
  readonly all: FaultControls;
  /** The proxy in front of a node, by its announced address. */
  proxyFor(node: ProxyAddress | string): FaultProxy;
  /** The proxy in front of the master that serves `key` right now (standalone: the one proxy). */
  proxyForKey(key: string): Promise<FaultProxy>;
  close(): Promise<void>;
}

/**
 * Starts a proxy for every node of `target` (a Cluster's masters and replicas as CLUSTER NODES
 * reports them) and returns how to reach the deployment through them.
 */
export async function startProxiedRedis(target: RedisTarget): Promise<ProxiedRedis> {
  const nodes = await discoverNodes(target);
  const proxies: FaultProxy[] = [];
  try {
    for (const node of nodes) proxies.push(await startFaultProxy(node));
  } catch (err) {
    await Promise.all(proxies.map((p) => p.close()));
    throw err;
  }
  const byNode = new Map(nodes.map((node, i) => [key(node), proxies[i] as FaultProxy]));
  const natMap: ProxyNatMap = {};
  if (target.topology === 'cluster') {
    for (const [announced, proxy] of byNode) natMap[announced] = { host: proxy.host, port: proxy.port };
  }
  const first = proxies[0];
  if (first === undefined) throw new TestkitError('PROXY_UNKNOWN_NODE', 'the target reported no node');

  const proxyFor = (node: ProxyAddress | string): FaultProxy => {
    const proxy = byNode.get(typeof node === 'string' ? node : key(node));
    if (proxy === undefined) {
      throw new TestkitError(
        'PROXY_UNKNOWN_NODE',
        `no proxy for node ${typeof node === 'string' ? node : key(node)}`,
      );
    }
    return proxy;
  };

  return {
    target:
      target.topology === 'cluster'
        ? { topology: 'cluster', clusterNodes: proxies.map((p) => ({ host: p.host, port: p.port })) }
        : { topology: 'standalone', url: first.url },
    natMap,
    proxies,
    all: fanOut(proxies),
    proxyFor,
    proxyForKey: async (k: string) =>
      target.topology === 'cluster' ? proxyFor(await masterForKey(first.target, k)) : first,
    close: async () => {
      await Promise.all(proxies.map((p) => p.close()));
    },
  };
}

function key(node: ProxyAddress): string {
  return `${node.host}:${node.port}`;
}

function fanOut(proxies: readonly FaultProxy[]): FaultControls {
  return {
    dropReplies: (n?: number, filter?: ConnectionFilter) => proxies.forEach((p) => p.dropReplies(n, filter)),
    reset: (filter?: ConnectionFilter) => proxies.reduce((sum, p) => sum + p.reset(filter), 0),
    delay: (ms: number) => proxies.forEach((p) => p.delay(ms)),
    blackhole: (on: boolean) => proxies.forEach((p) => p.blackhole(on)),
  };
}

/** Asks the Cluster (directly, not through a proxy) which master serves `k`. */
async function masterForKey(node: ProxyAddress, k: string): Promise<string> {
  const admin = nodeAdmin(node);
  try {
    const slot = Number(await admin.call('CLUSTER', 'KEYSLOT', k));
    const ranges = (await admin.call('CLUSTER', 'SLOTS')) as [
      number,
      number,
      [string, number, ...unknown[]],
    ][];
    for (const [from, to, [host, port]] of ranges) {
      if (slot >= from && slot <= to) return `${host}:${port}`;
    }
    throw new TestkitError('PROXY_UNKNOWN_NODE', `no master serves slot ${slot}`);
  } finally {
    admin.disconnect();
  }
}
