import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

/**
 * `classic`: createAdapter — PUBLISH + PSUBSCRIBE, the adapter's documented setup for ioredis.
 * `sharded`: createShardedAdapter — SPUBLISH + SSUBSCRIBE (Redis ≥ 7), the same primitive the gateway's
 * inbox uses; documented for the `redis` package, and its code speaks ioredis too (standalone only).
 */
export type RelayAdapterKind = 'classic' | 'sharded';

/** `source` relays every `relay` event to the sink room; `sink` puts each connecting socket in that room. */
export type RelayServerRole = 'source' | 'sink';

export interface RelayServerOptions {
  role: RelayServerRole;
  redisUrl: string;
  adapter: RelayAdapterKind;
  /** Channel prefix shared by the two servers of one run and no other run. */
  channelPrefix: string;
}

export interface RelayServer {
  port: number;
  close(): Promise<void>;
}

export const RELAY_EVENT = 'relay';
const SINK_ROOM = 'sink';

/** One socket.io server with the Redis adapter on a free loopback port. */
export async function startRelayServer(opts: RelayServerOptions): Promise<RelayServer> {
  // No reconnects: a benchmark whose Redis went away should count losses, not hide them behind retries.
  const pub = new Redis(opts.redisUrl, { lazyConnect: true, retryStrategy: () => null });
  const sub = pub.duplicate();
  let lastRedisError: unknown;
  for (const client of [pub, sub]) client.on('error', (err: unknown) => (lastRedisError = err));
  const http = createServer();
  let io: Server | undefined;
  try {
    await Promise.all([pub.connect(), sub.connect()]);
    const adapter =
      opts.adapter === 'sharded'
        ? createShardedAdapter(pub, sub, { channelPrefix: opts.channelPrefix, subscriptionMode: 'dynamic' })
        : createAdapter(pub, sub, { key: opts.channelPrefix });
    // Websocket only, no compression: the gateway speaks plain WebSocket frames, so the peer does too.
    io = new Server(http, {
      adapter,
      transports: ['websocket'],
      serveClient: false,
      perMessageDeflate: false,
    });
    const server = io;
    server.on('connection', (socket) => {
      if (opts.role === 'sink') {
        void socket.join(SINK_ROOM);
      } else {
        socket.on(RELAY_EVENT, (payload: unknown) => {
          server.to(SINK_ROOM).emit(RELAY_EVENT, payload);
        });
      }
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
  } catch (err) {
    await closeAll(io, http, pub, sub);
    throw lastRedisError instanceof Error
      ? new Error(`Redis ${opts.redisUrl}: ${lastRedisError.message}`)
      : err;
  }
  const port = (http.address() as AddressInfo).port;
  return { port, close: () => closeAll(io, http, pub, sub) };
}

async function closeAll(
  io: Server | undefined,
  http: ReturnType<typeof createServer>,
  pub: Redis,
  sub: Redis,
): Promise<void> {
  // io.close() disconnects the sockets, closes the adapter and the HTTP server.
  if (io) await io.close().catch(() => undefined);
  else if (http.listening) http.close();
  pub.disconnect();
  sub.disconnect();
}
