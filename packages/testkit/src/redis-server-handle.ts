/** A redis-server process started by the kit, whichever way it runs (local binary or container). */
export interface RedisServerOptions {
  /** Fixed port; a free one when omitted. */
  port?: number;
  /** Start with `cluster-enabled yes` (the cluster launcher assembles the nodes). */
  cluster?: boolean;
  /** How long a Cluster node may be silent before it counts as failed (failover speed). */
  clusterNodeTimeoutMs?: number;
  startTimeoutMs?: number;
}

export interface RedisServerHandle {
  readonly url: string;
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
