/**
 * Resume details on two instances (both topologies): what the old owner resolves by itself while the socket is
 * gone (a job timing out) is replayed like a node's result, except what the client says it already holds; a resume onto the same instance fences the old socket
 * there; an unknown session is refused and the socket can still open a new one.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  forEachTopology,
  poll,
  uniquePrefix,
  ScriptedNode,
  TestClient,
  utteranceFrame,
} from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

forEachTopology('session resume', (target) => {
  let a: TestGateway;
  let b: TestGateway;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    const env = {
      LINGUA_KEY_PREFIX: uniquePrefix('resume'),
      LINGUA_JOB_TIMEOUT_MS: '400',
      LINGUA_JOB_MAX_ATTEMPTS: '1',
      LINGUA_SESSION_RESUME_GRACE_MS: '2500',
    };
    [a, b] = await Promise.all([
      startTestGateway(target, { ...env, LINGUA_INSTANCE_ID: 'gw-a' }),
      startTestGateway(target, { ...env, LINGUA_INSTANCE_ID: 'gw-b' }),
    ]);
    open.push(await ScriptedNode.start(a.wsUrl('/ws/node'), { behaviour: () => ({ kind: 'silent' }) }));
  });
  afterEach(async () => {
    await Promise.all(open.splice(1).map((x) => x.close().catch(() => undefined)));
  });
  afterAll(async () => {
    await Promise.all(open.map((x) => x.close().catch(() => undefined)));
    await Promise.all([a?.stop(), b?.stop()]);
  });

  const session = async (gw: TestGateway) => {
    const c = await TestClient.connect(gw.wsUrl('/ws/session'));
    open.push(c);
    const ack = await c.init({ audio_format: 'pcm16' });
    return { c, token: String(ack.resume_token) };
  };
  const jobState = async (gw: TestGateway, sessionId: string) => {
    const jobs = Object.values(await gw.parts.redis.client.hgetall(gw.parts.keys.session(sessionId).jobs));
    return jobs.map((j) => (JSON.parse(j) as { state: string }).state);
  };

  it('a job that times out while the socket is gone is replayed as its missing_result after the resume', async () => {
    const { c, token } = await session(a);
    c.send(utteranceFrame(c.sessionId, 0));
    await poll(async () => (await jobState(a, c.sessionId)).length === 1, { what: 'job opened' });
    c.ws.terminate();
    // The TIMED_OUT transition comes first; the missing resolution is written to `out` a step later.
    const out = a.parts.keys.session(c.sessionId).out;
    await poll(async () => (await a.parts.redis.client.xlen(out)) === 1, {
      what: 'resolved (timed out) while away',
    });
    expect(await jobState(a, c.sessionId)).toEqual(['TIMED_OUT']);
    const r = await TestClient.connect(b.wsUrl('/ws/session'));
    open.push(r);
    await r.init({ audio_format: 'pcm16', resume: { session_id: c.sessionId, token } });
    const missing = await r.next('missing_result');
    expect(missing).toMatchObject({ utterance_index: 0, reason: 'job_timeout' });
    expect(r.all(['missing_result', 'translation_result'])).toHaveLength(1);
  });

  it('a replayed resolution keeps the kind it was made with, not one guessed from its frame', async () => {
    const { c, token } = await session(a);
    c.ws.terminate();
    // A node failure resolves as error + missing_result: the frame kept is the missing_result, the kind is error.
    const frame = {
      type: 'missing_result',
      session_id: c.sessionId,
      utterance_index: 0,
      reason: 'job_failed',
      created_at_ms: Date.now(),
    };
    const out = a.parts.keys.session(c.sessionId).out;
    await a.parts.redis.client.xadd(out, '*', 'job', '', 'kind', 'error', 'msg', JSON.stringify(frame));
    const errorsBefore = await b.metricSum('lingua_resolutions_total{kind="error"');
    const r = await TestClient.connect(b.wsUrl('/ws/session'));
    open.push(r);
    await r.init({ audio_format: 'pcm16', resume: { session_id: c.sessionId, token } });
    expect(await r.next('missing_result')).toMatchObject({ utterance_index: 0, reason: 'job_failed' });
    expect(await b.metricSum('lingua_resolutions_total{kind="error"')).toBe(errorsBefore + 1);
  });

  it('resolutions at or below resume.received_through are deleted, not replayed', async () => {
    const { c, token } = await session(a);
    c.send(utteranceFrame(c.sessionId, 0));
    c.send(utteranceFrame(c.sessionId, 1));
    await poll(async () => (await jobState(a, c.sessionId)).length === 2, { what: 'jobs opened' });
    c.ws.terminate();
    const out = a.parts.keys.session(c.sessionId).out;
    // The TIMED_OUT transition comes first; the missing resolution is written to `out` a step later.
    await poll(async () => (await a.parts.redis.client.xlen(out)) === 2, {
      what: 'both resolved (timed out) while away',
    });
    expect(await jobState(a, c.sessionId)).toEqual(['TIMED_OUT', 'TIMED_OUT']);
    const r = await TestClient.connect(b.wsUrl('/ws/session'));
    open.push(r);
    await r.init({ audio_format: 'pcm16', resume: { session_id: c.sessionId, token, received_through: 0 } });
    const missing = await r.next('missing_result');
    expect(missing).toMatchObject({ utterance_index: 1, reason: 'job_timeout' });
    await poll(async () => (await a.parts.redis.client.xlen(out)) === 0, { what: 'both entries deleted' });
    expect(r.all(['missing_result', 'translation_result']).map((f) => f.utterance_index)).toEqual([1]);
  });

  it('a resume onto the same instance fences the old socket there', async () => {
    const { c, token } = await session(a);
    const r = await TestClient.connect(a.wsUrl('/ws/session'));
    open.push(r);
    await r.init({ audio_format: 'pcm16', resume: { session_id: c.sessionId, token } });
    expect((await c.closed).code).toBe(4001);
    expect(await a.parts.redis.client.sismember(a.parts.keys.instance('gw-a').sessions, c.sessionId)).toBe(1);
  });

  it('an unknown session cannot be resumed; the socket may open a new one', async () => {
    const r = await TestClient.connect(b.wsUrl('/ws/session'));
    open.push(r);
    r.send({
      type: 'session_init',
      client_version: 'web-test',
      platform: 'web',
      src_lang: 'zh',
      tgt_lang: 'en',
      resume: { session_id: 's-nope', token: 'x' },
    });
    expect(await r.next('error')).toMatchObject({ code: 'INVALID_SESSION' });
    const ack = await r.init({ audio_format: 'pcm16' });
    expect(ack.session_id).not.toBe('s-nope');
  });
});
