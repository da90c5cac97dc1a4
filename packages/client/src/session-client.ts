/**
 * The client side of `/ws/session` (docs/protocol.md "Session socket"): open a session, stream audio chunks, end
 * utterances, receive partials and results; after a dropped connection reconnect with backoff and take the session
 * over with ext `resume` (or start a new session when the gateway cannot resume it). A refused credential (401/403
 * at the upgrade) is not retried: the same token would be refused again.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import {
  decodeSessionOutbound,
  describeRefusal,
  encodeSessionInbound,
  isCredentialRefusal,
  isUsableToken,
  upgradeCredential,
  type AudioFormat,
  type Backpressure,
  type Features,
  type MissingResult,
  type SessionAsrPartial,
  type SessionErrorMessage,
  type SessionInbound,
  type SessionInit,
  type SessionInitAck,
  type SessionMode,
  type SessionOutbound,
  type TranslationResult,
  type UiEvent,
  createBackoff,
  gatewayEndpoint,
  type Backoff,
  type BackoffOptions,
} from '@lingua/protocol';
import { ClientError } from './errors.js';
import { readRefusalBody } from './refusal-body.js';
import { UtteranceTracker } from './utterance-tracker.js';

export interface SessionClientOptions {
  /**
   * Gateway address, e.g. `ws://127.0.0.1:5010`; the path defaults to `/ws/session`. It may carry the gateway
   * credential as the `access_token` query parameter (see `token`).
   */
  url: string;
  /**
   * The gateway credential (a JWT of role `session`), sent as `Authorization: Bearer <token>` on every upgrade,
   * reconnects included. When both this and an `access_token` in `url` are given, this one wins: the URL's
   * parameter is dropped (the gateway refuses a request carrying both). A gateway that answers an upgrade 401 or
   * 403 ends the client with an `AUTH_REJECTED` error instead of reconnecting.
   */
  token?: string;
  srcLang: string;
  tgtLang: string;
  mode?: SessionMode;
  langA?: string;
  langB?: string;
  autoLangs?: string[];
  dialect?: string;
  features?: Features;
  tenantId?: string;
  enableStreamingAsr?: boolean;
  partialUpdateIntervalMs?: number;
  /** A fixed trace id; by default every new session gets a random one (a resumed session keeps its own). */
  traceId?: string;
  /** Wire format of the audio passed to `sendAudio`. Default `pcm16` (declared with ext `audio_format`). */
  audioFormat?: AudioFormat;
  /** Default 16 000. */
  sampleRate?: number;
  platform?: SessionInit['platform'];
  clientVersion?: string;
  /** Reconnect after a dropped connection. Default true. */
  reconnect?: boolean;
  /** Try ext `resume` when reconnecting. Default true. */
  resume?: boolean;
  /** Default: 1 s doubling to 30 s (like the web client), half of each delay jittered. */
  backoff?: BackoffOptions;
  /** How long `connect()` and each reconnect wait for `session_init_ack`. Default 10 000 ms. */
  ackTimeoutMs?: number;
  /** Audio frames held while disconnected or paused by backpressure; the oldest are dropped beyond it. Default 4096. */
  maxQueuedFrames?: number;
  /** Randomness for backoff jitter (tests pin it). */
  random?: () => number;
}

export interface SessionClientEvents {
  /** Every `session_init_ack`, the first one and those of reconnects. */
  ack: [SessionInitAck];
  partial: [SessionAsrPartial];
  result: [TranslationResult];
  missing: [MissingResult];
  ui_event: [UiEvent];
  backpressure: [Backpressure];
  /** A reconnect could not resume: `sessionId` is a new session, utterances of the old one will not resolve. */
  resume_failed: [{ previousSessionId: string; sessionId: string }];
  disconnected: [{ code: number; reason: string }];
  reconnecting: [{ attempt: number; delayMs: number }];
  /**
   * The client is closed for good: by `close()`, by a dropped connection with `reconnect: false`, or (`error`
   * set, `AUTH_REJECTED`) because the gateway refused the credential of a reconnect.
   */
  closed: [{ error?: ClientError }];
  /** Gateway `error` frames (code GATEWAY_ERROR) and local failures. Emitted only while someone listens. */
  error: [ClientError];
}

type Phase = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'closed';

interface QueuedFrame {
  seq: number;
  isFinal: boolean;
  payload: string;
  at: number;
}

