export type Topology = 'standalone' | 'cluster';

export interface RedisTarget {
  topology: Topology;
  /** Standalone: `redis://host:port`. */
  url?: string;
  /** Cluster: seed nodes (the kit's own clusters list every node). */
  clusterNodes?: { host: string; port: number }[];
}

/** Env vars pointing a gateway process at this target. */
export function redisEnv(target: RedisTarget): Record<string, string> {
  if (target.topology === 'standalone') {
    return { LINGUA_REDIS_URL: target.url ?? '' };
  }
  return {
    LINGUA_REDIS_CLUSTER_NODES: (target.clusterNodes ?? []).map((n) => `${n.host}:${n.port}`).join(','),
  };
}

/** Every node address of a target as configured (standalone: its one server). */
export function targetAddresses(target: RedisTarget): { host: string; port: number }[] {
  if (target.topology === 'cluster') return [...(target.clusterNodes ?? [])];
  const url = new URL(target.url ?? 'redis://127.0.0.1:6379');
  return [{ host: url.hostname, port: Number(url.port || 6379) }];
}
