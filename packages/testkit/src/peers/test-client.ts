/**
 * A session client over a real `ws` socket, speaking the web client's protocol: session_init (and *ext* resume),
 * Opus Plan A audio chunks, client-cut `utterance` frames with explicit indexes. It records every received frame so
 * a test can await one (`next`, `until`) and check the whole sequence afterwards, and keeps a ledger of
 * resolutions per utterance index — how many arrived for each index and when — so a test can check "every index
 * exactly once" over thousands of jobs (`pump`, `duplicates`).
 */
import { WebSocket, type ClientOptions } from 'ws';
import { encodeOpusPlanA, type SessionInit } from '@lingua/protocol';
import { utteranceFrame, type Frame } from './frames.js';

/** What a reconnecting client sends in `session_init.resume`. */
export type ResumeRequest = NonNullable<SessionInit['resume']>;

/**
 * The utterance index a resolution frame settles, if it is one: a `translation_result` or a `missing_result`
 * (an `error` about an utterance is followed by the `missing_result` that resolves it).
 */
export function resolutionIndex(f: Frame): number | undefined {
  if (f.type === 'translation_result' || f.type === 'missing_result') return Number(f.utterance_index);
  return undefined;
}

export class TestClient {
  readonly ws: WebSocket;
  /** Every frame received, in order (resolutions and ui_events are left out while `keepFrames` is false). */
  readonly received: Frame[] = [];
  /** index → resolution frames received for it (over this socket). */
  readonly resolutions = new Map<number, Frame[]>();
  /** performance.now() of every resolution, in arrival order. */
  readonly arrivals: number[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  sessionId = '';
  /** The resume token from the session_init_ack. */
  token = '';
  /** False keeps `received` small in load tests; resolutions are always counted. */
  keepFrames = true;
  private readonly taken = new Set<Frame>();
  private nextWaiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private untilWaiters: { pred: () => boolean; resolve: () => void }[] = [];
  private seq = 0;

  private constructor(url: string, opts: ClientOptions) {
    this.ws = new WebSocket(url, opts);
    this.ws.on('message', (data) => this.onFrame(JSON.parse(String(data)) as Frame));
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  /** `opts`: socket options such as `localAddress` (another loopback address) or `headers` (an `Origin`). */
  static async connect(url: string, opts: ClientOptions = {}): Promise<TestClient> {
    const c = new TestClient(url, opts);
    await new Promise<void>((resolve, reject) => {
      c.ws.once('open', () => resolve());
      c.ws.once('error', reject);
    });
    return c;
  }

  /** Connects and opens a session (or resumes one, with `init.resume`). */
  static async open(
    url: string,
    init: Partial<SessionInit> = {},
    opts: ClientOptions = {},
  ): Promise<TestClient> {
    const c = await TestClient.connect(url, opts);
    await c.init(init);
    return c;
  }

  /** Sends a frame (objects as JSON, strings as they are); nothing once the socket is no longer open. */
  send(frame: unknown): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next not-yet-awaited frame matching `type` and `pred` (already received or future). */
  next(type: string | string[], pred: (f: Frame) => boolean = () => true, timeoutMs = 5_000): Promise<Frame> {
    const types = Array.isArray(type) ? type : [type];
    const match = (f: Frame): boolean => types.includes(f.type) && pred(f);
    const seen = this.received.find((f) => !this.taken.has(f) && match(f));
    if (seen) {
      this.taken.add(seen);
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
        this.nextWaiters = this.nextWaiters.filter((w) => w !== waiter);
        reject(new Error(`no ${types.join('|')} within ${timeoutMs} ms; got ${summary(this.received)}`));
      }, timeoutMs);
      this.nextWaiters.push(waiter);
    });
  }

  /** Resolves once `pred` holds (checked after every frame). */
  until(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.untilWaiters = this.untilWaiters.filter((x) => x !== w);
        reject(
          new Error(
            `session ${this.sessionId}: ${what} not met within ${timeoutMs} ms; got ${summary(this.received)}`,
          ),
        );
      }, timeoutMs);
      this.untilWaiters.push(w);
    });
  }

  /** Frames of these types received so far. */
  all(type: string | string[]): Frame[] {
    const types = Array.isArray(type) ? type : [type];
    return this.received.filter((f) => types.includes(f.type));
  }

  /** Sends session_init (zh→en from a web client unless overridden) and resolves with the ack. */
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
    this.token = String(ack.resume_token ?? '');
    return ack;
  }

  /** What a reconnecting client sends to take this session over: its id, token and the last index it holds. */
  resumeRequest(): ResumeRequest {
    const held = [...this.resolutions.keys()];
    return {
      session_id: this.sessionId,
      token: this.token,
      ...(held.length > 0 ? { received_through: Math.max(...held) } : {}),
    };
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

  /** A client-cut utterance with this index (20 ms of silent pcm16). */
  utterance(index: number): void {
    this.send(utteranceFrame(this.sessionId, index));
  }

  /** Indexes with at least one resolution. */
  get resolved(): number {
    return this.resolutions.size;
  }

  /** Indexes that got more than one resolution. */
  duplicates(): number[] {
    return [...this.resolutions].filter(([, fs]) => fs.length > 1).map(([i]) => i);
  }

  /**
   * Sends utterances `from`..`from+count-1` keeping at most `window` unresolved, and resolves when every one of
   * them has a resolution (or rejects after `timeoutMs`).
   */
  async pump(from: number, count: number, window: number, timeoutMs: number): Promise<void> {
    let next = from;
    const end = from + count;
    const outstanding = (): number => next - from - this.countIn(from, end);
    const top = (): void => {
      while (next < end && outstanding() < window) this.utterance(next++);
    };
    top();
    const deadline = Date.now() + timeoutMs;
    while (this.countIn(from, end) < count) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`pump: ${this.countIn(from, end)}/${count} resolved within ${timeoutMs} ms`);
      }
      // Wake for room in the window while there is more to send, else only for the last resolution.
      const more = next < end;
      await this.until(
        () => (more && outstanding() < window) || this.countIn(from, end) === count,
        remaining,
        `${count} resolutions`,
      );
      top();
    }
  }

  /** Drops the connection without a close handshake (a client that vanished). */
  terminate(): void {
    this.ws.terminate();
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }

  private resolvedIn = 0;
  private countFrom = -1;
  private countEnd = -1;

  /** Resolved indexes in [from, end), kept incrementally for the range `pump` is working on. */
  private countIn(from: number, end: number): number {
    if (from !== this.countFrom || end !== this.countEnd) {
      this.countFrom = from;
      this.countEnd = end;
      this.resolvedIn = 0;
      for (const i of this.resolutions.keys()) if (i >= from && i < end) this.resolvedIn++;
    }
    return this.resolvedIn;
  }

  private onFrame(f: Frame): void {
    const index = resolutionIndex(f);
    if (index !== undefined) {
      const list = this.resolutions.get(index);
      if (list) list.push(f);
      else {
        this.resolutions.set(index, [f]);
        if (index >= this.countFrom && index < this.countEnd) this.resolvedIn++;
      }
      this.arrivals.push(performance.now());
    }
    if (this.keepFrames || (index === undefined && f.type !== 'ui_event')) this.received.push(f);
    const i = this.nextWaiters.findIndex((w) => w.match(f));
    if (i >= 0) {
      const [w] = this.nextWaiters.splice(i, 1);
      this.taken.add(f);
      w?.resolve(f);
    }
    if (this.untilWaiters.length === 0) return;
    for (const w of this.untilWaiters.filter((x) => x.pred())) {
      this.untilWaiters = this.untilWaiters.filter((x) => x !== w);
      w.resolve();
    }
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
