/**
 * Child-process entry for one inbox relay server (the gateway's transport, without the gateway): a WebSocket
 * server whose `source` role puts every client message into the `sink` instance's inbox with `Inbox.publish`
 * (one inbox-publish script), and whose `sink` role delivers its inbox to its WebSocket clients. The same
 * shape as the socket.io relay peer, so the two transports compare one hop for one hop.
 *
 * IPC protocol: argv[2] = InboxRelayServerOptions as JSON; the child sends `{ port }` once ready (or
 * `{ error }`) and exits after a `close` message or when the parent goes away.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createRedis, Inbox, KeySchema, ScriptRunner } from '@lingua/store';

export interface InboxRelayServerOptions {
  role: 'source' | 'sink';
  redisUrl: string;
  keyPrefix: string;
  /** This server's instance id; a source publishes to `sinkId`. */
  instanceId: string;
  sinkId: string;
}

let shutdown: (code: number) => Promise<void> = async (code) => process.exit(code);

process.on('message', (msg) => {
  if (msg === 'close') void shutdown(0);
});
process.on('disconnect', () => void shutdown(0));

try {
  const opts = JSON.parse(process.argv[2] ?? '') as InboxRelayServerOptions;
  const conn = createRedis({ url: opts.redisUrl, name: `inbox-relay-${opts.role}` });
  const runner = new ScriptRunner(conn);
  await conn.ready();
  await runner.load();
  const inbox = new Inbox({ conn, runner, keys: new KeySchema(opts.keyPrefix), instanceId: opts.instanceId });
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  if (opts.role === 'sink') {
    await inbox.start((payload) => {
      for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(payload);
    });
  } else {
    wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        void inbox.publish(opts.sinkId, String(data)).catch(() => undefined);
      });
    });
  }
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  let closing = false;
  shutdown = async (code) => {
    if (closing) return;
    closing = true;
    for (const client of wss.clients) client.terminate();
    wss.close();
    http.close();
    await inbox.stop().catch(() => undefined);
    await conn.quit();
    process.exit(code);
  };
  process.send?.({ port: (http.address() as AddressInfo).port });
} catch (err) {
  process.send?.({ error: err instanceof Error ? err.message : String(err) });
  await shutdown(1);
}
