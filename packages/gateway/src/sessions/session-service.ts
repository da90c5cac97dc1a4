/**
 * The session side of one gateway process: accepts `/ws/session` sockets, builds what every Session needs once,
 * and answers for all local sessions at drain and stop. Sessions reach jobs through `jobs` (the job side's
 * `forSessions`); jobs reach sessions only through the router and this registry.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Principal } from '../auth/principal.js';
import type { SessionServices } from './session.js';
import type { SessionRegistry } from './session-registry.js';
import type { SessionParts, SessionSide, SessionSideDeps } from './session-side.js';
import { SessionSocket } from './session-socket.js';
import { SessionStore } from './session-store.js';
import { KeyedLimit } from '../ws/keyed-limit.js';

/**
 * Whose sessions count together against LINGUA_MAX_SESSIONS_PER_SUBJECT: the token's subject (within its
 * tenant), or the client address when authentication is off and everyone is anonymous.
 */
export function sessionLimitKey(principal: Principal | undefined, client: string): string {
  if (principal === undefined || principal.anonymous) return `addr:${client}`;
  return `sub:${JSON.stringify([principal.tenant ?? null, principal.subject])}`;
}

export class SessionService implements SessionSide, SessionParts {
  readonly sessions: SessionRegistry;
  readonly subjects: KeyedLimit;
  readonly sessionStore: SessionStore;
  readonly sessionServices: SessionServices;

  constructor(private readonly deps: SessionSideDeps) {
    const { config, metrics } = deps;
    this.sessions = deps.registry;
    this.subjects = new KeyedLimit(config.maxSessionsPerSubject);
    this.sessionStore = new SessionStore(deps.scripts, deps.keys);
    this.sessionServices = {
      timers: deps.timers,
      logger: deps.logger,
      settings: {
        pauseMs: config.pauseMs,
        maxUtteranceMs: config.maxUtteranceMs,
        maxAudioBufferBytes: config.maxAudioBufferBytes,
        finalGraceMs: config.finalGraceMs,
        resultGapMs: config.resultGapMs,
      },
      newTurnId: () => `t-${randomUUID()}`,
      jobs: deps.jobs,
      observe: {
        cut: (trigger) => metrics.sessions.utterances.inc({ trigger }),
        emitted: (res, how) =>
          metrics.sessions.resolutions.inc({ kind: res.kind, reason: res.reason ?? '', how }),
        refused: (outcome) => metrics.sessions.refused.inc({ outcome }),
      },
    };
  }

  attach(ws: WebSocket, _req: IncomingMessage, principal: Principal | undefined, client: string): void {
    new SessionSocket(this.deps, this, ws, {
      address: client,
      limitKey: sessionLimitKey(principal, client),
      tenant: sessionTenant(principal),
    });
  }

  inFlight(): number {
    return this.sessions.inFlight();
  }

  onDrain(): void {
    for (const s of this.sessions.values()) s.onDrain();
  }

  stop(): void {
    for (const s of [...this.sessions.values()]) s.shutdown?.();
  }
}

/** The tenant a session belongs to: its credential's `tenant` claim; none when authentication is off. */
function sessionTenant(principal: Principal | undefined): string | undefined {
  return principal && !principal.anonymous && principal.tenant ? principal.tenant : undefined;
}
