import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { io as connectClient, type Socket } from 'socket.io-client';
import { BenchError } from '../lib/errors.js';
import { measureRelay, type RelayFigures } from './relay-measure.js';
import {
  RELAY_EVENT,
  type RelayAdapterKind,
  type RelayServer,
  type RelayServerOptions,
} from './socketio-relay-server.js';

export type { RelayAdapterKind } from './socketio-relay-server.js';
export type { RelayFigures } from './relay-measure.js';

export interface RelayOptions {
  /** Standalone Redis, e.g. `redis://127.0.0.1:6379`. */
  redisUrl: string;
  ratePerS: number;
  durationMs: number;
  /** Size of the JSON payload each message carries (sequence, timestamp and padding). */
  messageBytes: number;
  /** Default `sharded` (see docs/operations.md "Benchmarks"). */
  adapter?: RelayAdapterKind;
  /** How long to wait for stragglers after the last send before counting them lost. Default 2000. */
  drainTimeoutMs?: number;
  onProgress?: (sent: number, total: number) => void;
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The issue-5 peer: client A → socket.io server A → Redis adapter → server B → client B, one-way latency
 * per message from a timestamp in the payload. Each server runs in its own child process, as each gateway
 * instance does in the cluster bench; the two clients share this process, so send and receive times come
 * from one clock. Everything it starts is closed before it returns or throws.
 */
export async function measureSocketIoRelay(opts: RelayOptions): Promise<RelayFigures> {
  validate(opts);
  const total = Math.max(1, Math.round((opts.ratePerS * opts.durationMs) / 1000));
  const serverOpts = {
    redisUrl: opts.redisUrl,
    adapter: opts.adapter ?? 'sharded',
    channelPrefix: `lingua-bench-relay-${randomBytes(6).toString('hex')}`,
  };
  const servers: RelayServer[] = [];
  const clients: Socket[] = [];
  try {
    const [source, sink] = await allStarted(servers, [
      startRelayServerProcess({ ...serverOpts, role: 'source' }),
      startRelayServerProcess({ ...serverOpts, role: 'sink' }),
    ]);
    const [sender, receiver] = await allStarted(clients, [connect(source.port), connect(sink.port)]);
    return await measureRelay(
      {
        send: (payload) => sender.emit(RELAY_EVENT, payload),
        onReceive: (handler) => receiver.on(RELAY_EVENT, handler),
      },
      total,
      opts,
      'socket.io relay',
    );
  } finally {
    for (const client of clients) client.disconnect();
    await Promise.all(servers.map((server) => server.close()));
  }
}

async function connect(port: number): Promise<Socket> {
  const socket = connectClient(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: CONNECT_TIMEOUT_MS,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
  } catch (err) {
    socket.disconnect();
    throw new BenchError('RELAY_SETUP_FAILED', `socket.io client could not connect to port ${port}`, {
      cause: err,
    });
  }
  return socket;
}

/**
 * Forks one relay server; under tsx or vitest the entry is TypeScript, so the child loads tsx too. The
 * child gets its own execArgv on purpose: vitest workers run with `--conditions import`, which makes
 * engine.io's `require('ws')` load ws's ESM wrapper (no `Server` export), so socket.io cannot start there.
 */
async function startRelayServerProcess(opts: RelayServerOptions): Promise<RelayServer> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const entry = fileURLToPath(new URL(`./socketio-relay-server-main${ext}`, import.meta.url));
  const execArgv =
    ext === '.ts' ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  const child = fork(entry, [JSON.stringify(opts)], {
    execArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (msg: { port?: number; error?: string }) => {
        if (typeof msg.port === 'number') resolve(msg.port);
        else reject(new Error(msg.error ?? 'relay server sent no port'));
      });
      child.once('exit', (code) =>
        reject(new Error(`relay server exited with code ${code} before listening`)),
      );
      child.once('error', reject);
    });
    return { port, close: () => stopChild(child, exited) };
  } catch (err) {
    await stopChild(child, exited);
    throw new BenchError('RELAY_SETUP_FAILED', `relay server process failed: ${String(err)}`, { cause: err });
  }
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.send('close');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Waits for both starts and records whatever started, so a half-failed start still gets cleaned up. */
async function allStarted<T>(started: T[], pending: [Promise<T>, Promise<T>]): Promise<[T, T]> {
  const results = await Promise.allSettled(pending);
  for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return started.slice(-2) as [T, T];
}

function validate(opts: RelayOptions): void {
  const positive = { ratePerS: opts.ratePerS, durationMs: opts.durationMs } as const;
  for (const [name, value] of Object.entries(positive)) {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new BenchError('BAD_ARGUMENT', `${name} must be a positive number, got ${value}`);
    }
  }
  if (!(Number.isInteger(opts.messageBytes) && opts.messageBytes >= 0)) {
    throw new BenchError(
      'BAD_ARGUMENT',
      `messageBytes must be a non-negative integer, got ${opts.messageBytes}`,
    );
  }
}
