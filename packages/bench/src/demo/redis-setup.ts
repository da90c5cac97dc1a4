/**
 * The demo's Redis: the one named by REDIS_URL / REDIS_CLUSTER_NODES, else a private redis-server (free port, no
 * persistence) started through the test kit. Keys always go under a fresh prefix, so a shared Redis is not disturbed.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { startRedisServer, type RedisServerHandle } from '@lingua/testkit';
import { DemoError } from './errors.js';

export const REDIS_INSTALL_HINT =
  'redis-server not found: install it with `sudo apt-get install -y redis-server` (or set REDIS_URL=redis://host:port)';

export interface DemoRedis {
  /** LINGUA_REDIS_URL or LINGUA_REDIS_CLUSTER_NODES for the gateways. */
  readonly gatewayEnv: Record<string, string>;
  /** For our own connection (`createRedis`). */
  readonly url?: string;
  readonly clusterNodes?: string[];
  /** Shown to the user. */
  readonly description: string;
  /** The private server's pid, when we started one. */
  readonly pid?: number;
  stop(): Promise<void>;
}

export function commandOnPath(command: string, path = process.env.PATH ?? ''): boolean {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

export async function setUpRedis(env: NodeJS.ProcessEnv = process.env): Promise<DemoRedis> {
  const clusterSpec = env.REDIS_CLUSTER_NODES?.trim();
  if (clusterSpec) {
    const clusterNodes = clusterSpec.split(',').map((s) => s.trim());
    return {
      gatewayEnv: { LINGUA_REDIS_CLUSTER_NODES: clusterNodes.join(',') },
      clusterNodes,
      description: `Redis Cluster ${clusterNodes.join(',')} (from REDIS_CLUSTER_NODES)`,
      stop: async () => {},
    };
  }
  const url = env.REDIS_URL?.trim();
  if (url) {
    return {
      gatewayEnv: { LINGUA_REDIS_URL: url },
      url,
      description: `${url} (from REDIS_URL)`,
      stop: async () => {},
    };
  }
  if (!commandOnPath('redis-server', env.PATH))
    throw new DemoError('REDIS_NOT_INSTALLED', REDIS_INSTALL_HINT);
  let server: RedisServerHandle;
  try {
    server = await startRedisServer();
  } catch (err) {
    throw new DemoError('STACK_START_FAILED', `could not start redis-server: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return {
    gatewayEnv: { LINGUA_REDIS_URL: server.url },
    url: server.url,
    description: `${server.url} (private redis-server, no persistence)`,
    pid: server.pid,
    stop: () => server.stop(),
  };
}