interface PendingAck {
  resolve(ack: SessionInitAck): void;
  reject(err: ClientError): void;
}

export function sessionEndpoint(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ClientError('INVALID_OPTIONS', `not a URL: ${JSON.stringify(url)}`);
  }
  const endpoint = gatewayEndpoint(u, '/ws/session');
  if (endpoint === undefined) {
    throw new ClientError('INVALID_OPTIONS', `unsupported gateway URL scheme ${u.protocol}`);
  }
  return endpoint;
}

const DEFAULT_PAUSE_MS = 1000;

export class SessionClient extends EventEmitter<SessionClientEvents> {
  /** The endpoint dialled (without `access_token` when a `token` option is given). */
  readonly url: string;
  /** Every utterance of this client and what became of it. */
  readonly utterances = new UtteranceTracker();
  readonly results: TranslationResult[] = [];
  readonly missing: MissingResult[] = [];
  readonly partials: SessionAsrPartial[] = [];
  readonly gatewayErrors: SessionErrorMessage[] = [];

  private readonly opts: SessionClientOptions;
  private readonly upgradeHeaders: Record<string, string>;
  /** Why the client closed on its own (a refused credential); waits that end early reject with it. */
  private closedBy: ClientError | undefined;
  private readonly backoff: Backoff;
  private readonly ackTimeoutMs: number;
  private readonly maxQueuedFrames: number;
  private ws: WebSocket | undefined;
  private phase: Phase = 'idle';
  private currentAck: SessionInitAck | undefined;
  private resumeToken: string | undefined;
  private resumingFrom: string | undefined;
  /** Highest utterance index resolved on the current session: sent on resume so nothing held is replayed. */
  private receivedThrough: number | undefined;
  private traceId: string | undefined;
  private seq = 0;
  private queue: QueuedFrame[] = [];
  private pausedUntil = 0;
  private pauseTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private pendingAck: PendingAck | undefined;
  private progressWaiters: (() => void)[] = [];

  constructor(opts: SessionClientOptions) {
    super();
    if (opts.token !== undefined && !isUsableToken(opts.token)) {
      throw new ClientError('INVALID_OPTIONS', 'token must be a non-empty string without spaces');
    }
    const credential = upgradeCredential(sessionEndpoint(opts.url), opts.token);
    this.url = credential.url;
    this.upgradeHeaders = credential.headers;
    this.opts = opts;
    this.backoff = createBackoff(opts.backoff, opts.random);
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
    this.maxQueuedFrames = opts.maxQueuedFrames ?? 4096;
  }

  /** The current session id (changes when a reconnect could not resume). */
  get sessionId(): string | undefined {
    return this.currentAck?.session_id;
  }

  get ack(): SessionInitAck | undefined {
    return this.currentAck;
  }

  get connected(): boolean {
    return this.phase === 'ready';
  }

  /**
   * Opens the socket and the session. Rejects when the first attempt fails (refused, closed or an `error`
   * before the ack, or no ack in time; `AUTH_REJECTED` when the gateway refuses the credential): reconnecting
   * applies only to sessions that were established.
   */
  connect(): Promise<SessionInitAck> {
    if (this.phase !== 'idle')
      throw new ClientError('INVALID_OPTIONS', `connect() called while ${this.phase}`);
    this.phase = 'connecting';
    return new Promise<SessionInitAck>((resolve, reject) => {
      this.pendingAck = { resolve, reject };
      this.open();
    });
  }

  /** Sends one chunk of audio in the session's format; returns its `seq`. Queued while disconnected or paused. */
  sendAudio(bytes: Uint8Array): number {
    return this.enqueue(
      false,
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    );
  }

  /**
   * Ends the current utterance (`{is_final:true, payload:""}`); returns its `seq`. The utterance is tracked from
   * the moment this frame is actually sent, under the session it is sent to.
   */
  finalize(): number {
    return this.enqueue(true, '');
  }

  /** Resolves once at least `n` translation results arrived (all sessions of this client). */
  async waitForResults(n: number, timeoutMs = 30_000): Promise<TranslationResult[]> {
    await this.waitUntil(() => this.results.length >= n, timeoutMs, `${n} results`);
    return this.results;
  }

  /** Resolves once at least `n` utterances are resolved (translation_result or missing_result). */
  async waitForResolved(n: number, timeoutMs = 30_000): Promise<void> {
    await this.waitUntil(() => this.utterances.resolvedCount >= n, timeoutMs, `${n} resolved utterances`);
  }

