/**
 * Test support: one raw `ws` socket of a fuzzer. It records every frame the gateway sends back (parsed when it is
 * JSON, kept as text when it is not) and how the socket closed, and resolves waits on either.
 */
import { WebSocket } from 'ws';
import type { WireFrame } from './hostile-frames.js';

export interface Reply {
  /** The parsed frame, or undefined when the text was not a JSON object. */
  frame: { type?: unknown; [k: string]: unknown } | undefined;
  text: string;
  binary: boolean;
}

export class FuzzSocket {
  readonly replies: Reply[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  closeCode: number | undefined;
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const text = String(data);
      let frame: Reply['frame'];
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
          frame = parsed as Reply['frame'];
      } catch {
        frame = undefined;
      }
      this.replies.push({ frame, text, binary: isBinary });
      this.wake();
    });
    // A reset of our side (e.g. the gateway closed mid-write) is a close like any other for the fuzzer.
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.closeCode = code;
        resolve({ code, reason: String(reason) });
        this.wake();
      }),
    );
  }

  static async open(url: string): Promise<FuzzSocket> {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    const s = new FuzzSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return s;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: WireFrame): void {
    if (!this.open) return;
    this.ws.send(frame.data, { binary: frame.binary });
  }

  sendJson(value: unknown): void {
    this.send({ data: JSON.stringify(value), binary: false });
  }

  /** Resolves once `pred` holds or the socket has closed (whichever first); rejects after `timeoutMs`. */
  until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (pred() || this.closeCode !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = {
        pred: () => pred() || this.closeCode !== undefined,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`${what}: nothing within ${timeoutMs} ms (gateway hung?)`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Closes (terminates if the gateway does not answer the close) and waits for it. */
  async close(): Promise<void> {
    if (this.closeCode !== undefined) return;
    this.ws.close();
    const hard = setTimeout(() => this.ws.terminate(), 2_000);
    await this.closed;
    clearTimeout(hard);
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    for (const w of this.waiters.filter((x) => x.pred())) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve();
    }
  }
}
