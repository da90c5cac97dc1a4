import type { RedisConnection } from './connection.js';
import type { KeySchema } from './keys.js';
import {
  openShardSubscription,
  silentLog,
  type ShardSubscription,
  type StoreLog,
} from './shard-subscription.js';

/** One index change as published by index-assign / index-release (`<ver>|<json>`). */
export interface IndexEvent {
  kind: string;
  [field: string]: unknown;
}

export type IndexResyncReason =
  /** an event's version skipped ahead: events were missed */
  | 'gap'
  /** the subscription was re-established after a reconnect: events may have been missed */
  | 'resubscribe'
  /** the periodic version check found the index ahead of the last event seen (a silently deaf subscription) */
  | 'behind'
  /** an event could not be parsed, so it could not be applied */
  | 'invalid';

export interface IndexResync {
  reason: IndexResyncReason;
  /** the newest version known to exist when the callback fired */
  version: number;
}

export interface IndexEventsOptions {
  /** The version the caller's cache holds; events up to it are ignored. Default: the version found at subscribe. */
  fromVersion?: number;
  /** How often the index version is compared with the last event seen; 0 disables. */
  checkMs?: number;
  log?: StoreLog;
}

export interface IndexEventSubscription {
  /** The highest version seen or loaded. */
  readonly version: number;
  /** Tell the subscriber which version a reload produced; older events are then ignored. */
  setVersion(version: number): void;
  close(): Promise<void>;
}

/**
 * Subscribes to index change events. In-order events go to `onEvent`; whenever the caller's cache may have
 * missed one (a version gap, a resubscribe, a deaf subscription, an unreadable event) `onGapOrResubscribe`
 * fires instead and the caller reloads the index by version (then calls `setVersion`).
 */
export async function subscribeIndexEvents(
  conn: RedisConnection,
  keys: KeySchema,
  onEvent: (version: number, event: IndexEvent) => void,
  onGapOrResubscribe: (resync: IndexResync) => void,
  opts: IndexEventsOptions = {},
): Promise<IndexEventSubscription> {
  const log = opts.log ?? silentLog;
  const idx = keys.index();
  let version = opts.fromVersion ?? -1;
  let closed = false;

  const resync = (reason: IndexResyncReason, seen: number): void => {
    if (seen > version) version = seen;
    log.info({ reason, version }, 'index events: resync needed');
    try {
      onGapOrResubscribe({ reason, version });
    } catch (err) {
      log.error({ err: String(err) }, 'index resync handler threw');
    }
  };

  const onMessage = (message: string): void => {
    const bar = message.indexOf('|');
    const ver = Number(bar < 0 ? NaN : message.slice(0, bar));
    if (!Number.isSafeInteger(ver)) {
      log.error({ message: message.slice(0, 200) }, 'index events: malformed event');
      resync('invalid', version);
      return;
    }
    if (ver <= version) return;
    let event: IndexEvent;
    try {
      event = JSON.parse(message.slice(bar + 1)) as IndexEvent;
    } catch {
      resync('invalid', ver);
      return;
    }
    if (ver !== version + 1) {
      resync('gap', ver);
      return;
    }
    version = ver;
    try {
      onEvent(ver, event);
    } catch (err) {
      log.error({ err: String(err), version: ver }, 'index event handler threw');
    }
  };

  const readVersion = async (): Promise<number> => Number((await conn.client.get(idx.ver)) ?? 0);

  const sub: ShardSubscription = await openShardSubscription(conn, idx.events, `${conn.name}-index-events`, {
    onMessage,
    onResubscribed: () => resync('resubscribe', version),
    onError: (err) => log.warn({ err: err.message }, 'index events subscriber connection error'),
  });

  // Subscribed first, version second: nothing can fall between the two.
  const current = await readVersion();
  if (opts.fromVersion === undefined) {
    if (current > version) version = current;
  } else if (current > opts.fromVersion) {
    resync('behind', current);
  }

  let timer: NodeJS.Timeout | undefined;
  const checkMs = opts.checkMs ?? 5_000;
  if (checkMs > 0) {
    // A version read can overtake its own event (they travel on different sockets), so only a version that
    // has been out for a whole interval without its event counts as missed.
    let seenAhead: number | undefined;
    const check = (): void => {
      readVersion()
        .then((v) => {
          if (closed) return;
          if (seenAhead !== undefined && version < seenAhead) {
            seenAhead = undefined;
            resync('behind', v);
            return;
          }
          seenAhead = v > version ? v : undefined;
        })
        .catch((err: unknown) => log.warn({ err: String(err) }, 'index version check failed'))
        .finally(() => {
          if (!closed) timer = setTimeout(check, checkMs);
        });
    };
    timer = setTimeout(check, checkMs);
  }

  return {
    get version() {
      return version;
    },
    setVersion(v: number) {
      if (v > version) version = v;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await sub.close();
    },
  };
}
