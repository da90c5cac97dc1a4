/**
 * Child-process entry for one relay server, so the peer's servers get their own event loops exactly like
 * gateway processes do. Protocol over the IPC channel: argv[2] = RelayServerOptions as JSON; the child
 * sends `{ port }` once listening (or `{ error }`), and exits after a `close` message or when the parent
 * goes away.
 */
import { startRelayServer, type RelayServer, type RelayServerOptions } from './socketio-relay-server.js';

let server: RelayServer | undefined;
let closing = false;

async function shutdown(code: number): Promise<void> {
  if (closing) return;
  closing = true;
  await server?.close().catch(() => undefined);
  process.exit(code);
}

process.on('message', (msg) => {
  if (msg === 'close') void shutdown(0);
});
process.on('disconnect', () => void shutdown(0));

try {
  const opts = JSON.parse(process.argv[2] ?? '') as RelayServerOptions;
  server = await startRelayServer(opts);
  process.send?.({ port: server.port });
} catch (err) {
  process.send?.({ error: err instanceof Error ? err.message : String(err) });
  await shutdown(1);
}
