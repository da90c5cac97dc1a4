/**
 * The gateway's cross-instance transport measured alone, shaped exactly like the socket.io relay peer: client A →
 * relay server A → `Inbox.publish` (inbox-publish: INCR + XADD + SPUBLISH in one script) → relay server B's
 * inbox (SSUBSCRIBE, sequence check) → client B. Same rate, message size and clock discipline as
 * measureSocketIoRelay, so `ratio` compares transport with transport.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import { BenchError } from '../lib/errors.js';
import type { InboxRelayServerOptions } from './inbox-relay-server-main.js';
import { measureRelay, type RelayFigures, type RelayPayload } from './relay-measure.js';

export interface InboxRelayOptions {
  redisUrl: string;
  ratePerS: number;
  durationMs: number;
  messageBytes: number;
  drainTimeoutMs?: number;
}

export async function measureInboxRelay(opts: InboxRelayOptions): Promise<RelayFigures> {
  const total = Math.max(1, Math.round((opts.ratePerS * opts.durationMs) / 1000));
  const base = {
    redisUrl: opts.redisUrl,
    keyPrefix: `bench_inbox_relay_${randomBytes(4).toString('hex')}`,
    sinkId: 'relay-sink',
  };
  const children: { port: number; close(): Promise<void> }[] = [];
  const sockets: WebSocket[] = [];
  try {
    // The sink subscribes first: only messages published after its subscription are delivered.
    const sink = await startServer({ ...base, role: 'sink', instanceId: 'relay-sink' });
    children.push(sink);
    const source = await startServer({ ...base, role: 'source', instanceId: 'relay-source' });
    children.push(source);
    const receiver = await connect(sink.port);
    sockets.push(receiver);
    const sender = await connect(source.port);
    sockets.push(sender);
    return await measureRelay(
      {
        send: (payload) => sender.send(JSON.stringify(payload)),
        onReceive: (handler) =>
          receiver.on('message', (data) => handler(JSON.parse(String(data)) as RelayPayload)),
      },
      total,
      opts,
      'inbox relay',
    );
  } finally {
    for (const s of sockets) s.terminate();
    await Promise.all(children.map((c) => c.close()));
  }
}

function connect(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Forks one relay server (with tsx when running from source, like the socket.io peer). */
async function startServer(opts: InboxRelayServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const entry = fileURLToPath(new URL(`./inbox-relay-server-main${ext}`, import.meta.url));
  const execArgv =
    ext === '.ts'
      ? [
          '--conditions=@lingua/source',
          '--import',
          pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href,
        ]
      : [];
  const child = fork(entry, [JSON.stringify(opts)], {
    execArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (msg: { port?: number; error?: string }) => {
        if (typeof msg.port === 'number') resolve(msg.port);
        else reject(new Error(msg.error ?? 'inbox relay server sent no port'));
      });
      child.once('exit', (code) => reject(new Error(`inbox relay server exited with code ${code}`)));
      child.once('error', reject);
    });
    return { port, close: () => stop(child, exited) };
  } catch (err) {
    await stop(child, exited);
    throw new BenchError('RELAY_SETUP_FAILED', `inbox relay server failed: ${String(err)}`, { cause: err });
  }
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.send('close');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