  /** Resolves once every utterance this client knows of is resolved. */
  async waitForAllResolved(timeoutMs = 30_000): Promise<void> {
    await this.waitUntil(
      () => this.utterances.resolvedCount >= this.utterances.expectedCount,
      timeoutMs,
      'all utterances resolved',
    );
  }

  /** Ends the session (`session_close`) and closes the socket; no reconnect follows. */
  async close(reason = 'client_close'): Promise<void> {
    if (this.phase === 'closed') return;
    const wasPending = this.pendingAck;
    this.phase = 'closed';
    this.clearTimers();
    this.pendingAck = undefined;
    wasPending?.reject(new ClientError('CLOSED', 'client closed before the session was acknowledged'));
    const ws = this.ws;
    if (ws !== undefined && ws.readyState !== WebSocket.CLOSED) {
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      if (ws.readyState === WebSocket.OPEN) {
        const sessionId = this.sessionId;
        if (sessionId !== undefined) this.send({ type: 'session_close', session_id: sessionId, reason });
        ws.close(1000, reason);
        const force = setTimeout(() => ws.terminate(), 2000);
        await closed;
        clearTimeout(force);
      } else {
        ws.terminate();
        await closed;
      }
    }
    this.emit('closed', {});
    this.notifyProgress();
  }

  // ---- socket -----------------------------------------------------------------------------------------------

  private open(): void {
    const ws = new WebSocket(this.url, {
      headers: this.upgradeHeaders,
      handshakeTimeout: this.ackTimeoutMs,
      perMessageDeflate: false,
    });
    this.ws = ws;
    // Set once the upgrade got an HTTP answer instead of a socket: aborting that handshake makes `ws` report an
    // error of its own, which would only repeat what was already reported.
    let answered = false;
    ws.on('unexpected-response', (_req, res) => {
      answered = true;
      const status = res.statusCode;
      if (ws === this.ws && isCredentialRefusal(status)) {
        this.onCredentialRefused(ws, status, res);
        return;
      }
      // Any other answer (503 while the gateway drains, a proxy's 502) fails this attempt like a network error.
      if (ws === this.ws) {
        this.emitError(
          new ClientError('SOCKET_ERROR', `Unexpected server response: ${status ?? 'none'}`, {
            details: { status },
          }),
        );
      }
      ws.terminate();
    });
    ws.on('open', () => {
      if (ws === this.ws) this.sendInit(ws);
    });
    ws.on('message', (data) => {
      if (ws === this.ws) this.onFrame(data as Buffer);
    });
    ws.on('close', (code, reason) => {
      if (ws === this.ws) this.onClose(code, reason.toString());
    });
    ws.on('error', (err) => {
      if (ws === this.ws && !answered)
        this.emitError(new ClientError('SOCKET_ERROR', err.message, { cause: err }));
    });
  }

  /**
   * The gateway refused the credential. Retrying with the same token cannot succeed: a first attempt rejects
   * `connect()`; a reconnect closes the client (`error`, then `closed` with the error; pending waits reject with
   * it). The socket is detached at once so that its close does not schedule a reconnect.
   */
  private onCredentialRefused(ws: WebSocket, status: 401 | 403, res: IncomingMessage): void {
    this.ws = undefined;
    void readRefusalBody(res).then((body) => {
      ws.terminate();
      const { reason, message } = describeRefusal(status, body);
      const err = new ClientError('AUTH_REJECTED', message, {
        details: reason === undefined ? { status } : { status, reason },
      });
      if (this.phase === 'connecting') {
        this.failAttempt(err);
        return;
      }
      if (this.phase === 'closed') return;
      this.phase = 'closed';
      this.closedBy = err;
      this.clearTimers();
      this.emitError(err);
      this.emit('closed', { error: err });
      this.notifyProgress();
    });
  }

