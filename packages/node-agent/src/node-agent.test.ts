import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobAssign } from '@lingua/protocol';
import { poll } from '@lingua/testkit';
import { JobFailure, type JobContext, type JobOutcome } from './job-types.js';
import { NodeAgent, type NodeAgentOptions } from './node-agent.js';
import { simProfile } from './sim/profile.js';
import { FakeNodeGateway } from './testing/fake-gateway.js';
import { jobAssign as job } from './testing/job-assign.js';

/** A handler whose jobs finish only when the test says so. */
class ScriptedHandler {
  readonly started = new Map<
    string,
    { job: JobAssign; ctx: JobContext; finish: (o: JobOutcome) => void; fail: (e: unknown) => void }
  >();
  private waiters = new Map<string, () => void>();
  calls = 0;

  handle = (job: JobAssign, ctx: JobContext): Promise<JobOutcome> =>
    new Promise<JobOutcome>((finish, fail) => {
      this.calls++;
      this.started.set(job.job_id, { job, ctx, finish, fail });
      ctx.signal.addEventListener('abort', () => fail(ctx.signal.reason));
      this.waiters.get(job.job_id)?.();
    });

  async whenStarted(jobId: string) {
    if (!this.started.has(jobId)) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`job ${jobId} never started`)), 5000);
        this.waiters.set(jobId, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const started = this.started.get(jobId);
    if (started === undefined) throw new Error(`job ${jobId} never started`);
    return started;
  }
}

const profile = simProfile({ asrLanguages: ['en'], targetLanguages: ['zh'], region: 'eu', gpuTier: 'a100' });

