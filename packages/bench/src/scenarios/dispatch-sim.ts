/**
 * Simulated sessions and GPU nodes for the `dispatch` and `cluster` scenarios: bare `ws` sockets speaking the
 * client and node protocols, stamping `stampMs()` at the moments the scenario measures. The nodes run in a child
 * process (node-fleet-process.ts), the sessions in the bench process; the monotonic clock behind `stampMs()` reads
 * the same in both.
 *
 * - A session sends one utterance as the web client does (an Opus Plan A audio_chunk, then `{is_final:true,
 *   payload:""}`) and waits for that index's resolution before it may send the next one, so cuts never merge.
 * - A node answers every job_assign at once with a job_result, stamping receipt and answer.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { createProgress } from '../lib/progress.js';

const SERVICES = [
  { service_id: 'asr-1', type: 'asr', device: 'gpu', status: 'running' },
  { service_id: 'nmt-1', type: 'nmt', device: 'gpu', status: 'running' },
  { service_id: 'tts-1', type: 'tts', device: 'gpu', status: 'running' },
];

/** Stamps of one utterance, keyed `<sessionId>:<utteranceIndex>`. */
export interface UtteranceTimes {
  finalSent?: number;
  assignAt?: number;
  resultSent?: number;
  resolvedAt?: number;
  resolution?: 'translation' | 'missing';
  /** Resolutions after the first (must stay 0: every index resolves exactly once). */
  extra?: number;
}

export type TimesBook = Map<string, UtteranceTimes>;

/** CLOCK_MONOTONIC in milliseconds: comparable across processes on one machine (unlike `performance.now()`). */
export function stampMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function entry(book: TimesBook, key: string): UtteranceTimes {
  let t = book.get(key);
  if (!t) book.set(key, (t = {}));
  return t;
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

type Frame = { type: string; [k: string]: unknown };

export class SimJobNode {
  nodeId = '';
  assigns = 0;

  private constructor(
    private readonly ws: WebSocket,
    private readonly book: TimesBook,
  ) {}

  /** Connects, registers with `maxJobs` slots, heartbeats once and resolves when the node is ready. */
  static async start(url: string, book: TimesBook, maxJobs: number): Promise<SimJobNode> {
    const ws = await open(url);
    const node = new SimJobNode(ws, book);
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        const now = stampMs();
        const f = JSON.parse(String(data)) as Frame;
        if (f.type === 'job_assign') return node.answer(f, now);
        if (f.type === 'node_register_ack') {
          node.nodeId = String(f.node_id);
          ws.send(
            JSON.stringify({
              type: 'node_heartbeat',
              node_id: node.nodeId,
              timestamp: Date.now(),
              resource_usage: { cpu_percent: 10, gpu_percent: 10, mem_percent: 10, running_jobs: 0 },
              installed_services: SERVICES,
              capability_by_type: SERVICES.map((s) => ({ type: s.type, ready: true })),
            }),
          );
        } else if (f.type === 'node_status' && f.status === 'ready') {
          resolve();
        } else if (f.type === 'error') {
          reject(new Error(`node refused: ${JSON.stringify(f)}`));
        }
      });
      ws.send(
        JSON.stringify({
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
          max_concurrent_jobs: maxJobs,
        }),
      );
    });
    return node;
  }

  close(): void {
    this.ws.terminate();
  }

  private answer(a: Frame, receivedAt: number): void {
    this.assigns++;
    const t = entry(this.book, `${String(a.session_id)}:${String(a.utterance_index)}`);
    t.assignAt = receivedAt;
    const result = JSON.stringify({
      type: 'job_result',
      job_id: a.job_id,
      attempt_id: a.attempt_id,
      node_id: this.nodeId,
      session_id: a.session_id,
      utterance_index: a.utterance_index,
      success: true,
      text_asr: '你好世界',
      text_translated: 'hello world',
      tts_audio: '',
      tts_format: 'opus',
      trace_id: a.trace_id,
    });
    t.resultSent = stampMs();
    this.ws.send(result);
  }
}

