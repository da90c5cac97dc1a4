/**
 * One `/ws/session` socket (PROTOCOL.md §Session socket). Thin on purpose: admit (rate limit, text only) →
 * decode → check the session id → hand to the Session. Invalid input gets an `error` (INVALID_MESSAGE with
 * `details.path`, INVALID_SESSION for an unknown or foreign session id) and changes nothing else.
 *
 * Liveness (WebSocket ping) is attached by the upgrade router; the existing web client never detects a silent
 * server, so that is how dead clients are found.
 */
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import { encodeSessionFrame, type SessionInbound, type SessionOutbound } from '@lingua/protocol';
import type { GatewayContext } from '../context.js';
import { jobServiceOf, type JobService } from '../jobs/job-service.js';
import type { InboundGate } from '../ws/inbound-gate.js';
import { sendJson } from '../ws/send.js';
import { Session, type FrameError } from './session.js';
import { initSession } from './session-init.js';

const NORMAL_CLOSE = 1000;

export function attachSessionSocket(ctx: GatewayContext, ws: WebSocket, _req: IncomingMessage): void {
  new SessionSocket(ctx, jobServiceOf(ctx), ws);
}

type SocketState = 'awaiting_init' | 'initialising' | 'open' | 'closed';

class SessionSocket {
  private readonly gate: InboundGate;
  private state: SocketState = 'awaiting_init';
  private session: Session | undefined;
  private traceId: string | undefined;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly service: JobService,
    private readonly ws: WebSocket,
  ) {
    this.gate = ctx.newInboundGate();
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
    this.state = 'initialising';
    const { metrics } = this.ctx;
    let outcome;
    try {
      outcome = await initSession(
        { store: this.service.sessionStore, instanceId: this.ctx.instanceId, now: () => Date.now() },
        msg,
      );
    } catch (err) {
      this.ctx.logger.error({ err }, 'session_init failed');
      outcome = {
        ok: false as const,
        error: { code: 'SCHEDULER_DEPENDENCY_DOWN', message: 'could not create the session; please retry' },
      };
    }
    if (!outcome.ok) {
      metrics.sessions.opened.inc({ outcome: outcome.error.code });
      if (this.state === 'initialising') this.state = 'awaiting_init';
      this.sendError(outcome.error);
      return;
    }
    metrics.sessions.opened.inc({ outcome: 'ok' });
    if (this.socketGone()) return; // the socket went away while Redis answered
    this.traceId = outcome.setup.params.traceId;
    const session = new Session(this.service.sessionServices, outcome.setup, (frame) => this.send(frame));
    this.session = session;
    this.state = 'open';
    this.service.sessions.add(session);
    metrics.sessions.active.inc();
    this.send(outcome.ack);
  }

  private async closeSession(session: Session): Promise<void> {
    this.state = 'closed';
    this.detach(session);
    await session.close();
    this.send({ type: 'session_close_ack', session_id: session.sessionId });
    this.ws.close(NORMAL_CLOSE, 'session closed');
  }

  private onClose(): void {
    const previous = this.state;
    this.state = 'closed';
    const session = this.session;
    if (session === undefined || previous === 'closed') return;
    this.detach(session);
    session.socketClosed().catch((err: unknown) => {
      this.ctx.logger.warn({ err, sessionId: session.sessionId }, 'session cleanup failed');
    });
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

  private send(frame: SessionOutbound): void {
    sendJson(this.ws, encodeSessionFrame(frame));
  }

  private sendError(err: FrameError): void {
    this.ctx.metrics.errors.inc({ endpoint: 'session', code: err.code });
    const frame: SessionOutbound = { type: 'error', code: err.code, message: err.message };
    if (err.details !== undefined) frame.details = err.details;
    if (this.traceId !== undefined) frame.trace_id = this.traceId;
    this.send(frame);
  }
}
