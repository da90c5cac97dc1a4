import { Cluster, Redis } from 'ioredis';
import type { RedisSecurity, RedisTarget } from './redis-target.js';
import { securityOptions, targetAddresses } from './redis-target.js';

/**
 * An ioredis client for a target, with the same wire choices as @lingua/store's connection
 * factory (RESP2; Cluster clients with sharded subscribers, required for SSUBSCRIBE/SPUBLISH on
 * ioredis 6) so that assertions see the reply shapes the product sees. No natMap: the kit's
 * nodes announce loopback addresses.
 */
export function createRedisClient(target: RedisTarget): Redis | Cluster {
  const security = securityOptions(target);
  if (target.topology === 'cluster') {
    return new Cluster(target.clusterNodes ?? [], {
      shardedSubscribers: true,
      redisOptions: { ...security, protocol: 2, connectionName: 'testkit', maxRetriesPerRequest: 3 },
    });
  }
  return new Redis(target.url ?? 'redis://127.0.0.1:6379', {
    ...security,
    protocol: 2,
    connectionName: 'testkit',
    maxRetriesPerRequest: 3,
  });
}

/** A short-lived admin connection to one node; fails fast instead of retrying. */
export function nodeAdmin(address: { host: string; port: number }, security: RedisSecurity = {}): Redis {
  return new Redis({
    ...securityOptions(security),
    host: address.host,
    port: address.port,
    maxRetriesPerRequest: 1,
    protocol: 2,
    connectionName: 'testkit-admin',
    retryStrategy: () => null,
  });
}

/**
 * Every node of a target as Redis itself reports it: for a Cluster, all masters and replicas
 * from CLUSTER NODES (the configured seeds may be only a subset).
 */
export async function discoverNodes(target: RedisTarget): Promise<{ host: string; port: number }[]> {
  const seeds = targetAddresses(target);
  if (target.topology !== 'cluster') return seeds;
  for (const seed of seeds) {
    const client = nodeAdmin(seed, target);
    try {
      const text = (await client.call('CLUSTER', 'NODES')) as string;
      const nodes: { host: string; port: number }[] = [];
      for (const line of text.split('\n')) {
        const fields = line.split(' ');
        const address = fields[1];
        const flags = fields[2] ?? '';
        if (address === undefined || flags.includes('fail') || flags.includes('noaddr')) continue;
        const match = /^(.*):(\d+)@\d+/.exec(address);
        if (match?.[1] && match[2]) nodes.push({ host: match[1], port: Number(match[2]) });
      }
      if (nodes.length > 0) return nodes;
    } catch {
      // seed down: try the next one
    } finally {
      client.disconnect();
    }
  }
  return seeds;
}
