/**
 * Simulated GPU nodes for the `nodes` scenario: bare `ws` sockets speaking just enough of the node protocol
 * (register, heartbeat), with the round-trip of each request measured on the client.
 *
 * A heartbeat has no reply in the protocol. To observe every one client-side, the fleet alternates healthy and
 * unhealthy heartbeats while the gateway runs with LINGUA_NODE_DEGRADE_HEARTBEATS=1, so each heartbeat flips the
 * node between ready and degraded and is answered by a `node_status` push. The gateway still runs exactly one
 * node-heartbeat script per heartbeat; the push adds one small frame.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';

const SERVICES = [
  { service_id: 'asr-1', type: 'asr', device: 'gpu', status: 'running' },
  { service_id: 'nmt-1', type: 'nmt', device: 'gpu', status: 'running' },
  { service_id: 'tts-1', type: 'tts', device: 'gpu', status: 'running' },
];

const REGISTER = JSON.stringify({
  type: 'node_register',
  node_id: null,
  version: 'bench-1.0',
  capability_schema_version: '2.0',
  platform: 'linux',
  hardware: { cpu_cores: 16, memory_gb: 64, gpus: [{ name: 'RTX 4090', memory_gb: 24 }] },
  installed_models: [],
  installed_services: SERVICES,
  capability_by_type: SERVICES.map((s) => ({ type: s.type, ready: true })),
  features_supported: {},
  accept_public_jobs: true,
  language_capabilities: { asr_languages: ['en', 'zh'], semantic_languages: ['en', 'zh'] },
});

function heartbeat(nodeId: string, healthy: boolean): string {
  const services = healthy ? SERVICES : SERVICES.map((s) => ({ ...s, status: 'stopped' }));
  return JSON.stringify({
    type: 'node_heartbeat',
    node_id: nodeId,
    timestamp: Date.now(),
    resource_usage: { cpu_percent: 20, gpu_percent: 35, mem_percent: 40, running_jobs: 0 },
    installed_services: services,
    capability_by_type: services.map((s) => ({ type: s.type, ready: healthy })),
  });
}

export class SimNode {
  nodeId = '';
  busy = false;
  private healthyNext = true;
  private beats: [string, string] | undefined;
  private waiting:
    { type: string; since: number; resolve: (ms: number) => void; reject: (e: Error) => void } | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => this.onFrame(String(data)));
    ws.on('close', () => this.fail(new Error('socket closed')));
    ws.on('error', () => undefined);
  }

  static connect(url: string): Promise<SimNode> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => resolve(new SimNode(ws)));
      ws.once('error', reject);
    });
  }

  /** node_register → ack; resolves with the round trip in ms. */
  register(): Promise<number> {
    return this.request(REGISTER, 'node_register_ack');
  }

  /** One heartbeat, answered by the status flip it causes; resolves with the round trip in ms. */
  heartbeat(): Promise<number> {
    const healthy = this.healthyNext;
    this.healthyNext = !healthy;
    this.beats ??= [heartbeat(this.nodeId, true), heartbeat(this.nodeId, false)];
    return this.request(this.beats[healthy ? 0 : 1], 'node_status');
  }

  close(): void {
    this.ws.terminate();
  }

  private request(frame: string, replyType: string): Promise<number> {
    this.busy = true;
    return new Promise<number>((resolve, reject) => {
      this.waiting = { type: replyType, since: performance.now(), resolve, reject };
      this.ws.send(frame);
    }).finally(() => {
      this.busy = false;
    });
  }

  private onFrame(text: string): void {
    const w = this.waiting;
    if (!w) return;
    const frame = JSON.parse(text) as { type: string; node_id?: string; code?: string; message?: string };
    if (frame.type === 'error') {
      this.waiting = undefined;
      w.reject(new Error(`gateway error ${frame.code}: ${frame.message}`));
      return;
    }
    if (frame.type !== w.type) return;
    if (frame.type === 'node_register_ack') this.nodeId = String(frame.node_id);
    this.waiting = undefined;
    w.resolve(performance.now() - w.since);
  }

  private fail(err: Error): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; `onDone` sees each completion. */
export async function runPool<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
  onDone?: (done: number, value: T) => void,
): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const value = await task(i);
      out[i] = value;
      done++;
      onDone?.(done, value);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return out;
}
