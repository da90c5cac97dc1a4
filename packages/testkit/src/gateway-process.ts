import { join } from 'node:path';
import { TestkitError } from './errors.js';
import { freePort } from './free-port.js';
import { kitAuthEnv, withKitToken } from './kit-auth.js';
import { collectLines } from './line-log.js';
import { poll } from './poll.js';
import { repoRoot } from './repo-root.js';
import { killHard, spawnTracked, terminate, waitForExit } from './tracked-process.js';

export interface GatewayOptions {
  /** LINGUA_* variables (e.g. from redisEnv()); LINGUA_PORT and LINGUA_ADMIN_PORT are chosen when absent. */
  env: Record<string, string>;
  /** Shown in error messages and used as LINGUA_INSTANCE_ID when that is not set. */
  name?: string;
  /** Module to run instead of the gateway's main (for tests of the launcher itself). */
  entry?: string;
  readyTimeoutMs?: number;
  /** Resolve only once /readyz answers 200 (default); false returns right after spawning. */
  waitReady?: boolean;
  /** SIGTERM grace before stop() escalates to SIGKILL; must cover the gateway's drain. */
  stopTimeoutMs?: number;
}

export interface GatewayHandle {
  readonly name: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>`: the public port (WebSockets, /healthz, /readyz). */
  readonly url: string;
  readonly adminPort: number;
  /** `http://127.0.0.1:<admin port>`: /metrics and /api/v1/*. */
  readonly adminUrl: string;
  readonly pid: number;
  /** stdout and stderr lines (pino JSON) as they arrive. */
  readonly logs: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** A WebSocket URL with a kit token for the endpoint (see kit-auth.ts). */
  wsUrl(path: string): string;
  /** Resolves when GET /readyz answers 200; rejects if the process exits first. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGTERM (the gateway drains), then awaits exit. */
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

const HOST = '127.0.0.1';

export function gatewayEntry(): string {
  return join(repoRoot, 'packages/gateway/src/main.ts');
}

/**
 * Spawns `node --conditions=@lingua/source --import tsx <gateway main>` with the given env and
 * resolves once it is ready. The process is killed with the test run if the test forgets it.
 */
export async function startGateway(opts: GatewayOptions): Promise<GatewayHandle> {
  const name = opts.name ?? 'gateway';
  const port = opts.env.LINGUA_PORT !== undefined ? Number(opts.env.LINGUA_PORT) : await freePort();
  const adminPort =
    opts.env.LINGUA_ADMIN_PORT !== undefined ? Number(opts.env.LINGUA_ADMIN_PORT) : await freePort();
  const env: Record<string, string> = {
    ...inheritedEnv(process.env),
    LINGUA_INSTANCE_ID: name,
    ...kitAuthEnv(),
    ...opts.env,
    LINGUA_PORT: String(port),
    LINGUA_ADMIN_PORT: String(adminPort),
  };
  const child = spawnTracked(
    process.execPath,
    ['--conditions=@lingua/source', '--import', 'tsx', opts.entry ?? gatewayEntry()],
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  collectLines(child.stdout, logs);
  collectLines(child.stderr, logs);
  const exited = waitForExit(child).then(() => ({ code: child.exitCode, signal: child.signalCode }));
  const died = new AbortController();
  void exited.then(({ code, signal }) =>
    died.abort(
      new TestkitError(
        'PROCESS_START_FAILED',
        `${name} exited (code ${code}, signal ${signal}); log tail:\n${logs.slice(-15).join('\n')}`,
      ),
    ),
  );

  const url = `http://${HOST}:${port}`;
  const handle: GatewayHandle = {
    name,
    port,
    url,
    adminPort,
    adminUrl: `http://${HOST}:${adminPort}`,
    pid: child.pid ?? -1,
    logs,
    exited,
    wsUrl: (path) => withKitToken(`ws://${HOST}:${port}${path.startsWith('/') ? path : `/${path}`}`),
    async waitReady(timeoutMs = opts.readyTimeoutMs ?? 30_000) {
      await poll(
        async () => {
          const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
          await res.body?.cancel();
          return res.status === 200;
        },
        { timeoutMs, intervalMs: 100, what: `${name} /readyz`, signal: died.signal },
      );
    },
    stop: () => terminate(child, opts.stopTimeoutMs ?? 15_000),
    kill9: () => killHard(child),
  };
  if (opts.waitReady === false) return handle;
  try {
    await handle.waitReady();
  } catch (err) {
    await killHard(child);
    throw err;
  }
  return handle;
}

/**
 * The parent's environment minus LINGUA_* (a gateway under test gets exactly the configuration
 * the test names, not whatever the developer's shell exports) and vitest's own markers.
 */
function inheritedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || key.startsWith('LINGUA_') || key.startsWith('VITEST')) continue;
    out[key] = value;
  }
  return out;
}
