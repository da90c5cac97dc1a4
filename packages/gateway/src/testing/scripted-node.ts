/**
 * Test support (not built into dist): a GPU node that registers, turns ready and answers `job_assign`s as a
 * test scripts it, while recording what the gateway did to it — every assignment, cancels, and the highest
 * number of jobs it held at once (a node holds a job from job_assign until its final result or a job_cancel).
 */
import type { JobAssign, JobResult, NodeRegister } from '@lingua/protocol';
import { TestNode } from './test-node.js';

export type Frame = { type: string; [k: string]: unknown };

/** What the node does with one assignment. */
export type NodeAction =
  | { kind: 'result'; delayMs?: number; result?: Partial<JobResult> }
  | { kind: 'fail'; delayMs?: number; code: string; message?: string }
  /** Never answers (the gateway's deadline must act). */
  | { kind: 'silent' }
  /** Answers twice (duplicate) after `delayMs`. */
  | { kind: 'duplicate'; delayMs?: number };

export type Behaviour = (assign: JobAssign, node: ScriptedNode) => NodeAction;

export const answerAtOnce: Behaviour = () => ({ kind: 'result' });

export class ScriptedNode {
  readonly assigns: JobAssign[] = [];
  readonly cancels: Frame[] = [];
  private readonly holding = new Set<string>();
  maxConcurrent = 0;
  behaviour: Behaviour;
  private readonly timers = new Set<NodeJS.Timeout>();
  private assignWaiters: { n: number; resolve: () => void }[] = [];

  private constructor(
    readonly node: TestNode,
    behaviour: Behaviour,
  ) {
    this.behaviour = behaviour;
  }

  get nodeId(): string {
    return this.node.nodeId;
  }

  /** Answers scheduled and not yet sent. */
  get pendingAnswers(): number {
    return this.timers.size;
  }

  /** Jobs held right now. */
  get concurrent(): number {
    return this.holding.size;
  }

  /** Connects, registers (with `max_concurrent_jobs` if given), heartbeats once and waits for `ready`. */
  static async start(
    url: string,
    opts: { behaviour?: Behaviour; register?: Partial<NodeRegister> } = {},
  ): Promise<ScriptedNode> {
    const node = await TestNode.connect(url);
    const s = new ScriptedNode(node, opts.behaviour ?? answerAtOnce);
    node.ws.on('message', (data) => s.onFrame(JSON.parse(String(data)) as Frame));
    await node.register(opts.register);
    node.heartbeat();
    await node.next('node_status', (f) => f.status === 'ready');
    return s;
  }

  /** Resolves once this node has received `n` assignments in total. */
  waitForAssigns(n: number, timeoutMs = 5_000): Promise<void> {
    if (this.assigns.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { n, resolve: () => (clearTimeout(t), resolve()) };
      const t = setTimeout(() => {
        this.assignWaiters = this.assignWaiters.filter((x) => x !== w);
        reject(
          new Error(`node ${this.nodeId}: ${this.assigns.length}/${n} assignments within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.assignWaiters.push(w);
    });
  }

  /** Sends a job_result for an assignment (success with texts unless overridden). */
  sendResult(a: JobAssign, overrides: Partial<JobResult> = {}): void {
    this.holding.delete(a.job_id);
    const result: JobResult = {
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
      tts_format: 'opus',
      trace_id: a.trace_id,
      ...overrides,
    };
    this.node.send(result);
  }

  sendFailure(a: JobAssign, code: string, message = 'node failure'): void {
    this.sendResult(a, { success: false, text_asr: '', text_translated: '', error: { code, message } });
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.node.close();
  }

  private onFrame(f: Frame): void {
    if (f.type === 'job_cancel') {
      this.cancels.push(f);
      this.holding.delete(String(f.job_id));
      return;
    }
    if (f.type !== 'job_assign') return;
    const a = f as unknown as JobAssign;
    this.assigns.push(a);
    this.holding.add(a.job_id);
    this.maxConcurrent = Math.max(this.maxConcurrent, this.holding.size);
    for (const w of this.assignWaiters.filter((x) => this.assigns.length >= x.n)) {
      this.assignWaiters = this.assignWaiters.filter((x) => x !== w);
      w.resolve();
    }
    const action = this.behaviour(a, this);
    switch (action.kind) {
      case 'silent':
        return;
      case 'result':
        return this.later(action.delayMs, () => this.sendResult(a, action.result));
      case 'fail':
        return this.later(action.delayMs, () => this.sendFailure(a, action.code, action.message));
      case 'duplicate':
        return this.later(action.delayMs, () => {
          this.sendResult(a);
          this.sendResult(a);
        });
    }
  }

  private later(delayMs: number | undefined, fn: () => void): void {
    if (!delayMs) return fn();
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, delayMs);
    this.timers.add(t);
  }
}
