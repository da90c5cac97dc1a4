import { execFile } from 'node:child_process';
import type { StartedTestContainer } from 'testcontainers';
import { freePort } from './free-port.js';
import type { RedisServerHandle, RedisServerOptions } from './redis-server-handle.js';

/**
 * Fallback for machines without redis-server but with a Docker engine. Containers use the
 * host network so that Cluster nodes announce loopback addresses exactly like local servers
 * (no natMap). testcontainers' reaper removes them if this process dies.
 */
const IMAGE = 'redis:7.0';
const HOST = '127.0.0.1';

export function dockerAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('docker', ['info'], { timeout: 10_000 }, (err) => resolve(err === null));
  });
}

export async function startDockerRedisServer(opts: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const port = opts.port ?? (await freePort());
  const args = ['redis-server', '--bind', HOST, '--port', String(port), '--save', '', '--appendonly', 'no'];
  let clusterPort: number | undefined;
  if (opts.cluster) {
    clusterPort = await freePort();
    while (clusterPort === port) clusterPort = await freePort();
    args.push(
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(clusterPort),
      '--cluster-node-timeout',
      String(opts.clusterNodeTimeoutMs ?? 2_000),
      '--repl-diskless-sync-delay',
      '0',
    );
  }
  const container: StartedTestContainer = await new GenericContainer(IMAGE)
    .withNetworkMode('host')
    .withCommand(args)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .withStartupTimeout(opts.startTimeoutMs ?? 60_000)
    .start();
  let stopped = false;
  const logs: string[] = [];
  return {
    url: `redis://${HOST}:${port}`,
    security: {},
    host: HOST,
    port,
    ...(clusterPort === undefined ? {} : { clusterPort }),
    pid: -1,
    logs,
    get running() {
      return !stopped;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await container.stop({ timeout: 5_000 });
    },
    async kill9() {
      if (stopped) return;
      stopped = true;
      // Keep the container so that restart() can bring the same node back.
      await container.stop({ timeout: 0, remove: false });
    },
    async restart() {
      await container.restart({ timeout: 5_000 });
      stopped = false;
    },
  };
}
