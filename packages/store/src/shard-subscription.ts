import type { RedisConnection } from './connection.js';
import { StoreError } from './errors.js';

/** The part of a pino logger the store uses (a pino `Logger` satisfies it). */
export interface StoreLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLog: StoreLog = { info: () => {}, warn: () => {}, error: () => {} };

export interface ShardSubscriptionHandlers {
  onMessage(message: string): void;
  /**
   * The client re-established the subscription by itself after a reconnect. Anything published while it was
   * away is lost to pub/sub, so the owner must catch up from its durable source.
   */
  onResubscribed(): void;
  onError?(err: Error): void;
}

export interface ShardSubscription {
  readonly channel: string;
  /** The dedicated connection (exposed for fault injection in tests and for diagnostics). */
  readonly conn: RedisConnection;
  close(): Promise<void>;
}

/**
 * SSUBSCRIBE to one shard channel on a dedicated connection (a subscribed RESP2 connection can run nothing else).
 * Resolves once the server has confirmed the subscription, so whatever is published afterwards arrives.
 *
 * Reconnects are ioredis' job (standalone: autoResubscribe; Cluster: the sharded subscriber group rebuilds a
 * dead shard subscriber); this only reports that they happened.
 */
export async function openShardSubscription(
  base: RedisConnection,
  channel: string,
  name: string,
  handlers: ShardSubscriptionHandlers,
  readyTimeoutMs = 5_000,
): Promise<ShardSubscription> {
  const conn = base.duplicate(name);
  const client = conn.client;
  let subscribed = false;
  let closed = false;

  client.on('smessage', (ch: string, message: string) => {
    if (!closed && ch === channel) handlers.onMessage(message);
  });
  client.on('error', (err: Error) => handlers.onError?.(err));
  if (conn.isCluster) {
    client.on('subscribersReady', () => {
      if (subscribed && !closed) handlers.onResubscribed();
    });
  } else {
    // ioredis re-sends SSUBSCRIBE as part of 'ready'; a PING queued behind it answers only once the
    // subscription is back, so the owner's catch-up cannot miss the window in between.
    client.on('ready', () => {
      if (!subscribed || closed) return;
      client
        .call('ping')
        .then(() => !closed && handlers.onResubscribed())
        .catch((err: unknown) => handlers.onError?.(err instanceof Error ? err : new Error(String(err))));
    });
  }

  try {
    await conn.ready(readyTimeoutMs);
    await withTimeout(client.ssubscribe(channel), readyTimeoutMs, `${name}: SSUBSCRIBE ${channel}`);
  } catch (err) {
    closed = true;
    conn.client.disconnect();
    throw err instanceof StoreError
      ? err
      : new StoreError('CONNECTION', `${name}: could not subscribe to ${channel}: ${String(err)}`, {
          cause: err,
        });
  }
  subscribed = true;

  return {
    channel,
    conn,
    async close() {
      if (closed) return;
      closed = true;
      // No SUNSUBSCRIBE round trip: the connection goes away, and with it the subscription.
      conn.client.disconnect();
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new StoreError('CONNECTION', `${what} timed out after ${ms} ms`)),
      ms,
    );
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
