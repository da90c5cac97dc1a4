/**
 * What this instance owns, in Redis (`{i}:sessions`; `{i}:nodes` is written by node registration): the list a
 * takeover walks when this instance dies. Written when a session is claimed (before its ack) and removed when
 * the session ends here — never by a ticker, so the list is exactly as current as the claims. An entry that
 * outlived its session (a crash between claim and cleanup) is harmless: takeover checks the session's owner
 * before touching anything.
 */
import type { Logger } from 'pino';
import {
  addOwnedSession,
  removeOwnedSession,
  type InstanceKeys,
  type KeySchema,
  type RedisConnection,
} from '@lingua/store';

export interface OwnershipDeps {
  readonly redis: RedisConnection;
  readonly keys: KeySchema;
  readonly instanceId: string;
  readonly logger: Logger;
}

export class SessionOwnership {
  private readonly keys: InstanceKeys;

  constructor(private readonly ctx: OwnershipDeps) {
    this.keys = ctx.keys.instance(ctx.instanceId);
  }

  /** Before the session's ack: a takeover of this instance must find the session. */
  async own(sessionId: string): Promise<void> {
    await addOwnedSession(this.ctx.redis, this.keys, sessionId);
  }

  /**
   * The session ended here or moved away. The caller has checked that no newer session of this id lives on
   * this instance (a resume onto the same instance re-adds it anyway). Never throws.
   */
  release(sessionId: string): void {
    removeOwnedSession(this.ctx.redis, this.keys, sessionId).catch((err: unknown) => {
      this.ctx.logger.warn({ err, sessionId }, 'session ownership entry not removed; takeover skips it');
    });
  }
}
