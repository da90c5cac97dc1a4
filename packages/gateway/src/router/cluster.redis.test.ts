/**
 * Two gateways in this process on one key prefix, the way two instances share one Redis: a node on A serves a
 * session on B through the inboxes, a node that re-registers on B fences its old socket on A, a late frame for
 * the old epoch is dropped and bounced, a session resumes on the other instance, and /api/v1/cluster shows both.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { JobAssign } from '@lingua/protocol';
import {
  forEachTopology,
  poll,
  uniquePrefix,
  ScriptedNode,
  type Behaviour,
  SILENT_PCM_20MS,
  TestClient,
  utteranceFrame,
  type Frame,
  TestNode,
} from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

forEachTopology('cluster router', (target) => {
  let a: TestGateway;
  let b: TestGateway;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    const env = {
      LINGUA_KEY_PREFIX: uniquePrefix('cluster'),
      LINGUA_INBOX_PROBE_MS: '300',
      LINGUA_SESSION_RESUME_GRACE_MS: '3000',
      LINGUA_INSTANCE_TICK_MS: '200',
    };
    [a, b] = await Promise.all([
      startTestGateway(target, { ...env, LINGUA_INSTANCE_ID: 'gw-a' }),
      startTestGateway(target, { ...env, LINGUA_INSTANCE_ID: 'gw-b' }),
    ]);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((x) => x.close().catch(() => undefined)));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  const node = async (gw: TestGateway, behaviour?: Behaviour) => {
    const n = await ScriptedNode.start(gw.wsUrl('/ws/node'), behaviour ? { behaviour } : {});
    open.push(n);
    return n;
  };
  const client = async (gw: TestGateway) => {
    const c = await TestClient.connect(gw.wsUrl('/ws/session'));
    open.push(c);
    await c.init({ audio_format: 'pcm16' });
    return c;
  };

  it('a node on A serves a session on B: job_assign, partial and result cross the inboxes', async () => {
    const n = await node(a, (job, self) => {
      self.node.send({
        type: 'asr_partial',
        job_id: job.job_id,
        node_id: self.nodeId,
        session_id: job.session_id,
        utterance_index: job.utterance_index,
        text: 'partial',
        is_final: false,
        trace_id: job.trace_id,
      });
      return { kind: 'result', delayMs: 20 };
    });
    const c = await client(b);
    c.send(utteranceFrame(c.sessionId, 0));
    expect(await c.next('asr_partial')).toMatchObject({ utterance_index: 0, text: 'partial' });
    expect(await c.next('translation_result')).toMatchObject({ utterance_index: 0, text_translated: 'tr 0' });
    expect(n.assigns).toHaveLength(1);
    expect(a.parts.metrics.cluster.envelopes).toBeDefined();
    const sentByB = await b.parts.metrics.registry.getSingleMetricAsString('lingua_cluster_envelopes_total');
    expect(sentByB).toMatch(/direction="sent",type="node"} 1/);
  });

  it('a node failure crosses too; closing the session cancels the open job at the node on the other side', async () => {
    let calls = 0;
    const n = await node(a, () =>
      ++calls === 1 ? { kind: 'fail', code: 'NMT_TIMEOUT' } : { kind: 'silent' },
    );
    const c = await client(b);
    c.send(utteranceFrame(c.sessionId, 0));
    const err = await c.next('error');
    expect(err).toMatchObject({ code: 'NMT_TIMEOUT' });
    expect(await c.next('missing_result')).toMatchObject({ utterance_index: 0, reason: 'job_failed' });
    c.send(utteranceFrame(c.sessionId, 1));
    await n.waitForAssigns(2);
    c.send({ type: 'session_close', session_id: c.sessionId, reason: 'done' });
    expect(await c.next('missing_result')).toMatchObject({ utterance_index: 1, reason: 'session_closed' });
    await poll(() => n.cancels.length === 1, { what: 'job_cancel at the node on A' });
    expect(n.cancels[0]).toMatchObject({ job_id: n.assigns[1]?.job_id });
  });

  it('a node re-registering on B takes over: its socket on A is fenced, a late frame for the old epoch is dropped', async () => {
    const first = await TestNode.connect(a.wsUrl('/ws/node'));
    open.push(first);
    await first.register();
    const oldEpoch = a.parts.nodeSockets.get(first.nodeId)?.epoch ?? 0;
    expect(oldEpoch).toBeGreaterThan(0);
    const again = await TestNode.connect(b.wsUrl('/ws/node'));
    open.push(again);
    await again.register({ node_id: first.nodeId, node_token: first.token ?? '' });
    expect((await first.closed).code).toBe(4001);
    const newEpoch = b.parts.nodeSockets.get(first.nodeId)?.epoch ?? 0;
    expect(newEpoch).toBe(oldEpoch + 1);
    await poll(
      async () => !(await a.parts.redis.client.sismember(a.parts.keys.instance('gw-a').nodes, first.nodeId)),
      {
        what: 'node out of A’s ownership list',
      },
    );
    expect(await b.parts.redis.client.sismember(b.parts.keys.instance('gw-b').nodes, first.nodeId)).toBe(1);

    // A frame addressed to the old registration (on A) arrives late: A drops it and bounces it to B.
    const late: JobAssign = {
      type: 'job_assign',
      job_id: 'j-late',
      attempt_id: 1,
      session_id: 's-none',
      utterance_index: 0,
      src_lang: 'zh',
      tgt_lang: 'en',
      pipeline: { use_asr: true, use_nmt: true, use_tts: false },
      audio: SILENT_PCM_20MS,
      audio_format: 'pcm16',
      sample_rate: 16_000,
      trace_id: 't',
    };
    expect(
      await b.parts.router.deliverToNode({ nodeId: first.nodeId, owner: 'gw-a', epoch: oldEpoch }, late),
    ).toBe(true);
    const bounced = () => b.parts.metrics.registry.getSingleMetricAsString('lingua_cluster_envelopes_total');
    await poll(async () => /direction="received",type="assign_bounced"} 1/.test(await bounced()), {
      what: 'the bounce back at B',
    });
    expect(again.frames.filter((f) => f.type === 'job_assign')).toEqual([]);
  });

  it('a session dropped on B resumes on A and gets every result exactly once, in order', async () => {
    const held: JobAssign[] = [];
    const n = await node(b, (job) => {
      held.push(job);
      return { kind: 'silent' };
    });
    const c = await client(b);
    const token = String(c.received.find((f) => f.type === 'session_init_ack')?.resume_token);
    for (let i = 0; i < 4; i++) c.send(utteranceFrame(c.sessionId, i));
    await n.waitForAssigns(4);
    n.answer(held[0] as JobAssign);
    await c.next('translation_result', (f) => f.utterance_index === 0);
    // Results 1 and 2 are settled while no socket is open; 3 after the resume.
    c.ws.terminate();
    await c.closed;
    n.answer(held[1] as JobAssign);
    n.answer(held[2] as JobAssign);
    await poll(async () => (await a.parts.redis.client.xlen(a.parts.keys.session(c.sessionId).out)) >= 2, {
      what: 'results 1 and 2 kept in {s}:out',
    });
    const r = await TestClient.connect(a.wsUrl('/ws/session'));
    open.push(r);
    const ack = await r.init({ audio_format: 'pcm16', resume: { session_id: c.sessionId, token } });
    expect(ack).toMatchObject({ session_id: c.sessionId, resumed: true });
    n.answer(held[3] as JobAssign);
    await r.next('translation_result', (f) => f.utterance_index === 3);
    const indexes = (frames: Frame[]) =>
      frames.filter((f) => f.type === 'translation_result').map((f) => Number(f.utterance_index));
    expect(indexes(r.received)).toEqual([1, 2, 3]);
    expect(indexes(c.received)).toEqual([0]);
    // Acknowledged entries leave {s}:out; new utterances continue after the old indexes.
    await poll(async () => (await a.parts.redis.client.xlen(a.parts.keys.session(c.sessionId).out)) === 0, {
      what: 'out entries acknowledged',
    });
    r.send(utteranceFrame(c.sessionId, 4));
    await n.waitForAssigns(5);
    n.answer(n.assigns[4] as JobAssign);
    await r.next('translation_result', (f) => f.utterance_index === 4);
    expect(await a.parts.redis.client.sismember(a.parts.keys.instance('gw-a').sessions, c.sessionId)).toBe(1);
    await poll(
      async () =>
        !(await b.parts.redis.client.sismember(b.parts.keys.instance('gw-b').sessions, c.sessionId)),
      { what: 'session out of B’s ownership list' },
    );
  });

  it('a resume with a wrong token is refused and the session stays where it is', async () => {
    const c = await client(a);
    const r = await TestClient.connect(b.wsUrl('/ws/session'));
    open.push(r);
    r.send({
      type: 'session_init',
      client_version: 'web-test',
      platform: 'web',
      src_lang: 'zh',
      tgt_lang: 'en',
      resume: { session_id: c.sessionId, token: 'wrong' },
    });
    expect(await r.next('error')).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });

  it('GET /api/v1/cluster lists both instances alive with what they own', async () => {
    await node(a);
    await client(b);
    const res = await a.getJson<{
      instance_id: string;
      cache_version: number;
      auth: { sockets: string; admin: string };
      instances: {
        id: string;
        alive: boolean;
        nodes_owned: number;
        sessions_owned: number;
        uptime_ms: number;
      }[];
    }>('/api/v1/cluster');
    expect(res.status).toBe(200);
    expect(res.body.instance_id).toBe('gw-a');
    expect(res.body.cache_version).toBe(a.parts.index.version);
    expect(res.body.auth).toEqual({ sockets: 'on', admin: 'on' });
    const byId = new Map(res.body.instances.map((i) => [i.id, i]));
    expect(byId.get('gw-a')?.alive).toBe(true);
    expect(byId.get('gw-b')?.alive).toBe(true);
    // Earlier tests' sockets may still be on their way out (resume grace): at least what this test opened.
    expect(byId.get('gw-a')?.nodes_owned).toBeGreaterThanOrEqual(1);
    expect(byId.get('gw-b')?.sessions_owned).toBeGreaterThanOrEqual(1);
    expect(byId.get('gw-b')?.uptime_ms).toBeGreaterThan(0);
  });
});
