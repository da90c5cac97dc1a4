/**
 * The socket half of a scripted gateway for SDK unit tests: a `ws` server on 127.0.0.1 that keeps every
 * connection, decodes and records every frame the peer sends, lets a test await the next message of a type,
 * and sends the test's replies. What the frames mean (decoder, encoder, acks, canned answers) belongs to the
 * package under test: see the node agent's and the client's fake gateways.
 */
import { once } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

/** Default wait of `next` and `nextConnection`: long enough for a loaded CI machine, short enough to fail. */
const WAIT_MS = 5000;

export interface FrameCodec<In extends { type: string }, Out> {
  /** Who sends the `In` frames ("agent", "client"): names the culprit when a frame does not decode. */
  readonly peer: string;
  decode(data: RawData): { ok: true; msg: In } | { ok: false; error: { message: string } };
  encode(msg: Out): string;
}

/** Wakes every waiter at once; each waiter re-checks what it waits for (the recorded list is the truth). */
class Wakeups {
  private waiters: (() => void)[] = [];

  /** Resolves at the next `wakeAll`, or after `ms` at the latest. */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export class FakeWsConnection<In extends { type: string }, Out> {
  readonly received: In[] = [];
  /** Decode errors of frames the peer sent; `next` fails once there is one. */
  readonly invalid: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly cursor = new Map<string, number>();
  private readonly arrivals = new Wakeups();

  constructor(
    readonly ws: WebSocket,
    private readonly codec: FrameCodec<In, Out>,
  ) {
    ws.on('message', (data) => {
      const decoded = codec.decode(data);
      if (decoded.ok) this.received.push(decoded.msg);
      else this.invalid.push(decoded.error.message);
      this.arrivals.wakeAll();
    });
    this.closed = once(ws, 'close').then(([code, reason]) => ({
      code: code as number,
      reason: String(reason),
    }));
  }

  /** The next message of `type` not yet returned by `next`, waiting for it if needed. */
  async next<T extends In['type']>(type: T, timeoutMs = WAIT_MS): Promise<Extract<In, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const from = this.cursor.get(type) ?? 0;
      const i = this.received.findIndex((m, idx) => idx >= from && m.type === type);
      if (i >= 0) {
        this.cursor.set(type, i + 1);
        return this.received[i] as Extract<In, { type: T }>;
      }
      if (this.invalid.length > 0) {
        throw new Error(`${this.codec.peer} sent invalid frames: ${this.invalid.join('; ')}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} within ${timeoutMs} ms`);
      await this.arrivals.wait(left);
    }
  }

  count(type: In['type']): number {
    return this.received.filter((m) => m.type === type).length;
  }

  send(msg: Out): void {
    this.ws.send(this.codec.encode(msg));
  }
}

/** What a peer sent with its upgrade request. */
export interface UpgradeRequest {
  /** Path and query, e.g. `/ws/node?access_token=…`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** An HTTP answer that refuses upgrades instead of accepting them (a gateway refusing a credential). */
export interface UpgradeRefusal {
  readonly status: number;
  /** Plain-text body (the real gateway sends its reason code, e.g. `expired`). Default: none. */
  readonly body?: string;
}

export class FakeWsServer<C extends { readonly ws: WebSocket }> {
  readonly connections: C[] = [];
  /** Every upgrade request in arrival order, refused ones included: one per connection attempt of the peer. */
  readonly upgrades: UpgradeRequest[] = [];
  private readonly wss: WebSocketServer;
  private readonly ready: Promise<unknown>;
  private taken = 0;
  private readonly arrivals = new Wakeups();
  private handler: ((conn: C) => void) | undefined;
  private boundUrl: string | undefined;
  private refusal: UpgradeRefusal | undefined;

  /** Listens on a free port of 127.0.0.1 at `path`; `accept` wraps each new socket. Await `listening()`. */
  constructor(path: string, accept: (ws: WebSocket) => C) {
    this.wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      path,
      verifyClient: (info, answer) => {
        this.upgrades.push({ url: info.req.url ?? '', headers: info.req.headers });
        this.arrivals.wakeAll();
        const refusal = this.refusal;
        if (refusal === undefined) answer(true);
        else answer(false, refusal.status, refusal.body ?? '', { 'Content-Type': 'text/plain' });
      },
    });
    this.ready = once(this.wss, 'listening');
    this.wss.on('connection', (ws) => {
      const conn = accept(ws);
      this.connections.push(conn);
      this.handler?.(conn);
      this.arrivals.wakeAll();
    });
  }

  async listening(): Promise<this> {
    await this.ready;
    const { port } = this.wss.address() as AddressInfo;
    this.boundUrl = `ws://127.0.0.1:${port}`;
    return this;
  }

  /** `ws://127.0.0.1:<port>`, without the path (the SDKs add it). */
  get url(): string {
    if (this.boundUrl === undefined) throw new Error('FakeWsServer: await listening() before reading url');
    return this.boundUrl;
  }

  /** The next connection not yet returned, waiting for it if needed. */
  async nextConnection(timeoutMs = WAIT_MS): Promise<C> {
    const deadline = Date.now() + timeoutMs;
    while (this.connections.length <= this.taken) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no connection within ${timeoutMs} ms`);
      await this.arrivals.wait(left);
    }
    return this.connections[this.taken++] as C;
  }

  /** Resolves once at least `n` upgrade requests arrived (accepted or refused). */
  async untilUpgrades(n: number, timeoutMs = WAIT_MS): Promise<UpgradeRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.upgrades.length < n) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${this.upgrades.length} of ${n} upgrade requests within ${timeoutMs} ms`);
      await this.arrivals.wait(left);
    }
    return this.upgrades;
  }

  /** Answers every later upgrade request with `refusal` instead of accepting it; `undefined` accepts again. */
  refuseUpgrades(refusal: UpgradeRefusal | undefined): void {
    this.refusal = refusal;
  }

  /** Hands every later connection to `handler` as it arrives (a canned gateway instead of a scripted one). */
  serveEach(handler: (conn: C) => void): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
