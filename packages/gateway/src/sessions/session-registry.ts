/**
 * This instance's live sessions, by id: the only local session state besides the sockets themselves (Redis holds the
 * rest). The router delivers job events through it; drain and metrics count it.
 */
import type { SessionJobEvent } from '../jobs/job-events.js';

export interface SessionEndpoint {
  readonly sessionId: string;
  readonly epoch: number;
  /** A job event for this session (results, partials, acceptances, lost attempts). Must not throw. */
  onJobEvent(event: SessionJobEvent): void;
  /** Jobs started and not yet resolved. */
  inFlight(): number;
  /** Drain began: the session is told and takes no new utterances. */
  onDrain(): void;
  /** A newer registration of this session (a resume, higher epoch) exists: stop here and close the socket. */
  fence?(reason: string): void;
  /**
   * The process is stopping: stop every timer and close the socket as "going away". Jobs are left alone: their
   * results still land in `{s}:out`, where a resume on another instance finds them.
   */
  shutdown?(): void;
}

export class SessionRegistry {
  private readonly byId = new Map<string, SessionEndpoint>();

  get size(): number {
    return this.byId.size;
  }

  get(sessionId: string): SessionEndpoint | undefined {
    return this.byId.get(sessionId);
  }

  add(session: SessionEndpoint): void {
    this.byId.set(session.sessionId, session);
  }

  /** Removes `session` only if it is still the registered one for its id. */
  delete(session: SessionEndpoint): void {
    if (this.byId.get(session.sessionId) === session) this.byId.delete(session.sessionId);
  }

  values(): IterableIterator<SessionEndpoint> {
    return this.byId.values();
  }

  inFlight(): number {
    let n = 0;
    for (const s of this.byId.values()) n += s.inFlight();
    return n;
  }
}
