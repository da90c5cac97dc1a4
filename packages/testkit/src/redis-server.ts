import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestkitError } from './errors.js';
import { freePort } from './free-port.js';
import { killHard, onPath, runDir, spawnTracked, terminate } from './tracked-process.js';

import type { RedisServerHandle, RedisServerOptions } from './redis-server-handle.js';

export type { RedisServerHandle, RedisServerOptions };

const HOST = '127.0.0.1';
const READY_LINE = 'Ready to accept connections';
const MAX_PORT_ATTEMPTS = 4;

export function redisServerInstalled(): boolean {
  return onPath('redis-server');
}

export function redisInstallHint(): string {
  return 'redis-server not found: install Redis 7 (apt-get install -y redis-server redis-tools) or set REDIS_URL / REDIS_CLUSTER_NODES';
}

function configText(
  dir: string,
  port: number,
  clusterPort: number | undefined,
  opts: RedisServerOptions,
): string {
  const tls = opts.tls;
  const lines = [
    `bind ${HOST}`,
    // With TLS the plain port is closed: a client that does not speak TLS cannot get in by accident.
    ...(tls === undefined
      ? [`port ${port}`]
      : [
          'port 0',
          `tls-port ${port}`,
          `tls-cert-file "${tls.certFile}"`,
          `tls-key-file "${tls.keyFile}"`,
          `tls-ca-cert-file "${tls.caFile}"`,
          'tls-auth-clients no',
        ]),
    'protected-mode no',
    'daemonize no',
    'save ""',
    'appendonly no',
    `dir "${dir}"`,
    'logfile ""',
    'loglevel notice',
    // The config path in the process title is how the leak check recognises kit servers.
    'proc-title-template "{title} {listen-addr} {server-mode} {config-file}"',
  ];
  if (clusterPort !== undefined) {
    lines.push(
      'cluster-enabled yes',
      'cluster-config-file nodes.conf',
      `cluster-port ${clusterPort}`,
      `cluster-node-timeout ${opts.clusterNodeTimeoutMs ?? 2_000}`,
      // Replicas sync at once instead of after the default 5 s batching window.
      'repl-diskless-sync-delay 0',
      ...(tls === undefined ? [] : ['tls-cluster yes', 'tls-replication yes']),
    );
  }
  if (opts.auth !== undefined) {
    lines.push('user default off', `user ${opts.auth.username} on >${opts.auth.password} ~* &* +@all`);
    // Replicas authenticate to their master as this user too.
    if (clusterPort !== undefined) {
      lines.push(`masteruser ${opts.auth.username}`, `masterauth ${opts.auth.password}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Spawns redis-server with `configPath` and resolves once it accepts connections. */
function launch(configPath: string, cwd: string, logs: string[], timeoutMs: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawnTracked('redis-server', [configPath], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let ready = false;
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        if (!ready && line.includes(READY_LINE)) {
          ready = true;
          clearTimeout(timer);
          resolve(child);
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const fail = (reason: string): void => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new TestkitError('REDIS_START_FAILED', `${reason}; log tail:\n${logs.slice(-8).join('\n')}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (err) => fail(`spawn failed: ${err.message}`));
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
  });
}

function addressInUse(err: unknown): boolean {
  return err instanceof TestkitError && /Address already in use|bind: /i.test(err.message);
}

/**
 * A private redis-server on loopback, in its own directory under the kit's run dir. Use it for
 * fault tests (kill -9, restart) that must not disturb the shared servers of the global setup.
 */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServerHandle> {
  if (!redisServerInstalled()) {
    const { startDockerRedisServer, dockerAvailable } = await import('./redis-docker.js');
    if (opts.auth !== undefined || opts.tls !== undefined) {
      throw new TestkitError(
        'UNSUPPORTED',
        `secured servers need a local redis-server; ${redisInstallHint()}`,
      );
    }
    if (await dockerAvailable()) return startDockerRedisServer(opts);
    throw new TestkitError('REDIS_NOT_INSTALLED', redisInstallHint());
  }
  const timeoutMs = opts.startTimeoutMs ?? 10_000;
  const logs: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    let clusterPort: number | undefined;
    while (opts.cluster && (clusterPort === undefined || clusterPort === port))
      clusterPort = await freePort();
    const dir = join(runDir(), `redis-${port}`);
    mkdirSync(dir, { recursive: true });
    const configPath = join(dir, 'redis.conf');
    writeFileSync(configPath, configText(dir, port, clusterPort, opts));
    try {
      const child = await launch(configPath, dir, logs, timeoutMs);
      return serverHandle(child, { port, clusterPort }, configPath, dir, logs, timeoutMs, opts);
    } catch (err) {
      if (opts.port === undefined && attempt < MAX_PORT_ATTEMPTS && addressInUse(err)) continue;
      throw err;
    }
  }
}

function serverHandle(
  first: ChildProcess,
  { port, clusterPort }: { port: number; clusterPort: number | undefined },
  configPath: string,
  dir: string,
  logs: string[],
  timeoutMs: number,
  opts: RedisServerOptions,
): RedisServerHandle {
  let child = first;
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    url: `${opts.tls === undefined ? 'redis' : 'rediss'}://${HOST}:${port}`,
    security: {
      ...(opts.auth === undefined ? {} : { username: opts.auth.username, password: opts.auth.password }),
      ...(opts.tls === undefined ? {} : { tls: { ca: opts.tls.ca, caFile: opts.tls.caFile } }),
    },
    host: HOST,
    port,
    ...(clusterPort === undefined ? {} : { clusterPort }),
    get pid() {
      return child.pid ?? -1;
    },
    logs,
    get running() {
      return isRunning();
    },
    stop: () => terminate(child),
    kill9: () => killHard(child),
    async restart() {
      if (isRunning()) await terminate(child);
      child = await launch(configPath, dir, logs, timeoutMs);
    },
  };
}