  private sendInit(ws: WebSocket): void {
    const o = this.opts;
    const previous = this.currentAck;
    const resume =
      (o.resume ?? true) && previous !== undefined && this.resumeToken !== undefined
        ? {
            session_id: previous.session_id,
            token: this.resumeToken,
            ...(this.receivedThrough !== undefined ? { received_through: this.receivedThrough } : {}),
          }
        : undefined;
    this.resumingFrom = resume?.session_id;
    if (resume === undefined || this.traceId === undefined) this.traceId = o.traceId ?? randomUUID();
    const init: SessionInit = {
      type: 'session_init',
      client_version: o.clientVersion ?? 'lingua-client/0.1.0',
      platform: o.platform ?? 'api-gateway',
      src_lang: o.srcLang,
      tgt_lang: o.tgtLang,
      trace_id: this.traceId,
      audio_format: o.audioFormat ?? 'pcm16',
      sample_rate: o.sampleRate ?? 16_000,
    };
    if (o.mode !== undefined) init.mode = o.mode;
    if (o.langA !== undefined) init.lang_a = o.langA;
    if (o.langB !== undefined) init.lang_b = o.langB;
    if (o.autoLangs !== undefined) init.auto_langs = o.autoLangs;
    if (o.dialect !== undefined) init.dialect = o.dialect;
    if (o.features !== undefined) init.features = o.features;
    if (o.tenantId !== undefined) init.tenant_id = o.tenantId;
    if (o.enableStreamingAsr !== undefined) init.enable_streaming_asr = o.enableStreamingAsr;
    if (o.partialUpdateIntervalMs !== undefined) init.partial_update_interval_ms = o.partialUpdateIntervalMs;
    if (resume !== undefined) init.resume = resume;
    this.send(init);
    if (this.ackTimer === undefined) {
      this.ackTimer = setTimeout(() => {
        this.ackTimer = undefined;
        this.failAttempt(new ClientError('TIMEOUT', `no session_init_ack within ${this.ackTimeoutMs} ms`));
        ws.terminate();
      }, this.ackTimeoutMs);
    }
  }

