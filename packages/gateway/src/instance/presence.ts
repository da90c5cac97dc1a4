/**
 * Instance presence: `{i}:alive` is refreshed every LINGUA_INSTANCE_TICK_MS with a TTL of 3 ticks, and the instance
 * is listed in `{idx}:instances` (score = last seen). An instance whose key expired while it is still listed is dead;
 * the maintenance sweep hands it to a takeover. The key's value carries what `GET /api/v1/cluster` shows about the
 * instance (start time, inbox figures), so every instance can describe every other one without asking it.
 */
import type { Logger } from 'pino';
import { deletePresence, writePresence, type KeySchema, type RedisConnection } from '@lingua/store';

/** What an instance publishes about itself in `{i}:alive`. */
export interface PresenceInfo {
  id: string;
  started_at: number;
  /** When this value was written. */
  at: number;
  host?: string;
  pid?: number;
  [extra: string]: unknown;
}

export interface PresenceOptions {
  redis: RedisConnection;
  keys: KeySchema;
  instanceId: string;
  tickMs: number;
  logger: Logger;
  /** Extra figures written with every refresh (inbox lag, local socket counts). */
  figures?: () => Record<string, unknown>;
  now?: () => number;
}

/** Presence outlives this many missed refreshes. */
export const PRESENCE_TTL_TICKS = 3;

export class Presence {
  readonly startedAt: number;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private stopped = false;
  private writes = 0;

  constructor(private readonly opts: PresenceOptions) {
    this.startedAt = this.now();
  }

  get ttlMs(): number {
    return this.opts.tickMs * PRESENCE_TTL_TICKS;
  }

  /** Writes presence once (so the instance is alive before it is ready), then refreshes on every tick. */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  /**
   * Graceful exit: presence goes at once, so the next sweep hands whatever this instance still owns to a
   * takeover instead of waiting for the TTL.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.refreshing?.catch(() => undefined);
    try {
      await deletePresence(this.opts.redis, this.opts.keys.instance(this.opts.instanceId));
    } catch (err) {
      this.opts.logger.warn({ err }, 'presence: could not remove the alive key; it expires by TTL');
    }
  }

  /** One refresh: SET alive (value + TTL) and ZADD the instance registry. */
  refresh(): Promise<void> {
    this.refreshing ??= this.write().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async write(): Promise<void> {
    const { redis, keys, instanceId } = this.opts;
    const now = this.now();
    const info: PresenceInfo = {
      ...this.opts.figures?.(),
      id: instanceId,
      started_at: this.startedAt,
      at: now,
      pid: process.pid,
    };
    // Two slots ({i:id} and {idx}): two commands. SET … GET tells whether the key had lapsed meanwhile.
    const previous = await writePresence(redis, keys, {
      instanceId,
      value: JSON.stringify(info),
      ttlMs: this.ttlMs,
      now,
    });
    // The first write finds no key by design; a later one only if refreshes stalled for a whole TTL.
    if (previous === null && this.writes > 0) {
      this.opts.logger.error(
        { instanceId },
        'presence had lapsed: other instances may have taken this instance over (its sockets re-register)',
      );
    }
    this.writes++;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.refresh()
        .catch((err: unknown) => {
          this.opts.logger.warn({ err }, 'presence refresh failed');
        })
        .finally(() => this.schedule());
    }, this.opts.tickMs);
    this.timer.unref();
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }
}
