/**
 * A GPU node that registers, turns ready and answers each `job_assign` as the test's behaviour decides, while
 * recording what the gateway did to it: every assignment, every cancel, and the highest number of jobs it held at
 * once (a node holds a job from job_assign until its final result or a job_cancel).
 */
import type { JobAssign, JobResult, NodeRegister } from '@lingua/protocol';
import type { Frame } from './frames.js';
import { TestNode } from './test-node.js';

/** What the node does with one assignment. */
export type NodeAction =
  | { kind: 'result'; delayMs?: number; result?: Partial<JobResult> }
  | { kind: 'fail'; delayMs?: number; code: string; message?: string }
  /** Never answers (the gateway's deadline must act). */
  | { kind: 'silent' }
  /** Answers twice (duplicate) after `delayMs`. */
  | { kind: 'duplicate'; delayMs?: number };

/**
 * Decides what happens to an assignment: return an action, or return nothing after answering through the node
 * (`answer`, `fail`, `partial`) or choosing silence.
 */
export type Behaviour = (assign: JobAssign, node: ScriptedNode) => NodeAction | void;

export const answerAtOnce: Behaviour = () => ({ kind: 'result' });

export interface ScriptedNodeOptions {
  behaviour?: Behaviour;
  /** Fields of `node_register` to set, e.g. `max_concurrent_jobs`, or `node_id` + `node_token` to re-register. */
  register?: Partial<NodeRegister>;
}

export class ScriptedNode {
  readonly assigns: JobAssign[] = [];
  readonly cancels: Frame[] = [];
  private readonly holding = new Set<string>();
  maxConcurrent = 0;
  behaviour: Behaviour;
  private readonly timers = new Set<NodeJS.Timeout>();
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];

  private constructor(
    readonly node: TestNode,
    behaviour: Behaviour,
  ) {
    this.behaviour = behaviour;
  }

  get nodeId(): string {
    return this.node.nodeId;
  }

  /** The token to present when this node registers again ('' if the gateway issued none). */
  get token(): string {
    return this.node.token ?? '';
  }

  /** The pairing code issued to this node as a private node (undefined for a public one). */
  get pairingCode(): string | undefined {
    return this.node.pairingCode;
  }

  /** Answers scheduled and not yet sent. */
  get pendingAnswers(): number {
    return this.timers.size;
  }

  /** Jobs held right now. */
  get concurrent(): number {
    return this.holding.size;
  }

  /** Connects, registers, heartbeats once and resolves when the gateway reports the node `ready`. */
  static async start(url: string, opts: ScriptedNodeOptions = {}): Promise<ScriptedNode> {
    const node = await TestNode.connect(url);
    const s = new ScriptedNode(node, opts.behaviour ?? answerAtOnce);
    node.ws.on('message', (data) => s.onFrame(JSON.parse(String(data)) as Frame));
    await node.register(opts.register);
    node.heartbeat();
    await node.next('node_status', (f) => f.status === 'ready');
    return s;
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

  /** Resolves once this node has received `n` assignments in total. */
  waitForAssigns(n: number, timeoutMs = 5_000): Promise<void> {
    return this.until(
      () => this.assigns.length >= n,
      timeoutMs,
      `${n} assignments (${this.assigns.length} so far)`,
    );
  }

  /** Sends a job_result for an assignment (success with texts unless overridden). */
  answer(a: JobAssign, overrides: Partial<JobResult> = {}): void {
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

  /** Sends a failed job_result with `code`. */
  fail(a: JobAssign, code: string, message = 'node failure'): void {
    this.answer(a, { success: false, text_asr: '', text_translated: '', error: { code, message } });
  }

  /** Sends an `asr_partial` for an assignment. */
  partial(a: JobAssign, text: string): void {
    this.node.send({
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

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.node.close();
  }

  private onFrame(f: Frame): void {
    if (f.type === 'job_cancel') {
      this.cancels.push(f);
      this.holding.delete(String(f.job_id));
    } else if (f.type === 'job_assign') {
      const a = f as unknown as JobAssign;
      this.assigns.push(a);
      this.holding.add(a.job_id);
      this.maxConcurrent = Math.max(this.maxConcurrent, this.holding.size);
      this.act(a, this.behaviour(a, this));
    }
    for (const w of this.waiters.filter((x) => x.pred())) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve();
    }
  }

  private act(a: JobAssign, action: NodeAction | void): void {
    if (!action) return;
    switch (action.kind) {
      case 'silent':
        return;
      case 'result':
        return this.later(action.delayMs, () => this.answer(a, action.result));
      case 'fail':
        return this.later(action.delayMs, () => this.fail(a, action.code, action.message));
      case 'duplicate':
        return this.later(action.delayMs, () => {
          this.answer(a);
          this.answer(a);
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
