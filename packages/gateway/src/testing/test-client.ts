/**
 * Test support (not built into dist): a session client over a real `ws` socket, speaking the web client's
 * protocol (session_init, Opus Plan A audio chunks, heartbeats), with every received frame recorded so tests
 * can await one and check the whole sequence afterwards.
 */
import { WebSocket } from 'ws';
import { encodeOpusPlanA, type SessionInit } from '@lingua/protocol';

export type Frame = { type: string; [k: string]: unknown };

export const SILENT_PCM_20MS = Buffer.alloc(640).toString('base64');

/** A client-cut `utterance` frame: 20 ms of silent pcm16, zh→en, manual cut. */
export function utteranceFrame(sessionId: string, index: number): Frame {
  return {
    type: 'utterance',
    session_id: sessionId,
    utterance_index: index,
    manual_cut: true,
    src_lang: 'zh',
    tgt_lang: 'en',
    audio: SILENT_PCM_20MS,
    audio_format: 'pcm16',
    sample_rate: 16_000,
  };
}

export class TestClient {
  readonly ws: WebSocket;
  /** Every frame received, in order. */
  readonly received: Frame[] = [];
  private cursor = new Map<Frame, boolean>();
  private waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  sessionId = '';
  private seq = 0;

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      this.received.push(frame);
      const i = this.waiters.findIndex((w) => w.match(frame));
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        this.cursor.set(frame, true);
        w?.resolve(frame);
      }
    });
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  static async connect(url: string): Promise<TestClient> {
    const c = new TestClient(url);
    await new Promise<void>((resolve, reject) => {
      c.ws.once('open', () => resolve());
      c.ws.once('error', reject);
    });
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next not-yet-awaited frame matching `type` and `pred` (already received or future). */
  next(type: string | string[], pred: (f: Frame) => boolean = () => true, timeoutMs = 5_000): Promise<Frame> {
    const types = Array.isArray(type) ? type : [type];
    const match = (f: Frame): boolean => types.includes(f.type) && pred(f);
    const seen = this.received.find((f) => !this.cursor.has(f) && match(f));
    if (seen) {
      this.cursor.set(seen, true);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (f: Frame) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${types.join('|')} within ${timeoutMs} ms; got ${summary(this.received)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Frames of these types received so far. */
  all(type: string | string[]): Frame[] {
    const types = Array.isArray(type) ? type : [type];
    return this.received.filter((f) => types.includes(f.type));
  }

  async init(overrides: Partial<SessionInit> = {}): Promise<Frame> {
    this.send({
      type: 'session_init',
      client_version: 'web-test',
      platform: 'web',
      src_lang: 'zh',
      tgt_lang: 'en',
      dialect: null,
      pairing_code: null,
      tenant_id: null,
      ...overrides,
    });
    const ack = await this.next(['session_init_ack', 'error']);
    if (ack.type === 'error') throw new Error(`session_init refused: ${JSON.stringify(ack)}`);
    this.sessionId = String(ack.session_id);
    return ack;
  }

  /** One audio_chunk of `packets` Opus packets (Plan A), filled with `fill` so tests can trace bytes. */
  chunk(packets: number, isFinal = false, fill = 1): void {
    const payload =
      packets === 0
        ? ''
        : Buffer.from(
            encodeOpusPlanA(Array.from({ length: packets }, () => new Uint8Array(8).fill(fill & 0xff))),
          ).toString('base64');
    this.send({
      type: 'audio_chunk',
      session_id: this.sessionId,
      seq: this.seq++,
      is_final: isFinal,
      payload,
    });
  }

  /** The end-of-utterance frame the web client sends: `{is_final:true, payload:""}`. */
  final(): void {
    this.chunk(0, true);
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }
}

function summary(frames: Frame[]): string {
  return JSON.stringify(frames.slice(-10).map((f) => ({ type: f.type, ...pick(f) })));
}

function pick(f: Frame): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['utterance_index', 'event', 'code', 'reason']) if (k in f) out[k] = f[k];
  return out;
}
