/**
 * One `/ws/session` socket (docs/protocol.md "Session socket"). Thin on purpose: admit (rate limit, text only) →
 * decode → check the session id → hand to the Session. Invalid input gets an `error` (INVALID_MESSAGE with
 * `details.path`, INVALID_SESSION for an unknown or foreign session id) and changes nothing else.
 *
 * Liveness (WebSocket ping) is attached by the upgrade router; the existing web client never detects a silent
 * server, so that is how dead clients are found. A socket without a session after LINGUA_INIT_TIMEOUT_MS is
 * closed with 4008. Each socket that holds (or is creating) a session takes one slot of its principal's
 * LINGUA_MAX_SESSIONS_PER_SUBJECT on this instance until it closes; a `session_init` past it is refused with
 * RATE_LIMITED and creates nothing. A resume takes its slot regardless: it replaces a socket, it adds no session.
 */
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import { encodeSessionFrame, type SessionInbound, type SessionOutbound } from '@lingua/protocol';
import type { SessionKeys, SessionOut } from '@lingua/store';
import type { SessionOwnership } from '../instance/ownership.js';
import type { InboundGate } from '../ws/inbound-gate.js';
import { InitDeadline, INIT_TIMEOUT_CLOSE } from '../ws/init-deadline.js';
import type { Release } from '../ws/keyed-limit.js';
import { sendJson } from '../ws/send.js';
import { OutAcks } from './out-acks.js';
import { PendingResume, resumeSession, type ResumeOutcome } from './resume.js';
import { Session, type ResolvedFrame } from './session.js';
import type { FrameError } from './session-setup.js';
import { initSession, type InitOutcome } from './session-init.js';
import type { SessionEndpoint } from './session-registry.js';
import type { SessionParts, SessionSideDeps } from './session-side.js';

const NORMAL_CLOSE = 1000;
/** A resume of this session on another socket replaced this one. */
const FENCED_CLOSE = 4001;
const GOING_AWAY_CLOSE = 1001;

type SocketState = 'awaiting_init' | 'initialising' | 'open' | 'closed';

/** Who is on the other end, as the upgrade established it. */
export interface SessionPeer {
  /** The client address (see ws/client-address.ts). */
  readonly address: string;
  /** Whose sessions this one counts with (LINGUA_MAX_SESSIONS_PER_SUBJECT). */
  readonly limitKey: string;
  /** The tenant of the socket's credential, if any: decides which private nodes may serve a new session. */
  readonly tenant: string | undefined;
}

export class SessionSocket {
  private readonly gate: InboundGate;
  private state: SocketState = 'awaiting_init';
  private session: Session | undefined;
  private traceId: string | undefined;
  private readonly ownership: SessionOwnership;
  private readonly acks: OutAcks;
  private readonly out: SessionOut;
  private sessionKeys: SessionKeys | undefined;
  private readonly log: Logger;
  private readonly deadline: InitDeadline;
  /** This socket's slot of its principal's session limit, while it holds or creates a session. */
  private slot: Release | undefined;

  constructor(
    private readonly ctx: SessionSideDeps,
    private readonly service: SessionParts,
    private readonly ws: WebSocket,
    private readonly peer: SessionPeer,
  ) {
    this.gate = ctx.newInboundGate();
    this.log = ctx.logger.child({ peer: peer.address });
    this.deadline = new InitDeadline(
      ctx.config.initTimeoutMs,
      () => (this.state === 'awaiting_init' ? 'waiting' : this.state === 'initialising' ? 'busy' : 'done'),
      () => this.initTimedOut(),
    );
    this.ownership = ctx.ownership;
    this.out = ctx.out;
    const onAckError = (err: unknown): void => {
      this.log.warn({ err }, 'out entries not acknowledged; a resume may replay them');
    };
    this.acks = new OutAcks(ws, (ids) => {
      if (this.sessionKeys) this.out.ack(this.sessionKeys, ids, onAckError);
    });
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.once('close', () => this.onClose());
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const admitted = this.gate.admit(data, isBinary);
    if (!admitted.ok) {
      if (admitted.reply) this.sendError({ code: admitted.code, message: admitted.message });
      return;
    }
    const decoded = this.ctx.decoders.decodeSessionFrame(admitted.text);
    if (!decoded.ok) {
      const { code, message, path } = decoded.error;
      this.sendError({ code, message, details: { path } });
      return;
    }
    this.dispatch(decoded.msg);
  }

