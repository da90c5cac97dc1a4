/**
 * A GPU node over a real `ws` socket, driven frame by frame: received frames are queued so a test can await the
 * next one of a type. `register` remembers the node id, token and pairing code the gateway issued.
 */
import { WebSocket, type ClientOptions } from 'ws';
import type { NodeHeartbeat, NodeRegister } from '@lingua/protocol';
import { heartbeatFrame, registerFrame, type Frame } from './frames.js';

export class TestNode {
  readonly ws: WebSocket;
  /** Received frames no `next` has taken yet. */
  readonly frames: Frame[] = [];
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  nodeId = '';
  token: string | undefined;
  /** The pairing code the gateway issued to this node as a private node (`node_register_ack.pairing_code`). */
  pairingCode: string | undefined;

  private constructor(url: string, opts: ClientOptions) {
    this.ws = new WebSocket(url, opts);
    this.ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      const i = this.waiters.findIndex((w) => w.pred(frame));
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        w?.resolve(frame);
      } else {
        this.frames.push(frame);
      }
    });
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  static async connect(url: string, opts: ClientOptions = {}): Promise<TestNode> {
    const node = new TestNode(url, opts);
    await new Promise<void>((resolve, reject) => {
      node.ws.once('open', () => resolve());
      node.ws.once('error', reject);
    });
    return node;
  }

  /** Sends a frame (objects as JSON, strings as they are); nothing once the socket is no longer open. */
  send(frame: unknown): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame (queued or future) matching `type` and `pred`. */
  next(type: string | string[], pred: (f: Frame) => boolean = () => true, timeoutMs = 5_000): Promise<Frame> {
    const types = Array.isArray(type) ? type : [type];
    const match = (f: Frame): boolean => types.includes(f.type) && pred(f);
    const i = this.frames.findIndex(match);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0] as Frame);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `no ${types.join('|')} frame within ${timeoutMs} ms; queued: ${JSON.stringify(this.frames)}`,
          ),
        );
      }, timeoutMs);
      const waiter = {
        pred: match,
        resolve: (f: Frame) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Registers and resolves with the ack; remembers the node id and the token (the one issued in the ack, else the
   * one presented).
   */
  async register(overrides: Partial<NodeRegister> = {}): Promise<Frame> {
    this.send(registerFrame(overrides));
    const ack = await this.next(['node_register_ack', 'error']);
    if (ack.type === 'error') throw new Error(`registration refused: ${JSON.stringify(ack)}`);
    this.nodeId = String(ack.node_id);
    if (typeof ack.node_token === 'string') this.token = ack.node_token;
    else if (overrides.node_token) this.token = overrides.node_token;
    this.pairingCode = typeof ack.pairing_code === 'string' ? ack.pairing_code : undefined;
    return ack;
  }

  heartbeat(overrides: Partial<NodeHeartbeat> = {}): void {
    this.send(heartbeatFrame(this.nodeId, overrides));
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }
}
