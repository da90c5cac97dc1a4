/**
 * Test support (not built into dist): a scripted GPU node over a real `ws` socket, with frames queued so a
 * test can await the next one of a type.
 */
import { WebSocket, type ClientOptions } from 'ws';
import type { NodeHeartbeat, NodeRegister } from '@lingua/protocol';

type Frame = { type: string; [k: string]: unknown };

export function registerFrame(overrides: Partial<NodeRegister> = {}): NodeRegister {
  return {
    type: 'node_register',
    version: '2.3.0',
    capability_schema_version: '2.0',
    platform: 'linux',
    hardware: { cpu_cores: 16, memory_gb: 64, gpus: [{ name: 'RTX 4090', memory_gb: 24 }] },
    installed_models: [],
    installed_services: [
      { service_id: 'asr-1', type: 'asr', device: 'gpu', status: 'running' },
      { service_id: 'nmt-1', type: 'nmt', device: 'gpu', status: 'running' },
      { service_id: 'tts-1', type: 'tts', device: 'gpu', status: 'running' },
    ],
    capability_by_type: [
      { type: 'asr', ready: true },
      { type: 'nmt', ready: true },
      { type: 'tts', ready: true },
    ],
    features_supported: {},
    accept_public_jobs: true,
    language_capabilities: { asr_languages: ['en', 'zh'], semantic_languages: ['en', 'zh'] },
    ...overrides,
  };
}

export function heartbeatFrame(nodeId: string, overrides: Partial<NodeHeartbeat> = {}): NodeHeartbeat {
  return {
    type: 'node_heartbeat',
    node_id: nodeId,
    timestamp: Date.now(),
    resource_usage: { cpu_percent: 10, gpu_percent: 20, mem_percent: 30, running_jobs: 0 },
    installed_services: [
      { service_id: 'asr-1', type: 'asr', device: 'gpu', status: 'running' },
      { service_id: 'nmt-1', type: 'nmt', device: 'gpu', status: 'running' },
      { service_id: 'tts-1', type: 'tts', device: 'gpu', status: 'running' },
    ],
    capability_by_type: [
      { type: 'asr', ready: true },
      { type: 'nmt', ready: true },
      { type: 'tts', ready: true },
    ],
    ...overrides,
  };
}

export class TestNode {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  nodeId = '';
  token: string | undefined;

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

  send(frame: unknown): void {
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

  /** Registers and resolves with the ack (remembers node id and token). */
  async register(overrides: Partial<NodeRegister> = {}): Promise<Frame> {
    this.send(registerFrame(overrides));
    const ack = await this.next(['node_register_ack', 'error']);
    if (ack.type === 'error') throw new Error(`registration refused: ${JSON.stringify(ack)}`);
    this.nodeId = String(ack.node_id);
    if (typeof ack.node_token === 'string') this.token = ack.node_token;
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
