import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectRaw, forEachTopology, poll, ScriptedNode, TestClient } from '@lingua/testkit';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';

const opusChunk = (packets: number): string =>
  Buffer.concat(Array.from({ length: packets }, () => Buffer.from([2, 0, 7, 7]))).toString('base64');

forEachTopology('session socket', (target) => {
  let gw: TestGateway;
  let node: ScriptedNode;
  const clients: TestClient[] = [];
  const connect = async (): Promise<TestClient> => {
    const c = await TestClient.connect(gw.wsUrl('/ws/session'));
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    gw = await startTestGateway(target, { LINGUA_FINAL_GRACE_MS: '10' });
    node = await ScriptedNode.start(gw.wsUrl('/ws/node'));
    await poll(() => gw.parts.index.candidatePools('zh', 'en').length > 0, { what: 'index has the node' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    node.behaviour = () => ({ kind: 'result' });
  });
  afterAll(async () => {
    await node.close();
    await gw.stop();
  });

  it('session_init is acked with every field the protocol lists and the session is claimed in Redis', async () => {
    const c = await connect();
    const ack = await c.init({ trace_id: 'trace-1', src_lang: 'auto', tgt_lang: 'en' });
    expect(ack).toEqual({
      type: 'session_init_ack',
      session_id: expect.stringMatching(/^s-/),
      message: expect.any(String),
      trace_id: 'trace-1',
      protocol_version: '1.0',
      use_binary_frame: false,
      negotiated_codec: 'opus',
      negotiated_audio_format: 'opus',
      negotiated_sample_rate: 16000,
      negotiated_channel_count: 1,
      resume_token: expect.any(String),
    });
    const redis = connectRaw(target);
    {
      const hash = await redis.hgetall(gw.parts.keys.session(c.sessionId).session);
      expect(hash).toMatchObject({
        owner: gw.parts.instanceId,
        epoch: '1',
        src_lang: 'auto',
        tgt_lang: 'en',
        mode: 'one_way',
        trace_id: 'trace-1',
      });
      expect(hash.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(hash.token_hash).not.toContain(String(ack.resume_token));
    }
  });

  it('client_heartbeat is answered with server_heartbeat', async () => {
    const c = await connect();
    await c.init();
    c.send({ type: 'client_heartbeat', session_id: c.sessionId, timestamp: 1 });
    const hb = await c.next('server_heartbeat');
    expect(hb).toMatchObject({ session_id: c.sessionId, timestamp: expect.any(Number) });
  });

  it('two_way_auto needs both languages; the error names the field and the socket stays usable', async () => {
    const c = await connect();
    c.send({
      type: 'session_init',
      client_version: 'x',
      platform: 'web',
      src_lang: 'auto',
      tgt_lang: 'en',
      mode: 'two_way_auto',
      lang_a: 'zh',
    });
    expect(await c.next('error')).toMatchObject({ code: 'INVALID_MESSAGE', details: { path: '/lang_b' } });
    const ack = await c.init({ mode: 'two_way_auto', lang_a: 'zh', lang_b: 'en' });
    expect(ack.type).toBe('session_init_ack');
  });

  it('invalid frames get an error with the field path and change nothing else', async () => {
    const c = await connect();
    await c.init();
    const assignedBefore = node.assigns.length;
    const bad: [unknown, string][] = [
      ['{not json', ''],
      [{ type: 'no_such_type' }, '/type'],
      [{ type: 'audio_chunk', session_id: c.sessionId, seq: 'x', is_final: false }, '/seq'],
      [{ type: 'audio_chunk', session_id: c.sessionId, seq: 1 }, '/is_final'],
      [{ type: 'audio_chunk', session_id: c.sessionId, seq: 1, is_final: false, payload: '!!' }, '/payload'],
      [
        { type: 'audio_chunk', session_id: c.sessionId, seq: 1, is_final: false, payload: 'BQAB' },
        '/payload',
      ],
      [
        { type: 'session_init', client_version: 'x', platform: 'web', src_lang: 'zh', tgt_lang: 'en' },
        '/type',
      ],
    ];
    for (const [frame, path] of bad) {
      c.send(frame);
      const err = await c.next('error');
      expect(err, JSON.stringify(frame)).toMatchObject({ code: 'INVALID_MESSAGE', details: { path } });
    }
    // nothing else happened: no utterance was cut, no job went out, the session still works
    expect(c.all(['ui_event', 'translation_result', 'missing_result'])).toEqual([]);
    expect(node.assigns.length).toBe(assignedBefore);
    const redis = connectRaw(target);
    expect(await redis.hlen(gw.parts.keys.session(c.sessionId).jobs)).toBe(0);
    const assigned = node.assigns.length;
    c.chunk(3);
    c.final();
    const r = await c.next('translation_result');
    expect(r.utterance_index).toBe(0);
    expect(node.assigns.length).toBe(assigned + 1);
  });

  it('oversized free-form maps and out-of-range numbers are INVALID_MESSAGE at their path; nothing is stored', async () => {
    const c = await connect();
    const init = {
      type: 'session_init',
      client_version: 'x',
      platform: 'web',
      src_lang: 'zh',
      tgt_lang: 'en',
    };
    const redis = connectRaw(target);
    c.send({ ...init, features: { blob: 'x'.repeat(900 * 1024) } });
    expect(await c.next('error')).toMatchObject({ code: 'INVALID_MESSAGE', details: { path: '/features' } });
    c.send({ ...init, features: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, true])) });
    expect(await c.next('error')).toMatchObject({ code: 'INVALID_MESSAGE', details: { path: '/features' } });
    // No session was created for either: no ack, no claim.
    expect(c.all('session_init_ack')).toEqual([]);

    await c.init({ features: { emotion_detection: true, ...{ note: 'y'.repeat(4000) } } });
    const bad: [unknown, string][] = [
      [{ type: 'audio_chunk', session_id: c.sessionId, seq: 2 ** 31, is_final: false }, '/seq'],
      [{ type: 'client_heartbeat', session_id: c.sessionId, timestamp: 2 ** 60 }, '/timestamp'],
      [
        {
          type: 'utterance',
          session_id: c.sessionId,
          utterance_index: 2 ** 53,
          manual_cut: true,
          src_lang: 'zh',
          tgt_lang: 'en',
          audio: opusChunk(1),
          audio_format: 'opus',
          sample_rate: 16000,
        },
        '/utterance_index',
      ],
    ];
    for (const [frame, path] of bad) {
      c.send(frame);
      expect(await c.next('error'), path).toMatchObject({ code: 'INVALID_MESSAGE', details: { path } });
    }
    expect(await redis.hlen(gw.parts.keys.session(c.sessionId).jobs)).toBe(0);
  });

  it('frames for an unknown or foreign session id get INVALID_SESSION', async () => {
    const a = await connect();
    const b = await connect();
    a.send({ type: 'audio_chunk', session_id: 's-nope', seq: 0, is_final: false, payload: opusChunk(1) });
    expect(await a.next('error')).toMatchObject({
      code: 'INVALID_SESSION',
      details: { path: '/session_id' },
    });
    await a.init();
    await b.init();
    b.send({ type: 'audio_chunk', session_id: a.sessionId, seq: 0, is_final: true, payload: opusChunk(2) });
    expect(await b.next('error')).toMatchObject({ code: 'INVALID_SESSION' });
    b.send({ type: 'client_heartbeat', session_id: a.sessionId, timestamp: 1 });
    expect(await b.next('error')).toMatchObject({ code: 'INVALID_SESSION' });
    expect(a.all('server_heartbeat')).toEqual([]);
    expect(a.all('ui_event')).toEqual([]);
  });

  it('session_close cancels open jobs, resolves every index, then acks and closes', async () => {
    node.behaviour = () => ({ kind: 'silent' });
    const c = await connect();
    await c.init();
    const cancelsBefore = node.cancels.length;
    c.chunk(2);
    c.final();
    await c.next('ui_event', (f) => f.event === 'DISPATCHED');
    c.send({ type: 'session_close', session_id: c.sessionId, reason: 'done' });
    const missing = await c.next('missing_result');
    expect(missing).toMatchObject({ utterance_index: 0, reason: 'session_closed' });
    expect(await c.next('session_close_ack')).toEqual({ type: 'session_close_ack', session_id: c.sessionId });
    expect((await c.closed).code).toBe(1000);
    await poll(() => node.cancels.length > cancelsBefore, { what: 'job_cancel at the node' });
    const cancel = node.cancels[node.cancels.length - 1];
    expect(cancel).toMatchObject({
      type: 'job_cancel',
      job_id: node.assigns[node.assigns.length - 1]?.job_id,
    });
    expect(node.concurrent).toBe(0);
  });

  it('a socket that just closes cancels its open jobs too', async () => {
    node.behaviour = () => ({ kind: 'silent' });
    const c = await connect();
    await c.init();
    const cancelsBefore = node.cancels.length;
    c.chunk(2);
    c.final();
    await c.next('ui_event', (f) => f.event === 'DISPATCHED');
    await c.close();
    await poll(() => node.cancels.length > cancelsBefore, { what: 'job_cancel at the node' });
    await poll(() => gw.parts.sessions.inFlight() === 0, { what: 'no job in flight' });
  });

  describe('utterance message', () => {
    it('dispatches a client-cut utterance with its own index, once per index', async () => {
      const c = await connect();
      await c.init();
      const before = node.assigns.length;
      const utt = {
        type: 'utterance',
        session_id: c.sessionId,
        utterance_index: 7,
        manual_cut: true,
        src_lang: 'zh',
        tgt_lang: 'en',
        audio: opusChunk(4),
        audio_format: 'opus',
        sample_rate: 16000,
      };
      c.send(utt);
      c.send(utt);
      const r = await c.next('translation_result');
      expect(r).toMatchObject({ utterance_index: 7 });
      // the repeat is idempotent: one job, one result
      c.send({ type: 'client_heartbeat', session_id: c.sessionId, timestamp: 2 });
      await c.next('server_heartbeat');
      expect(node.assigns.length).toBe(before + 1);
      expect(node.assigns[before]).toMatchObject({ utterance_index: 7, is_manual_cut: true });
      expect(c.all('translation_result')).toHaveLength(1);
      // audio cut by the gateway continues after the client's index
      c.chunk(1);
      c.final();
      expect(await c.next('translation_result')).toMatchObject({ utterance_index: 8 });
    });
  });
});