describe('NodeAgent', () => {
  let gateway: FakeNodeGateway;
  let agents: NodeAgent[];
  let handler: ScriptedHandler;

  const makeAgent = (opts: Partial<NodeAgentOptions> = {}) => {
    const agent = new NodeAgent({
      url: gateway.url,
      profile,
      handler,
      drainOnSigterm: false,
      backoff: { initialMs: 5, maxMs: 40, jitter: 0 },
      ...opts,
    });
    agents.push(agent);
    return agent;
  };

  beforeEach(async () => {
    gateway = await FakeNodeGateway.start();
    agents = [];
    handler = new ScriptedHandler();
  });

  afterEach(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await gateway.close();
  });

  it('registers with its profile and capacity, then heartbeats right after the ack and periodically', async () => {
    const agent = makeAgent({ maxConcurrentJobs: 3, heartbeatIntervalMs: 30 });
    const started = agent.start();
    const conn = await gateway.nextConnection();
    const register = await conn.next('node_register');
    expect(register.node_id).toBeUndefined();
    expect(register.node_token).toBeUndefined();
    expect(register).toMatchObject({
      max_concurrent_jobs: 3,
      region: 'eu',
      gpu_tier: 'a100',
      capability_schema_version: '2.0',
    });
    conn.ack('node-1', 'secret');
    expect(await started).toEqual({ nodeId: 'node-1', nodeToken: 'secret' });
    const first = await conn.next('node_heartbeat');
    expect(first).toMatchObject({ node_id: 'node-1', resource_usage: { running_jobs: 0 } });
    expect(first.capability_by_type.map((c) => c.type)).toContain('asr');
    const second = await conn.next('node_heartbeat');
    expect(second.timestamp).toBeGreaterThanOrEqual(first.timestamp);
    expect(agent.connection).toBe('registered');
  });

  it('ignores a job_assign that arrives before the ack', async () => {
    const agent = makeAgent();
    void agent.start();
    const conn = await gateway.nextConnection();
    await conn.next('node_register');
    conn.send(job('early'));
    conn.ack('node-1');
    await once(agent, 'registered');
    conn.send(job('after'));
    expect((await handler.whenStarted('after')).job.job_id).toBe('after');
    expect(handler.started.has('early')).toBe(false);
  });

  it('persists id and token to the state file and presents them on reconnect and on restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lingua-agent-'));
    try {
      const stateFile = join(dir, 'node.json');
      const agent = makeAgent({ stateFile });
      void agent.start();
      const c1 = await gateway.nextConnection();
      await c1.accept('node-42', 'tok-42');
      await once(agent, 'registered');
      // The save is asynchronous; the reconnect below must not depend on it, but the file must appear.
      const saved = await waitForFile(stateFile);
      expect(JSON.parse(saved)).toEqual({ nodeId: 'node-42', nodeToken: 'tok-42' });

      c1.ws.terminate();
      const c2 = await gateway.nextConnection();
      const again = await c2.next('node_register');
      expect(again).toMatchObject({ node_id: 'node-42', node_token: 'tok-42' });
      // A later ack of the same id carries no token: the agent keeps the one it has.
      c2.ack('node-42');
      const reg = await once(agent, 'registered');
      expect(reg[0]).toMatchObject({ nodeId: 'node-42', nodeToken: 'tok-42', registrations: 2 });
      await agent.stop();

      const restarted = makeAgent({ stateFile });
      void restarted.start();
      const c3 = await gateway.nextConnection();
      expect(await c3.next('node_register')).toMatchObject({ node_id: 'node-42', node_token: 'tok-42' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('forgets a token the gateway refuses and registers afresh', async () => {
    const agent = makeAgent({
      identityStore: { load: async () => ({ nodeId: 'old', nodeToken: 'stale' }), save: async () => {} },
    });
    const errors: string[] = [];
    agent.on('error', (e) => errors.push(String(e.details?.gatewayCode)));
    void agent.start();
    const c1 = await gateway.nextConnection();
    expect(await c1.next('node_register')).toMatchObject({ node_id: 'old', node_token: 'stale' });
    c1.send({ type: 'error', code: 'UNAUTHORIZED', message: 'bad token' });
    c1.ws.close(1008, 'unauthorized');
    const c2 = await gateway.nextConnection();
    const fresh = await c2.next('node_register');
    expect(fresh.node_id).toBeUndefined();
    expect(fresh.node_token).toBeUndefined();
    expect(errors).toEqual(['UNAUTHORIZED']);
  });

  it('reconnects with exponential backoff up to the cap and resets it after a registration', async () => {
    const agent = makeAgent({ backoff: { initialMs: 5, factor: 2, maxMs: 20, jitter: 0 } });
    const delays: number[] = [];
    agent.on('reconnecting', (r) => delays.push(r.delayMs));
    void agent.start();
    for (let i = 0; i < 4; i++) {
      const conn = await gateway.nextConnection();
      await conn.next('node_register');
      conn.ws.close(1011, 'refuse');
    }
    const conn = await gateway.nextConnection();
    await conn.accept('node-1');
    await once(agent, 'registered');
    expect(delays).toEqual([5, 10, 20, 20]);
    conn.ws.close(1001, 'going away');
    const next = await once(agent, 'reconnecting');
    expect(next[0]).toEqual({ attempt: 1, delayMs: 5 });
  });

  it('jitters its reconnect delays by default: up to half of each delay is random', async () => {
    const draws = [1, 0.5];
    const agent = makeAgent({ backoff: undefined, random: () => draws.shift() ?? 0 });
    const delays: number[] = [];
    agent.on('reconnecting', (r) => delays.push(r.delayMs));
    void agent.start();
    // Two refused connections: the default curve (500 ms, then 1 s) under draws of 1 and 0.5.
    const first = await gateway.nextConnection();
    await first.next('node_register');
    first.ws.close(1011, 'refuse');
    await once(agent, 'reconnecting');
    const second = await gateway.nextConnection();
    await second.next('node_register');
    second.ws.close(1011, 'refuse');
    await once(agent, 'reconnecting');
    expect(delays).toEqual([250, 750]);
    await agent.stop();
  });

  it('runs a job: partials and the result carry the assignment ids', async () => {
    const agent = makeAgent();
    void agent.start();
    const conn = await gateway.nextConnection();
    await conn.accept('node-1');
    await once(agent, 'registered');
    conn.send(job('j1', 4, { group_id: 'g1' }));
    const running = await handler.whenStarted('j1');
    running.ctx.partial('hel', false);
    const partial = await conn.next('asr_partial');
    expect(partial).toMatchObject({
      job_id: 'j1',
      node_id: 'node-1',
      session_id: 'sess-1',
      utterance_index: 4,
      text: 'hel',
      is_final: false,
      trace_id: 'trace-j1',
    });
    running.finish({
      success: true,
      text_asr: 'hello',
      text_translated: '你好',
      tts_audio: '',
      tts_format: 'pcm16',
    });
    const result = await conn.next('job_result');
    expect(result).toMatchObject({
      job_id: 'j1',
      attempt_id: 1,
      node_id: 'node-1',
      session_id: 'sess-1',
      utterance_index: 4,
      success: true,
      text_translated: '你好',
      trace_id: 'trace-j1',
      group_id: 'g1',
    });
    expect(result.processing_time_ms).toBeGreaterThanOrEqual(0);
  });

  it('turns handler errors into failed results with the error code', async () => {
    const agent = makeAgent();
    void agent.start();
    const conn = await gateway.nextConnection();
    await conn.accept('node-1');
    await once(agent, 'registered');
    conn.send(job('typed', 0));
    conn.send(job('plain', 1));
    (await handler.whenStarted('typed')).fail(new JobFailure('MODEL_NOT_AVAILABLE', 'no zh model'));
    expect(await conn.next('job_result')).toMatchObject({
      job_id: 'typed',
      success: false,
      error: { code: 'MODEL_NOT_AVAILABLE', message: 'no zh model' },
    });
    (await handler.whenStarted('plain')).fail(new Error('CUDA out of memory'));
    expect(await conn.next('job_result')).toMatchObject({
      job_id: 'plain',
      success: false,
      error: { code: 'PROCESSING_ERROR', message: 'CUDA out of memory' },
    });
  });

  it('answers assignments over the concurrency limit with NODE_OVERLOADED', async () => {
    const agent = makeAgent({ maxConcurrentJobs: 1 });
    void agent.start();
    const conn = await gateway.nextConnection();
    expect((await conn.accept('node-1')).max_concurrent_jobs).toBe(1);
    await once(agent, 'registered');
    conn.send(job('a', 0));
    const a = await handler.whenStarted('a');
    conn.send(job('b', 1));
    expect(await conn.next('job_result')).toMatchObject({
      job_id: 'b',
      success: false,
      error: { code: 'NODE_OVERLOADED' },
    });
    expect(handler.started.has('b')).toBe(false);
    a.finish({ success: true, text_asr: 'a', text_translated: 'a' });
    expect(await conn.next('job_result')).toMatchObject({ job_id: 'a', success: true });
    conn.send(job('c', 2));
    expect((await handler.whenStarted('c')).job.job_id).toBe('c');
  });

  it('ignores a replayed assignment that is already running', async () => {
    const agent = makeAgent({ maxConcurrentJobs: 1 });
    void agent.start();
    const conn = await gateway.nextConnection();
    await conn.accept('node-1');
    await once(agent, 'registered');
    conn.send(job('a', 0));
    const a = await handler.whenStarted('a');
    conn.send(job('a', 0));
    // Frames are handled in order: b's refusal proves the replay of a was handled before it.
    conn.send(job('b', 1));
    expect(await conn.next('job_result')).toMatchObject({ job_id: 'b', error: { code: 'NODE_OVERLOADED' } });
    a.finish({ success: true, text_asr: 'x', text_translated: 'y' });
    expect(await conn.next('job_result')).toMatchObject({ job_id: 'a', success: true });
    expect(handler.calls).toBe(1);
  });

  it('aborts the handler signal on job_cancel and sends no result for it', async () => {
    const agent = makeAgent();
    void agent.start();
    const conn = await gateway.nextConnection();
    await conn.accept('node-1');
    await once(agent, 'registered');
    conn.send(job('slow', 0));
    const slow = await handler.whenStarted('slow');
    conn.send({ type: 'job_cancel', job_id: 'slow', reason: 'timeout' });
    await once(slow.ctx.signal, 'abort');
    expect(slow.ctx.signal.aborted).toBe(true);
    expect(agent.runningJobs).toBe(0);
    conn.send(job('next', 1));
    (await handler.whenStarted('next')).finish({ success: true, text_asr: 'n', text_translated: 'n' });
    // Results are sent in order, so the first one seen proves none was sent for the cancelled job.
    expect((await conn.next('job_result')).job_id).toBe('next');
  });

  it('delivers a result that finished while disconnected after it registers again', async () => {
    const agent = makeAgent();
    void agent.start();
    const c1 = await gateway.nextConnection();
    await c1.accept('node-1');
    await once(agent, 'registered');
    c1.send(job('j', 0));
    const j = await handler.whenStarted('j');
    c1.ws.terminate();
    await once(agent, 'disconnected');
    j.finish({ success: true, text_asr: 'late', text_translated: 'late' });
    const c2 = await gateway.nextConnection();
    expect((await c2.accept('node-1')).node_id).toBe('node-1');
    expect(await c2.next('job_result')).toMatchObject({ job_id: 'j', node_id: 'node-1', text_asr: 'late' });
  });

  it('drains on node_control drain: refuses new jobs, finishes in-flight ones, then closes for good', async () => {
    const agent = makeAgent();
    const reconnects: number[] = [];
    agent.on('reconnecting', (r) => reconnects.push(r.attempt));
    void agent.start();
    const conn = await gateway.nextConnection();
    await conn.accept('node-1');
    await once(agent, 'registered');
    conn.send(job('inflight', 0));
    const inflight = await handler.whenStarted('inflight');
    const drained = once(agent, 'drained');
    conn.send({ type: 'node_control', command: 'drain', reason: 'maintenance' });
    await once(agent, 'control');
    expect(agent.lifecycle).toBe('draining');
    conn.send(job('new', 1));
    expect(await conn.next('job_result')).toMatchObject({
      job_id: 'new',
      success: false,
      error: { code: 'NODE_UNAVAILABLE' },
    });
    inflight.finish({ success: true, text_asr: 'done', text_translated: 'done' });
    expect(await conn.next('job_result')).toMatchObject({ job_id: 'inflight', success: true });
    expect((await conn.closed).code).toBe(1000);
    await drained;
    expect(agent.lifecycle).toBe('stopped');
    expect(reconnects).toEqual([]);
  });

  it('aborts in-flight jobs when the drain times out', async () => {
    const agent = makeAgent({ drainTimeoutMs: 50 });
    void agent.start();
    const conn = await gateway.nextConnection();
    await conn.accept('node-1');
    await once(agent, 'registered');
    conn.send(job('stuck', 0));
    const stuck = await handler.whenStarted('stuck');
    await agent.drain();
    expect(stuck.ctx.signal.aborted).toBe(true);
    expect((await conn.closed).code).toBe(1000);
  });

  it('drains on SIGTERM when asked to, and removes its handler when stopped', async () => {
    const before = process.listeners('SIGTERM');
    const agent = makeAgent({ drainOnSigterm: true });
    void agent.start();
    const added = process.listeners('SIGTERM').filter((l) => !before.includes(l));
    expect(added).toHaveLength(1);
    const conn = await gateway.nextConnection();
    await conn.accept('node-1');
    await once(agent, 'registered');
    const drained = once(agent, 'drained');
    // Invoke our listener directly: emitting a real SIGTERM would reach the test runner's handlers too.
    (added[0] as () => void)();
    await drained;
    expect((await conn.closed).code).toBe(1000);
    expect(process.listeners('SIGTERM')).toEqual(before);
  });

  it('rejects start() when stopped before it ever registered', async () => {
    const agent = makeAgent();
    const started = agent.start();
    await gateway.nextConnection();
    await agent.stop();
    await expect(started).rejects.toMatchObject({ code: 'STOPPED' });
  });

  it('validates its options', () => {
    expect(() => makeAgent({ maxConcurrentJobs: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
    expect(() => makeAgent({ url: 'ftp://x' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});

function waitForFile(path: string): Promise<string> {
  return poll(() => readFile(path, 'utf8'), { timeoutMs: 5000, intervalMs: 10, what: `file ${path}` });
}
