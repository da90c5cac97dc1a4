/**
 * A session client over a raw WebSocket: session_init (pcm16 so tests can send tiny audio), client-cut
 * `utterance` frames with explicit indexes, and a ledger of resolutions per utterance index — how many arrived
 * for each index and when — so tests can check "every index exactly once" over thousands of jobs.
 */
import { WebSocket } from 'ws';

export type Frame = { type: string; [k: string]: unknown };

/** 20 ms of silence at 16 kHz: the smallest useful utterance. */
export const TINY_PCM = Buffer.alloc(640).toString('base64');

/**
 * The utterance index a resolution frame settles, if it is one: a `translation_result` or a `missing_result`
 * (an `error` about an utterance is followed by the `missing_result` that resolves it).
 */
export function resolutionIndex(f: Frame): number | undefined {
  if (f.type === 'translation_result' || f.type === 'missing_result') return Number(f.utterance_index);
  return undefined;
}

export interface ResumeRequest {
  session_id: string;
  token: string;
  received_through?: number;
}

export class RawSession {
  readonly frames: Frame[] = [];
  /** index → resolution frames received for it (over this socket). */
  readonly resolutions = new Map<number, Frame[]>();
  /** performance.now() of every resolution, in arrival order. */
  readonly arrivals: number[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  sessionId = '';
  token = '';
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];
  /** Keeps `frames` small in load tests (resolutions are always counted). */
  keepFrames = true;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    ws.on('message', (data) => this.onFrame(JSON.parse(String(data)) as Frame));
  }

  static async connect(url: string): Promise<RawSession> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawSession(ws);
  }

  /** Connects and opens a session (or resumes one); resolves with the ack. */
  static async open(url: string, resume?: ResumeRequest): Promise<RawSession> {
    const s = await RawSession.connect(url);
    await s.init(resume);
    return s;
  }

  async init(resume?: ResumeRequest): Promise<Frame> {
    this.send({
      type: 'session_init',
      client_version: 'system-test',
      platform: 'web',
      src_lang: 'zh',
      tgt_lang: 'en',
      dialect: null,
      pairing_code: null,
      tenant_id: null,
      audio_format: 'pcm16',
      sample_rate: 16_000,
      ...(resume ? { resume } : {}),
    });
    await this.until(() => this.frames.some((f) => f.type === 'session_init_ack' || f.type === 'error'));
    const ack = this.frames.find((f) => f.type === 'session_init_ack' || f.type === 'error') as Frame;
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

  send(frame: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  utterance(index: number): void {
    this.send({
      type: 'utterance',
      session_id: this.sessionId,
      utterance_index: index,
      manual_cut: true,
      src_lang: 'zh',
      tgt_lang: 'en',
      audio: TINY_PCM,
      audio_format: 'pcm16',
      sample_rate: 16_000,
    });
  }

  get resolved(): number {
    return this.resolutions.size;
  }

  /** Indexes that got more than one resolution. */
  duplicates(): number[] {
    return [...this.resolutions].filter(([, fs]) => fs.length > 1).map(([i]) => i);
  }

  framesOf(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
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
        this.waiters = this.waiters.filter((x) => x !== w);
        const tail = JSON.stringify(this.frames.slice(-5));
        reject(new Error(`session ${this.sessionId}: ${what} not met within ${timeoutMs} ms; last: ${tail}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

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
    if (this.keepFrames || index === undefined) {
      if (f.type !== 'ui_event' || this.keepFrames) this.frames.push(f);
    }
    if (this.waiters.length === 0) return;
    for (const w of this.waiters.filter((x) => x.pred())) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve();
    }
  }
}
