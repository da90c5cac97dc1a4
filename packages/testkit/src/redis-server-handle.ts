import type { RedisSecurity } from './redis-target.js';
import type { TestCertificates } from './tls-certs.js';

/** A redis-server process started by the kit, whichever way it runs (local binary or container). */
export interface RedisServerOptions {
  /** Fixed port; a free one when omitted. */
  port?: number;
  /** Start with `cluster-enabled yes` (the cluster launcher assembles the nodes). */
  cluster?: boolean;
  /** How long a Cluster node may be silent before it counts as failed (failover speed). */
  clusterNodeTimeoutMs?: number;
  startTimeoutMs?: number;
  /**
   * Require this ACL user (all keys, channels and commands); the `default` user is switched off, so a client
   * without these credentials gets NOAUTH. Local redis-server only.
   */
  auth?: { username: string; password: string };
  /**
   * TLS only: the plain port is closed and the server (and, in Cluster mode, the cluster bus and replication)
   * speaks TLS with this certificate; clients need not present one. Local redis-server only.
   */
  tls?: TestCertificates;
}

export interface RedisServerHandle {
  /** `redis://host:port`, `rediss://` with TLS; never with credentials (see `security`). */
  readonly url: string;
  /** What a client needs to get in (empty for an open server). */
  readonly security: RedisSecurity;
  readonly host: string;
  readonly port: number;
  /** Cluster bus port (Cluster mode only). */
  readonly clusterPort?: number;
  /** Changes after restart(). */
  readonly pid: number;
  /** stdout/stderr of the current and previous incarnations, one entry per line. */
  readonly logs: string[];
  readonly running: boolean;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  /** Stops the server if it still runs, then starts it again on the same port and directory. */
  restart(): Promise<void>;
}