  private onClose(code: number, reason: string): void {
    this.ws = undefined;
    if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const wasPhase = this.phase;
    this.emit('disconnected', { code, reason });
    if (wasPhase === 'closed') return;
    if (wasPhase === 'connecting') {
      this.failAttempt(
        new ClientError('SOCKET_ERROR', `socket closed before the session was acknowledged (${code})`),
      );
      return;
    }
    if (this.opts.reconnect === false) {
      this.phase = 'closed';
      this.emit('closed', {});
      this.notifyProgress();
      return;
    }
    this.phase = 'reconnecting';
    const delayMs = this.backoff.next();
    this.emit('reconnecting', { attempt: this.backoff.attempts, delayMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.phase === 'reconnecting') this.open();
    }, delayMs);
  }

  /** The first connect failed: reject connect() and give up (a reconnect attempt just waits for its close). */
  private failAttempt(err: ClientError): void {
    if (this.phase !== 'connecting') return;
    const pending = this.pendingAck;
    this.pendingAck = undefined;
    this.phase = 'closed';
    this.clearTimers();
    this.ws?.terminate();
    pending?.reject(err);
  }

  private clearTimers(): void {
    for (const t of [this.ackTimer, this.reconnectTimer, this.pauseTimer])
      if (t !== undefined) clearTimeout(t);
    this.ackTimer = this.reconnectTimer = this.pauseTimer = undefined;
  }

  private send(msg: SessionInbound): boolean {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(encodeSessionInbound(msg));
    return true;
  }

  // ---- inbound ----------------------------------------------------------------------------------------------

  private onFrame(data: Buffer): void {
    const decoded = decodeSessionOutbound(data);
    if (!decoded.ok) {
      this.emitError(
        new ClientError('INVALID_FRAME', decoded.error.message, { details: { path: decoded.error.path } }),
      );
      return;
    }
    this.dispatch(decoded.msg);
    this.notifyProgress();
  }

  private dispatch(msg: SessionOutbound): void {
    const now = Date.now();
    switch (msg.type) {
      case 'session_init_ack':
        this.onAck(msg);
        return;
      case 'translation_result':
        this.noteResolved(msg);
        this.utterances.resolve(msg, now);
        this.results.push(msg);
        this.emit('result', msg);
        return;
      case 'missing_result':
        this.noteResolved(msg);
        this.utterances.resolve(msg, now);
        this.missing.push(msg);
        this.emit('missing', msg);
        return;
      case 'asr_partial':
        this.utterances.seen(msg.session_id, msg.utterance_index, now, true);
        this.partials.push(msg);
        this.emit('partial', msg);
        return;
      case 'ui_event':
        this.utterances.seen(msg.session_id, msg.utterance_index, now);
        this.emit('ui_event', msg);
        return;
      case 'backpressure':
        this.onBackpressure(msg);
        return;
      case 'error':
        this.onGatewayError(msg);
        return;
      case 'server_heartbeat':
      case 'session_close_ack':
        return;
    }
  }

  private noteResolved(msg: TranslationResult | MissingResult): void {
    if (msg.session_id !== this.currentAck?.session_id) return;
    this.receivedThrough = Math.max(this.receivedThrough ?? -1, msg.utterance_index);
  }

  private onAck(ack: SessionInitAck): void {
    if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const previous = this.currentAck;
    const resumingFrom = this.resumingFrom;
    this.resumingFrom = undefined;
    this.currentAck = ack;
    if (ack.session_id !== previous?.session_id) this.receivedThrough = undefined;
    if (ack.resume_token !== undefined) this.resumeToken = ack.resume_token;
    else if (ack.session_id !== previous?.session_id) this.resumeToken = undefined;
    this.phase = 'ready';
    this.backoff.reset();
    if (previous !== undefined && ack.session_id !== previous.session_id) {
      // Audio queued while disconnected goes to the new session: the user's speech is still worth translating.
      this.emit('resume_failed', {
        previousSessionId: resumingFrom ?? previous.session_id,
        sessionId: ack.session_id,
      });
    }
    this.flush();
    const pending = this.pendingAck;
    this.pendingAck = undefined;
    pending?.resolve(ack);
    this.emit('ack', ack);
  }

  private onGatewayError(msg: SessionErrorMessage): void {
    this.gatewayErrors.push(msg);
    const err = new ClientError('GATEWAY_ERROR', `${msg.code}: ${msg.message}`, { gateway: msg });
    if (this.phase === 'connecting') {
      this.failAttempt(err);
      return;
    }
    if (this.resumingFrom !== undefined && this.ws !== undefined) {
      // The gateway refused to resume: open a new session on the same socket.
      this.resumeToken = undefined;
      this.sendInit(this.ws);
    }
    this.emitError(err);
  }

  private onBackpressure(msg: Backpressure): void {
    this.emit('backpressure', msg);
    if (msg.action === 'SLOW_DOWN') return;
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + (msg.resume_after_ms ?? DEFAULT_PAUSE_MS));
    if (this.pauseTimer !== undefined) clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = undefined;
      this.flush();
    }, this.pausedUntil - Date.now());
  }

  // ---- outbound audio ---------------------------------------------------------------------------------------

  private enqueue(isFinal: boolean, payload: string): number {
    if (this.phase === 'closed' || this.phase === 'idle') {
      throw new ClientError('CLOSED', this.phase === 'idle' ? 'connect() first' : 'client is closed');
    }
    const seq = this.seq++;
    this.queue.push({ seq, isFinal, payload, at: Date.now() });
    if (this.queue.length > this.maxQueuedFrames) {
      this.queue.shift();
      this.emitError(
        new ClientError(
          'SOCKET_ERROR',
          `audio queue over ${this.maxQueuedFrames} frames; dropped the oldest`,
        ),
      );
    }
    this.flush();
    return seq;
  }

  private flush(): void {
    const sessionId = this.sessionId;
    if (this.phase !== 'ready' || sessionId === undefined || Date.now() < this.pausedUntil) return;
    while (this.queue.length > 0) {
      const f = this.queue[0] as QueuedFrame;
      const sent = this.send({
        type: 'audio_chunk',
        session_id: sessionId,
        seq: f.seq,
        is_final: f.isFinal,
        payload: f.payload,
        client_timestamp_ms: f.at,
      });
      if (!sent) return;
      this.queue.shift();
      if (f.isFinal) this.utterances.finalized(sessionId, Date.now());
    }
  }

  // ---- waiting ----------------------------------------------------------------------------------------------

  private waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(new ClientError('TIMEOUT', `${what}: not reached within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        if (done()) {
          clearTimeout(timer);
          remove();
          resolve();
        } else if (this.phase === 'closed') {
          clearTimeout(timer);
          remove();
          reject(this.closedBy ?? new ClientError('CLOSED', `${what}: client closed first`));
        }
      };
      const remove = () => {
        this.progressWaiters = this.progressWaiters.filter((w) => w !== check);
      };
      this.progressWaiters.push(check);
      check();
    });
  }

  private notifyProgress(): void {
    for (const w of [...this.progressWaiters]) w();
  }

  private emitError(err: ClientError): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
