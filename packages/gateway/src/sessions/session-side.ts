/**
 * The session side's seams: what it is built from, what the gateway's lifecycle asks of it, and what one session
 * socket uses of it.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { Decoders } from '@lingua/protocol';
import type { Principal } from '../auth/principal.js';
import type { KeySchema, RedisConnection, ScriptRunner, SessionOut } from '@lingua/store';
import type { SessionOwnership } from '../instance/ownership.js';
import type { SessionJobsDeps } from '../jobs/session-jobs.js';
import type { Metrics } from '../metrics.js';
import type { Router } from '../router/router.js';
import type { Timers } from '../time/timers.js';
import type { InboundGate } from '../ws/inbound-gate.js';
import type { KeyedLimit } from '../ws/keyed-limit.js';
import type { SessionServices, SessionSettings } from './session.js';
import type { SessionRegistry } from './session-registry.js';
import type { SessionStore } from './session-store.js';

export interface SessionSideDeps {
  readonly config: SessionSettings & {
    sessionResumeGraceMs: number;
    initTimeoutMs: number;
    maxSessionsPerSubject: number;
  };
  readonly instanceId: string;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, 'sessions' | 'errors' | 'ws'>;
  readonly decoders: Pick<Decoders, 'decodeSessionFrame'>;
  readonly redis: RedisConnection;
  readonly scripts: ScriptRunner;
  readonly keys: KeySchema;
  /** The `{s}:out` streams: resolutions kept for a resume, acknowledged in batches. */
  readonly out: SessionOut;
  /** This instance's live sessions (the router delivers job events through it). */
  readonly registry: SessionRegistry;
  readonly ownership: SessionOwnership;
  readonly router: Pick<Router, 'fence'>;
  readonly jobs: Omit<SessionJobsDeps, 'logger'>;
  newInboundGate(): InboundGate;
}

/** What the gateway's lifecycle asks of the session side (a test may stand in for it). */
export interface SessionSide {
  /** `client`: the client address of the upgrade (the load balancer's `X-Forwarded-For` when trusted). */
  attach(ws: WebSocket, req: IncomingMessage, principal: Principal | undefined, client: string): void;
  /** Jobs started by local sessions and not yet resolved. */
  inFlight(): number;
  /** Drain began: every session is told and takes no new utterances. */
  onDrain(): void;
  /** Process stop: every local session closes its socket as "going away" and stops its timers. */
  stop(): void;
}

/** What one session socket uses of the session side. */
export interface SessionParts {
  readonly sessions: SessionRegistry;
  /** Sessions held per principal on this instance (LINGUA_MAX_SESSIONS_PER_SUBJECT). */
  readonly subjects: KeyedLimit;
  readonly sessionStore: SessionStore;
  readonly sessionServices: SessionServices;
}
