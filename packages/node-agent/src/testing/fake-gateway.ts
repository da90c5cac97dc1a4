/**
 * A scripted stand-in for the gateway's `/ws/node` endpoint, for unit tests of the agent. It validates every
 * frame the agent sends with the gateway-side decoder, so a test also proves the agent speaks PROTOCOL.md.
 * Test-only: excluded from the build.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeNodeFrame, encodeNodeFrame, type NodeInbound, type NodeOutbound } from '@lingua/protocol';

type Of<T extends NodeInbound['type']> = Extract<NodeInbound, { type: T }>;

const WAIT_MS = 5000;

export class FakeNodeConnection {
  readonly received: NodeInbound[] = [];
  readonly invalid: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = new Map<string, number>();
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const decoded = decodeNodeFrame(data as Buffer);
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

  /** The next message of `type` not yet returned by `next`, waiting for it if needed. */
  async next<T extends NodeInbound['type']>(type: T, timeoutMs = WAIT_MS): Promise<Of<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const from = this.cursor.get(type) ?? 0;
      const i = this.received.findIndex((m, idx) => idx >= from && m.type === type);
      if (i >= 0) {
        this.cursor.set(type, i + 1);
        return this.received[i] as Of<T>;
      }
      if (this.invalid.length > 0) throw new Error(`agent sent invalid frames: ${this.invalid.join('; ')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  count(type: NodeInbound['type']): number {
    return this.received.filter((m) => m.type === type).length;
  }

  send(msg: NodeOutbound): void {
    this.ws.send(encodeNodeFrame(msg));
  }

  ack(nodeId: string, nodeToken?: string): void {
    this.send({
      type: 'node_register_ack',
      node_id: nodeId,
      message: 'registered',
      status: 'registering',
      ...(nodeToken === undefined ? {} : { node_token: nodeToken }),
    });
  }

  /** Registers the agent: waits for node_register, acks, returns the register message. */
  async accept(nodeId: string, nodeToken?: string): Promise<Of<'node_register'>> {
    const register = await this.next('node_register');
    this.ack(nodeId, nodeToken);
    return register;
  }
}

export class FakeNodeGateway {
  readonly connections: FakeNodeConnection[] = [];
  private taken = 0;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
  ) {
    wss.on('connection', (ws) => {
      this.connections.push(new FakeNodeConnection(ws));
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }

  static async start(): Promise<FakeNodeGateway> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws/node' });
    await once(wss, 'listening');
    const { port } = wss.address() as AddressInfo;
    return new FakeNodeGateway(wss, `ws://127.0.0.1:${port}`);
  }

  /** The next connection not yet returned, waiting for it if needed. */
  async nextConnection(timeoutMs = WAIT_MS): Promise<FakeNodeConnection> {
    const deadline = Date.now() + timeoutMs;
    while (this.connections.length <= this.taken) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no connection within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.connections[this.taken++] as FakeNodeConnection;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