  private dispatch(msg: SessionInbound): void {
    if (msg.type === 'session_init') {
      if (this.state !== 'awaiting_init') {
        this.sendError({
          code: 'INVALID_MESSAGE',
          message: 'this socket already has a session',
          details: { path: '/type' },
        });
        return;
      }
      void this.init(msg);
      return;
    }
    const session = this.session;
    if (this.state === 'closed') {
      this.sendError({ code: 'SESSION_CLOSED', message: 'the session is closed' });
      return;
    }
    if (session === undefined || msg.session_id !== session.sessionId) {
      this.sendError({
        code: 'INVALID_SESSION',
        message: `unknown session ${msg.session_id}`,
        details: { path: '/session_id' },
      });
      return;
    }
    switch (msg.type) {
      case 'audio_chunk':
        this.answer(session.onAudioChunk(msg));
        return;
      case 'utterance':
        this.answer(session.onUtterance(msg));
        return;
      case 'client_heartbeat':
        this.send({ type: 'server_heartbeat', session_id: session.sessionId, timestamp: Date.now() });
        return;
      case 'session_close':
        void this.closeSession(session);
        return;
      case 'tts_started':
      case 'tts_play_ended':
        // Playback telemetry of the client: nothing to schedule.
        return;
    }
  }

  private async init(msg: Extract<SessionInbound, { type: 'session_init' }>): Promise<void> {
    const { metrics } = this.ctx;
    const resume = msg.resume;
    const limits = this.service.subjects;
    const slot = resume ? limits.acquire(this.peer.limitKey) : limits.tryAcquire(this.peer.limitKey);
    if (slot === undefined) {
      metrics.sessions.opened.inc({ outcome: 'RATE_LIMITED' });
      this.sendError({
        code: 'RATE_LIMITED',
        message: `too many sessions for this principal on this gateway instance (at most ${this.ctx.config.maxSessionsPerSubject})`,
      });
      return;
    }
    this.slot = slot;
    this.state = 'initialising';
    const sessions = this.service.sessions;
    // A resume claims the session before its Session exists: events routed here meanwhile are held.
    const pending = resume ? new PendingResume(resume.session_id) : undefined;
    const replaced: SessionEndpoint | undefined = resume ? sessions.get(resume.session_id) : undefined;
    if (pending) sessions.add(pending);
    let outcome: InitOutcome | ResumeOutcome;
    try {
      outcome = resume
        ? await resumeSession(
            {
              scripts: this.ctx.scripts,
              redis: this.ctx.redis,
              keys: this.ctx.keys,
              out: this.ctx.out,
              instanceId: this.ctx.instanceId,
              now: () => Date.now(),
            },
            { ...msg, resume },
          )
        : await initSession(
            { store: this.service.sessionStore, instanceId: this.ctx.instanceId, now: () => Date.now() },
            msg,
            this.peer.tenant,
          );
      // Listed as this instance's before the ack: a takeover of this instance must find it.
      if (outcome.ok) await this.ownership.own(outcome.setup.sessionId);
    } catch (err) {
      this.log.error({ err }, 'session_init failed');
      outcome = {
        ok: false as const,
        error: { code: 'SCHEDULER_DEPENDENCY_DOWN', message: 'could not create the session; please retry' },
      };
    }
    if (!outcome.ok) {
      if (pending) {
        // Refused: the session (if it lives here) keeps its place and the events held for it.
        if (replaced) sessions.add(replaced);
        else sessions.delete(pending);
        pending.handOver(replaced);
      }
      metrics.sessions.opened.inc({ outcome: outcome.error.code });
      this.releaseSlot();
      if (this.state === 'initialising') this.state = 'awaiting_init';
      this.sendError(outcome.error);
      return;
    }
    metrics.sessions.opened.inc({ outcome: 'ok' });
    const { setup } = outcome;
    const resumed = resume ? (outcome as Extract<ResumeOutcome, { ok: true }>) : undefined;
    if (resumed) {
      // The previous socket, here or on its instance, is closed; its late messages are dropped there.
      if (replaced && replaced.epoch < setup.epoch) replaced.fence?.('session resumed on a new socket');
      if (resumed.prevOwner !== '' && resumed.prevOwner !== this.ctx.instanceId) {
        void this.ctx.router
          .fence({ kind: 'session', id: setup.sessionId, epoch: setup.epoch, owner: resumed.prevOwner })
          .catch((err: unknown) => this.log.warn({ err }, 'session fence not sent'));
      }
    } else if (this.socketGone()) {
      // The socket went away while Redis answered: nothing runs for the new session, and nothing will ever end
      // it here, so it comes off this instance's ownership list now.
      this.ownership.release(setup.sessionId);
      return;
    }
    this.traceId = setup.params.traceId;
    this.sessionKeys = this.ctx.keys.session(setup.sessionId);
    const session = new Session(this.service.sessionServices, setup, (frame, resolves) =>
      this.send(frame, resolves),
    );
    session.onFenced = (reason) => this.fenced(session, reason);
    session.onShutdown = () => {
      this.state = 'closed';
      this.detach(session);
      this.ws.close(GOING_AWAY_CLOSE, 'gateway stopping');
    };
    this.session = session;
    sessions.add(session);
    metrics.sessions.active.inc();
    if (!this.socketGone()) {
      this.state = 'open';
      this.deadline.clear();
      this.send(outcome.ack);
    }
    if (resumed) {
      session.restore(resumed.restore);
      pending?.handOver(session);
      // Resumed onto a socket that is already gone: the jobs it adopted keep their grace like any other.
      if (this.socketGone()) this.leave(session);
    }
  }