/** One Opus Plan A chunk of 12 packets (≈ 240 ms), base64, as the web client sends them. */
const AUDIO = Buffer.concat(
  Array.from({ length: 12 }, () => Buffer.concat([Buffer.from([40, 0]), Buffer.alloc(40, 7)])),
).toString('base64');

export class SimSession {
  sessionId = '';
  /** Waiting for the resolution of the utterance it sent. */
  busy = false;
  sent = 0;
  private seq = 0;
  private onIdle: (() => void) | undefined;

  private constructor(
    private readonly ws: WebSocket,
    private readonly book: TimesBook,
  ) {}

  static async start(url: string, book: TimesBook): Promise<SimSession> {
    const ws = await open(url);
    const s = new SimSession(ws, book);
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        const now = stampMs();
        const f = JSON.parse(String(data)) as Frame;
        if (f.type === 'session_init_ack') {
          s.sessionId = String(f.session_id);
          resolve();
        } else if (f.type === 'error' && s.sessionId === '') {
          reject(new Error(`session refused: ${JSON.stringify(f)}`));
        } else {
          s.onFrame(f, now);
        }
      });
      ws.send(
        JSON.stringify({
          type: 'session_init',
          client_version: 'bench',
          platform: 'web',
          src_lang: 'zh',
          tgt_lang: 'en',
          dialect: null,
          pairing_code: null,
          tenant_id: null,
        }),
      );
    });
    return s;
  }

  /** Sends the next utterance; its index is the number sent before (the gateway counts the same way). */
  speak(): void {
    this.busy = true;
    const index = this.sent++;
    this.ws.send(
      JSON.stringify({
        type: 'audio_chunk',
        session_id: this.sessionId,
        seq: this.seq++,
        is_final: false,
        payload: AUDIO,
      }),
    );
    const final = JSON.stringify({
      type: 'audio_chunk',
      session_id: this.sessionId,
      seq: this.seq++,
      is_final: true,
      payload: '',
    });
    entry(this.book, `${this.sessionId}:${index}`).finalSent = stampMs();
    this.ws.send(final);
  }

  /** Resolves once the last utterance sent has resolved. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => (this.onIdle = resolve));
  }

  close(): void {
    this.ws.terminate();
  }

  private onFrame(f: Frame, now: number): void {
    // An index resolves with exactly one translation_result or missing_result (an error, if any, comes first).
    let resolution: UtteranceTimes['resolution'];
    const index = f.utterance_index;
    if (f.type === 'translation_result') resolution = 'translation';
    else if (f.type === 'missing_result') resolution = 'missing';
    if (resolution === undefined || typeof index !== 'number') return;
    const t = entry(this.book, `${this.sessionId}:${index}`);
    if (t.resolvedAt !== undefined) {
      t.extra = (t.extra ?? 0) + 1;
      return;
    }
    t.resolvedAt = now;
    t.resolution = resolution;
    if (index === this.sent - 1) {
      this.busy = false;
      const idle = this.onIdle;
      this.onIdle = undefined;
      idle?.();
    }
  }
}

/**
 * Open-loop pacing: every tick, as many idle sessions speak as the schedule says are due. A session is busy
 * until its utterance resolves. Returns how many utterances were sent.
 */
export async function driveOpenLoop(
  sessions: SimSession[],
  ratePerS: number,
  durationMs: number,
  label: string,
  scenario: string,
): Promise<number> {
  const started = performance.now();
  const progress = createProgress({ label, total: Math.round((ratePerS * durationMs) / 1_000) });
  let sent = 0;
  let cursor = 0;
  let starved = 0;
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= durationMs) break;
    const due = Math.floor((elapsed / 1_000) * ratePerS);
    let tries = 0;
    while (sent < due && tries < sessions.length) {
      const s = sessions[cursor++ % sessions.length] as SimSession;
      tries++;
      if (s.busy) continue;
      s.speak();
      sent++;
    }
    if (sent < due) starved++;
    progress.update(sent);
    await delay(1);
  }
  progress.stop();
  if (starved > durationMs / 10) {
    process.stderr.write(
      `[${scenario}] ${label}: all sessions busy in ${starved} ticks; the rate was not reached\n`,
    );
  }
  return sent;
}
