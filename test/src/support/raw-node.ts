/**
 * A GPU node over a raw WebSocket, as the wire protocol describes it: registers (with ext max_concurrent_jobs
 * and, when re-registering, node_token), heartbeats once to become ready, and answers each job_assign as the
 * test's behaviour decides. Every assignment and cancel is recorded.
 */
import { WebSocket } from 'ws';
import type { JobAssign, JobResult } from '@lingua/protocol';

export type Frame = { type: string; [k: string]: unknown };

/** What the node does with an assignment: answer now (default), later, never, or fail. */
export type Behaviour = (assign: JobAssign, node: RawNode) => void;

export const answerNow: Behaviour = (a, n) => n.answer(a);

const SERVICES = [
  { service_id: 'asr-1', type: 'asr', device: 'gpu', status: 'running' },
  { service_id: 'nmt-1', type: 'nmt', device: 'gpu', status: 'running' },
  { service_id: 'tts-1', type: 'tts', device: 'gpu', status: 'running' },
];
const READY = [
  { type: 'asr', ready: true },
  { type: 'nmt', ready: true },
  { type: 'tts', ready: true },
];

export class RawNode {
  readonly assigns: JobAssign[] = [];
  readonly cancels: Frame[] = [];
  readonly others: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  nodeId = '';
  token = '';
  behaviour: Behaviour;
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];

  private constructor(
    readonly ws: WebSocket,
    behaviour: Behaviour,
  ) {
    this.behaviour = behaviour;
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    ws.on('message', (data) => this.onFrame(JSON.parse(String(data)) as Frame));
  }

  /** Connects, registers, heartbeats once and resolves when the gateway reports it `ready`. */
  static async start(
    url: string,
    opts: { behaviour?: Behaviour; maxJobs?: number; nodeId?: string; token?: string } = {},
  ): Promise<RawNode> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const node = new RawNode(ws, opts.behaviour ?? answerNow);
    node.send({
      type: 'node_register',
      node_id: opts.nodeId ?? null,
      version: '2.3.0',
      capability_schema_version: '2.0',
      platform: 'linux',
      hardware: { cpu_cores: 16, memory_gb: 64, gpus: [{ name: 'RTX 4090', memory_gb: 24 }] },
      installed_models: [],
      installed_services: SERVICES,
      capability_by_type: READY,
      features_supported: {},
      accept_public_jobs: true,
      language_capabilities: { asr_languages: ['zh', 'en'], semantic_languages: ['zh', 'en'] },
      max_concurrent_jobs: opts.maxJobs ?? 8,
      ...(opts.token ? { node_token: opts.token } : {}),
    });
    const ack = await node.next((f) => f.type === 'node_register_ack' || f.type === 'error');
    if (ack.type === 'error') throw new Error(`registration refused: ${JSON.stringify(ack)}`);
    node.nodeId = String(ack.node_id);
    node.token = typeof ack.node_token === 'string' ? ack.node_token : (opts.token ?? '');
    node.send({
      type: 'node_heartbeat',
      node_id: node.nodeId,
      timestamp: Date.now(),
      resource_usage: { cpu_percent: 10, gpu_percent: 10, mem_percent: 10, running_jobs: 0 },
      installed_services: SERVICES,
      capability_by_type: READY,
    });
    await node.next((f) => f.type === 'node_status' && f.status === 'ready');
    return node;
  }

  send(frame: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  answer(a: JobAssign, overrides: Partial<JobResult> = {}): void {
    this.send({
      type: 'job_result',
      job_id: a.job_id,
      attempt_id: a.attempt_id,
      node_id: this.nodeId,
      session_id: a.session_id,
      utterance_index: a.utterance_index,
      success: true,
      text_asr: `asr ${a.utterance_index}`,
      text_translated: `tr ${a.utterance_index}`,
      tts_audio: '',
      tts_format: 'pcm16',
      trace_id: a.trace_id,
      ...overrides,
    } satisfies JobResult);
  }

  fail(a: JobAssign, code: string): void {
    this.answer(a, {
      success: false,
      text_asr: '',
      text_translated: '',
      error: { code, message: 'node failed' },
    });
  }

  partial(a: JobAssign, text: string): void {
    this.send({
      type: 'asr_partial',
      job_id: a.job_id,
      node_id: this.nodeId,
      session_id: a.session_id,
      utterance_index: a.utterance_index,
      text,
      is_final: false,
      trace_id: a.trace_id,
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
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`node ${this.nodeId}: ${what} not met within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }

  private pendingNext: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];

  private next(pred: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    const i = this.others.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.others.splice(i, 1)[0] as Frame);
    return new Promise((resolve, reject) => {
      const entry = {
        pred,
        resolve: (f: Frame) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.pendingNext = this.pendingNext.filter((x) => x !== entry);
        reject(new Error(`node: expected frame not received within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingNext.push(entry);
    });
  }

  private onFrame(f: Frame): void {
    if (f.type === 'job_assign') {
      const a = f as unknown as JobAssign;
      this.assigns.push(a);
      this.behaviour(a, this);
    } else if (f.type === 'job_cancel') {
      this.cancels.push(f);
    } else {
      const i = this.pendingNext.findIndex((p) => p.pred(f));
      if (i >= 0) this.pendingNext.splice(i, 1)[0]?.resolve(f);
      else this.others.push(f);
    }
    for (const w of this.waiters.filter((x) => x.pred())) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve();
    }
  }
}