  private async closeSession(session: Session): Promise<void> {
    this.state = 'closed';
    await session.close();
    this.ended(session);
    this.send({ type: 'session_close_ack', session_id: session.sessionId });
    this.ws.close(NORMAL_CLOSE, 'session closed');
  }

  private onClose(): void {
    const previous = this.state;
    this.state = 'closed';
    this.deadline.clear();
    this.releaseSlot();
    const session = this.session;
    if (session === undefined || previous === 'closed') return;
    this.leave(session);
  }

  /**
   * The socket is gone without `session_close`: the session stays resumable for LINGUA_SESSION_RESUME_GRACE_MS
   * (its open jobs keep going), then ends here.
   */
  private leave(session: Session): void {
    const grace = this.ctx.config.sessionResumeGraceMs;
    if (grace > 0) {
      session.detach(grace, () => this.ended(session));
      return;
    }
    session
      .socketClosed()
      .catch((err: unknown) => {
        this.log.warn({ err, sessionId: session.sessionId }, 'session cleanup failed');
      })
      .finally(() => this.ended(session));
  }

  /** A resume took the session over (here or on another instance): this socket closes, its jobs move on. */
  private fenced(session: Session, reason: string): void {
    this.state = 'closed';
    this.detach(session);
    this.sendError({ code: 'SESSION_CLOSED', message: `this socket was replaced: ${reason}` });
    this.ws.close(FENCED_CLOSE, 'session resumed elsewhere');
  }

  /** The session is over on this instance: out of the registry and out of the ownership list. */
  private ended(session: Session): void {
    this.detach(session);
    // A newer session of this id here (a resume onto this instance) keeps the entry.
    if (this.service.sessions.get(session.sessionId) === undefined) this.ownership.release(session.sessionId);
  }

  private releaseSlot(): void {
    this.slot?.();
    this.slot = undefined;
  }

  /** No session within LINGUA_INIT_TIMEOUT_MS: told why, then closed. */
  private initTimedOut(): void {
    this.ctx.metrics.ws.closedByGateway.inc({ endpoint: 'session', reason: 'init_timeout' });
    this.sendError({
      code: 'INVALID_MESSAGE',
      message: `no session_init within ${this.ctx.config.initTimeoutMs} ms; closing`,
      details: { path: '/type' },
    });
    this.state = 'closed';
    this.ws.close(INIT_TIMEOUT_CLOSE, 'session_init timeout');
  }

  /** Re-read after an await: the close handler may have run meanwhile. */
  private socketGone(): boolean {
    return this.state === 'closed';
  }

  private detach(session: Session): void {
    if (this.service.sessions.get(session.sessionId) !== session) return;
    this.service.sessions.delete(session);
    this.ctx.metrics.sessions.active.dec();
  }

  private answer(err: FrameError | undefined): void {
    if (err) this.sendError(err);
  }

  private send(frame: SessionOutbound, resolves?: ResolvedFrame): void {
    if (this.ws.readyState !== this.ws.OPEN) {
      if (resolves !== undefined && resolves.outId === undefined) this.keepForResume(frame, resolves.kind);
      return;
    }
    this.acks.writing(resolves?.outId);
    sendJson(this.ws, encodeSessionFrame(frame));
  }

  /**
   * A resolution this instance made itself (timeout, lost node, gap) while the socket is gone but the session is
   * still resumable: kept in `{s}:out` like the nodes' results, so a resume replays it. Node results are there
   * already (job-transition wrote them).
   */
  private keepForResume(frame: SessionOutbound, kind: ResolvedFrame['kind']): void {
    const session = this.session;
    const keys = this.sessionKeys;
    if (session === undefined || keys === undefined) return;
    const jobId = 'job_id' in frame && typeof frame.job_id === 'string' ? frame.job_id : '';
    this.out.append(keys, { jobId, kind, msg: JSON.stringify(frame) }).catch((err: unknown) => {
      this.log.warn({ err, sessionId: session.sessionId }, 'resolution not kept for a resume');
    });
  }

  private sendError(err: FrameError): void {
    this.ctx.metrics.errors.inc({ endpoint: 'session', code: err.code });
    const frame: SessionOutbound = { type: 'error', code: err.code, message: err.message };
    if (err.details !== undefined) frame.details = err.details;
    if (this.traceId !== undefined) frame.trace_id = this.traceId;
    this.send(frame);
  }
}
