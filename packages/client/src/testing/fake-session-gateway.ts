/**
 * A scripted stand-in for the gateway's `/ws/session` endpoint, for unit tests of the client. Every frame the
 * client sends is validated with the gateway-side decoder, so a test also proves the client speaks PROTOCOL.md.
 * `autoTranslate` turns a connection into a minimal gateway that answers each finished utterance.
 * Test-only: excluded from the build.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  decodeSessionFrame,
  encodeSessionFrame,
  type SessionInbound,
  type SessionInitAck,
  type SessionOutbound,
} from '@lingua/protocol';

type Of<T extends SessionInbound['type']> = Extract<SessionInbound, { type: T }>;

const WAIT_MS = 5000;

function waiter(list: (() => void)[], ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    list.push(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

export class FakeSessionConnection {
  readonly received: SessionInbound[] = [];
  readonly invalid: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = new Map<string, number>();
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const decoded = decodeSessionFrame(data as Buffer);
      if (decoded.ok) this.received.push(decoded.msg);
      else this.invalid.push(decoded.error.message);
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
    this.closed = once(ws, 'close').then(([code, reason]) => ({
      code: code as number,
      reason: String(reason),
    }));
  }

  async next<T extends SessionInbound['type']>(type: T, timeoutMs = WAIT_MS): Promise<Of<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const from = this.cursor.get(type) ?? 0;
      const i = this.received.findIndex((m, idx) => idx >= from && m.type === type);
      if (i >= 0) {
        this.cursor.set(type, i + 1);
        return this.received[i] as Of<T>;
      }
      if (this.invalid.length > 0) throw new Error(`client sent invalid frames: ${this.invalid.join('; ')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} within ${timeoutMs} ms`);
      await waiter(this.waiters, left);
    }
  }

  send(msg: SessionOutbound): void {
    this.ws.send(encodeSessionFrame(msg));
  }

  ack(
    sessionId: string,
    ext: { resume_token?: string; resumed?: boolean; trace_id?: string } = {},
  ): SessionInitAck {
    const ack: SessionInitAck = {
      type: 'session_init_ack',
      session_id: sessionId,
      message: 'ok',
      trace_id: ext.trace_id ?? 'trace',
      protocol_version: '1.0',
      use_binary_frame: false,
      negotiated_codec: 'pcm16',
      negotiated_audio_format: 'pcm16',
      negotiated_sample_rate: 16000,
      negotiated_channel_count: 1,
    };
    if (ext.resume_token !== undefined) ack.resume_token = ext.resume_token;
    if (ext.resumed !== undefined) ack.resumed = ext.resumed;
    this.send(ack);
    return ack;
  }

  /** Waits for session_init and acks it; returns the init. */
  async accept(
    sessionId: string,
    ext: { resume_token?: string; resumed?: boolean } = {},
  ): Promise<Of<'session_init'>> {
    const init = await this.next('session_init');
    this.ack(sessionId, { ...ext, trace_id: init.trace_id ?? 'trace' });
    return init;
  }
}

export class FakeSessionGateway {
  readonly connections: FakeSessionConnection[] = [];
  private taken = 0;
  private waiters: (() => void)[] = [];
  private onConnection: ((c: FakeSessionConnection) => void) | undefined;

  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
  ) {
    wss.on('connection', (ws) => {
      const conn = new FakeSessionConnection(ws);
      this.connections.push(conn);
      this.onConnection?.(conn);
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }

  static async start(): Promise<FakeSessionGateway> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws/session' });
    await once(wss, 'listening');
    const { port } = wss.address() as AddressInfo;
    return new FakeSessionGateway(wss, `ws://127.0.0.1:${port}`);
  }

  async nextConnection(timeoutMs = WAIT_MS): Promise<FakeSessionConnection> {
    const deadline = Date.now() + timeoutMs;
    while (this.connections.length <= this.taken) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no connection within ${timeoutMs} ms`);
      await waiter(this.waiters, left);
    }
    return this.connections[this.taken++] as FakeSessionConnection;
  }

  /** Serves every connection like a tiny gateway: ack, then one translation_result per finished utterance. */
  autoTranslate(opts: { answer?: boolean } = {}): void {
    let sessions = 0;
    this.onConnection = (conn) => {
      let sessionId = '';
      let index = 0;
      let bytes = 0;
      conn.ws.on('message', (data) => {
        const decoded = decodeSessionFrame(data as Buffer);
        if (!decoded.ok) return;
        const msg = decoded.msg;
        if (msg.type === 'session_init') {
          sessionId = `auto-${sessions++}`;
          conn.ack(sessionId, { trace_id: msg.trace_id ?? 'trace' });
        } else if (msg.type === 'audio_chunk') {
          bytes += Buffer.from(msg.payload ?? '', 'base64').byteLength;
          if (!msg.is_final || opts.answer === false) return;
          const text = `utt#${index} ${bytes}b`;
          conn.send({
            type: 'translation_result',
            session_id: sessionId,
            utterance_index: index++,
            job_id: `job-${sessionId}-${index}`,
            text_asr: text,
            text_translated: `[x] ${text}`,
            tts_audio: '',
            tts_format: 'pcm16',
            trace_id: 'trace',
          });
          bytes = 0;
        }
      });
    };
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
