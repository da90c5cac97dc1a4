export type Topology = 'standalone' | 'cluster';

/** How to get into a secured server: an ACL user and/or TLS signed by the kit's throwaway CA. */
export interface RedisSecurity {
  username?: string;
  password?: string;
  /** The CA that signed the servers' certificates, as PEM and as a file. */
  tls?: { ca: string; caFile: string };
}

export interface RedisTarget extends RedisSecurity {
  topology: Topology;
  /** Standalone: `redis://host:port` (`rediss://` with TLS; never with credentials). */
  url?: string;
  /** Cluster: seed nodes (the kit's own clusters list every node). */
  clusterNodes?: { host: string; port: number }[];
}

/** Env vars pointing a gateway process at this target, credentials and TLS included. */
export function redisEnv(target: RedisTarget): Record<string, string> {
  const env: Record<string, string> =
    target.topology === 'standalone'
      ? { LINGUA_REDIS_URL: target.url ?? '' }
      : {
          LINGUA_REDIS_CLUSTER_NODES: (target.clusterNodes ?? []).map((n) => `${n.host}:${n.port}`).join(','),
        };
  if (target.username !== undefined) env.LINGUA_REDIS_USERNAME = target.username;
  if (target.password !== undefined) env.LINGUA_REDIS_PASSWORD = target.password;
  if (target.tls !== undefined) {
    env.LINGUA_REDIS_TLS = '1';
    env.LINGUA_REDIS_TLS_CA_FILE = target.tls.caFile;
  }
  return env;
}

/** ioredis options for a secured server (empty for an open one). */
export function securityOptions(security: RedisSecurity): {
  username?: string;
  password?: string;
  tls?: { ca: string };
} {
  return {
    ...(security.username === undefined ? {} : { username: security.username }),
    ...(security.password === undefined ? {} : { password: security.password }),
    ...(security.tls === undefined ? {} : { tls: { ca: security.tls.ca } }),
  };
}

/** Every node address of a target as configured (standalone: its one server). */
export function targetAddresses(target: RedisTarget): { host: string; port: number }[] {
  if (target.topology === 'cluster') return [...(target.clusterNodes ?? [])];
  const url = new URL(target.url ?? 'redis://127.0.0.1:6379');
  return [{ host: url.hostname, port: Number(url.port || 6379) }];
}
