import { randomBytes } from 'node:crypto';
import { startRedisCluster } from './redis-cluster.js';
import { startRedisServer, type RedisServerHandle } from './redis-server.js';
import type { RedisTarget, Topology } from './redis-target.js';
import { testCertificates } from './tls-certs.js';

export interface SecuredTargetOptions {
  /** Require an ACL user (the `default` user is off). Default true. */
  auth?: boolean;
  username?: string;
  /** A random one when omitted. */
  password?: string;
  /** TLS only, with a throwaway CA the target carries. Default false. */
  tls?: boolean;
}

export interface SecuredTarget {
  /** Carries the credentials and CA, so `redisEnv(target)` configures a gateway for it. */
  readonly target: RedisTarget;
  readonly servers: RedisServerHandle[];
  stop(): Promise<void>;
}

/**
 * A private standalone server or 3-master Cluster (no replicas) that requires credentials and/or TLS. The
 * global setup's shared targets stay open; tests of authentication and TLS start one of these instead.
 */
export async function startSecuredTarget(
  topology: Topology,
  opts: SecuredTargetOptions = {},
): Promise<SecuredTarget> {
  const auth =
    opts.auth === false
      ? undefined
      : { username: opts.username ?? 'lingua', password: opts.password ?? randomBytes(12).toString('hex') };
  const security = {
    ...(auth === undefined ? {} : { auth }),
    ...(opts.tls ? { tls: testCertificates() } : {}),
  };
  if (topology === 'cluster') {
    const cluster = await startRedisCluster({ masters: 3, replicas: 0, ...security });
    return {
      target: { topology, clusterNodes: cluster.nodes, ...cluster.security },
      servers: cluster.servers,
      stop: () => cluster.stop(),
    };
  }
  const server = await startRedisServer(security);
  return {
    target: { topology, url: server.url, ...server.security },
    servers: [server],
    stop: () => server.stop(),
  };
}
