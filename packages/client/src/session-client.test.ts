import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TranslationResult } from '@lingua/protocol';
import { SessionClient, type SessionClientOptions } from './session-client.js';
import { FakeSessionGateway, type FakeSessionConnection } from './testing/fake-session-gateway.js';

function result(sessionId: string, index: number, text = `t${index}`): TranslationResult {
  return {
    type: 'translation_result',
    session_id: sessionId,
    utterance_index: index,
    job_id: `job-${index}`,
    text_asr: text,
    text_translated: `[zh] ${text}`,
    tts_audio: '',
    tts_format: 'pcm16',
    trace_id: 'trace',
  };
}

describe('SessionClient', () => {
  let gateway: FakeSessionGateway;
  let clients: SessionClient[];

  const makeClient = (opts: Partial<SessionClientOptions> = {}) => {
    const client = new SessionClient({
      url: gateway.url,
      srcLang: 'en',
      tgtLang: 'zh',
      backoff: { initialMs: 5, maxMs: 40, jitter: 0 },
      ...opts,
    });
    clients.push(client);
    return client;
  };

  /** Connects a client and returns it with its server-side connection. */
  const connected = async (
    opts: Partial<SessionClientOptions> = {},
    ack: { resume_token?: string } = { resume_token: 'tok-1' },
  ): Promise<{ client: SessionClient; conn: FakeSessionConnection }> => {
    const client = makeClient(opts);
    const ready = client.connect();
    const conn = await gateway.nextConnection();
    await conn.accept('sess-1', ack);
    await ready;
    return { client, conn };
  };

  beforeEach(async () => {
    gateway = await FakeSessionGateway.start();
    clients = [];
  });

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway.close();
  });

  it('opens a session with session_init declaring pcm16 at 16 kHz', async () => {
    const client = makeClient({
      mode: 'two_way_auto',
      langA: 'en',
      langB: 'zh',
      srcLang: 'auto',
      enableStreamingAsr: true,
    });
    const ready = client.connect();
    const conn = await gateway.nextConnection();
    const init = await conn.accept('sess-1', { resume_token: 'tok' });
    expect(init).toMatchObject({
      platform: 'api-gateway',
      src_lang: 'auto',
      tgt_lang: 'zh',
      mode: 'two_way_auto',
      lang_a: 'en',
      lang_b: 'zh',
      enable_streaming_asr: true,
      audio_format: 'pcm16',
      sample_rate: 16000,
    });
    expect(init.resume).toBeUndefined();
    expect(init.trace_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await ready).session_id).toBe('sess-1');
    expect(client.sessionId).toBe('sess-1');
  });

  it('streams audio chunks with increasing seq and ends the utterance with an empty final chunk', async () => {
    const { client, conn } = await connected();
    expect(client.sendAudio(Uint8Array.from([1, 2, 3, 4]))).toBe(0);
    expect(client.sendAudio(Uint8Array.from([5, 6]))).toBe(1);
    expect(client.finalize()).toBe(2);
    const chunks = [
      await conn.next('audio_chunk'),
      await conn.next('audio_chunk'),
      await conn.next('audio_chunk'),
    ];
    expect(chunks.map((c) => [c.session_id, c.seq, c.is_final, c.payload])).toEqual([
      ['sess-1', 0, false, Buffer.from([1, 2, 3, 4]).toString('base64')],
      ['sess-1', 1, false, Buffer.from([5, 6]).toString('base64')],
      ['sess-1', 2, true, ''],
    ]);
  });

  it('emits results, partials, missing results, ui events and gateway errors, and waits for them', async () => {
    const { client, conn } = await connected();
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.gateway?.code ?? e.code));
    client.finalize();
    client.finalize();
    const waiting = client.waitForResults(1);
    conn.send({
      type: 'asr_partial',
      session_id: 'sess-1',
      utterance_index: 0,
      job_id: 'j0',
      text: 'he',
      is_final: false,
      trace_id: 't',
    });
    conn.send({
      type: 'ui_event',
      trace_id: 't',
      session_id: 'sess-1',
      job_id: 'j0',
      utterance_index: 0,
      event: 'DISPATCHED',
      status: 'ok',
    });
    conn.send(result('sess-1', 0));
    expect((await waiting).map((r) => r.text_asr)).toEqual(['t0']);
    // Not events.once: it rejects when an 'error' event fires first, and one is coming.
    const missing = new Promise((resolve) => client.once('missing', resolve));
    conn.send({ type: 'error', code: 'NO_AVAILABLE_NODE', message: 'none' });
    conn.send({
      type: 'missing_result',
      session_id: 'sess-1',
      utterance_index: 1,
      reason: 'no_available_node',
      created_at_ms: Date.now(),
    });
    await missing;
    await client.waitForAllResolved(1000);
    expect(errors).toEqual(['NO_AVAILABLE_NODE']);
    expect(client.partials).toHaveLength(1);
    expect(client.utterances.resolvedCount).toBe(2);
    const first = client.utterances.get('sess-1', 0);
    expect(first?.firstPartialAt).toBeGreaterThanOrEqual(first?.finalizedAt ?? Infinity);
    expect(client.utterances.unresolved()).toEqual([]);
  });

  it('counts a second resolution of an utterance as a duplicate', async () => {
    const { client, conn } = await connected();
    client.finalize();
    conn.send(result('sess-1', 0));
    conn.send(result('sess-1', 0));
    await client.waitForResults(2);
    expect(client.utterances.duplicates).toBe(1);
    expect(client.utterances.resolvedCount).toBe(1);
  });

  it('holds audio on backpressure PAUSE until resume_after_ms has passed', async () => {
    const { client, conn } = await connected();
    conn.send({ type: 'backpressure', action: 'PAUSE', resume_after_ms: 150 });
    await once(client, 'backpressure');
    const sentAt = Date.now();
    client.sendAudio(Uint8Array.from([9]));
    const chunk = await conn.next('audio_chunk');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(140);
    expect(chunk.seq).toBe(0);
  });

  it('reconnects after a drop and resumes the session with its token and cursor; seq carries on', async () => {
    const { client, conn } = await connected();
    client.sendAudio(Uint8Array.from([1]));
    await conn.next('audio_chunk');
    conn.ws.terminate();
    await once(client, 'disconnected');
    // Audio sent while disconnected is queued and delivered after the resume.
    client.sendAudio(Uint8Array.from([2]));
    client.finalize();
    const conn2 = await gateway.nextConnection();
    const init = await conn2.next('session_init');
    expect(init.resume).toEqual({ session_id: 'sess-1', token: 'tok-1' });
    conn2.ack('sess-1', { resumed: true, resume_token: 'tok-2' });
    const chunks = [await conn2.next('audio_chunk'), await conn2.next('audio_chunk')];
    expect(chunks.map((c) => [c.session_id, c.seq, c.is_final])).toEqual([
      ['sess-1', 1, false],
      ['sess-1', 2, true],
    ]);
    conn2.send(result('sess-1', 0));
    await client.waitForAllResolved(2000);
    // The next resume presents the newest token and the last index the client holds (nothing to replay twice).
    conn2.ws.terminate();
    const conn3 = await gateway.nextConnection();
    expect((await conn3.next('session_init')).resume).toEqual({
      session_id: 'sess-1',
      token: 'tok-2',
      received_through: 0,
    });
  });

  it('falls back to a new session when the gateway does not resume', async () => {
    const { client, conn } = await connected();
    client.finalize();
    await conn.next('audio_chunk');
    conn.ws.terminate();
    await once(client, 'disconnected');
    // Speech queued while disconnected is not thrown away: it goes to whichever session comes back.
    client.sendAudio(Uint8Array.from([3]));
    client.finalize();
    const conn2 = await gateway.nextConnection();
    const init = await conn2.next('session_init');
    expect(init.resume?.session_id).toBe('sess-1');
    const failed = once(client, 'resume_failed');
    conn2.ack('sess-2', { resume_token: 'tok-b' });
    expect((await failed)[0]).toEqual({ previousSessionId: 'sess-1', sessionId: 'sess-2' });
    expect(client.sessionId).toBe('sess-2');
    const chunks = [await conn2.next('audio_chunk'), await conn2.next('audio_chunk')];
    expect(chunks.map((c) => [c.session_id, c.is_final])).toEqual([
      ['sess-2', false],
      ['sess-2', true],
    ]);
    // The utterance sent to the lost session stays unresolved; the queued one is tracked in the new session.
    expect(client.utterances.unresolved()).toEqual([
      { sessionId: 'sess-1', index: 0 },
      { sessionId: 'sess-2', index: 0 },
    ]);
    conn2.send(result('sess-2', 0));
    await client.waitForResults(1);
    expect(client.utterances.unresolved()).toEqual([{ sessionId: 'sess-1', index: 0 }]);
  });

  it('opens a new session on the same socket when the gateway refuses the resume with an error', async () => {
    const { client, conn } = await connected();
    conn.ws.terminate();
    const conn2 = await gateway.nextConnection();
    const first = await conn2.next('session_init');
    expect(first.resume).toBeDefined();
    conn2.send({ type: 'error', code: 'INVALID_SESSION', message: 'gone' });
    const second = await conn2.next('session_init');
    expect(second.resume).toBeUndefined();
    expect(second.trace_id).not.toBe(first.trace_id);
    conn2.ack('sess-3');
    await once(client, 'resume_failed');
    expect(client.sessionId).toBe('sess-3');
  });

  it('backs off exponentially between failed reconnects and resets after an ack', async () => {
    const { client, conn } = await connected({ backoff: { initialMs: 5, factor: 2, maxMs: 20, jitter: 0 } });
    const delays: number[] = [];
    client.on('reconnecting', (r) => delays.push(r.delayMs));
    conn.ws.terminate();
    for (let i = 0; i < 3; i++) {
      const c = await gateway.nextConnection();
      await c.next('session_init');
      c.ws.close(1011, 'busy');
    }
    const ok = await gateway.nextConnection();
    await ok.accept('sess-1', { resumed: true });
    await once(client, 'ack');
    expect(delays).toEqual([5, 10, 20, 20]);
    ok.ws.terminate();
    expect((await once(client, 'reconnecting'))[0]).toEqual({ attempt: 1, delayMs: 5 });
  });

  it('rejects connect() when the gateway answers session_init with an error', async () => {
    const client = makeClient();
    const ready = client.connect();
    const conn = await gateway.nextConnection();
    await conn.next('session_init');
    conn.send({ type: 'error', code: 'SCHEDULER_DEPENDENCY_DOWN', message: 'redis down' });
    await expect(ready).rejects.toMatchObject({
      code: 'GATEWAY_ERROR',
      gateway: { code: 'SCHEDULER_DEPENDENCY_DOWN' },
    });
  });

  it('rejects connect() when nothing listens', async () => {
    const url = gateway.url;
    await gateway.close();
    gateway = await FakeSessionGateway.start();
    const client = new SessionClient({ url, srcLang: 'en', tgtLang: 'zh' });
    clients.push(client);
    await expect(client.connect()).rejects.toMatchObject({ code: 'SOCKET_ERROR' });
  });

  it('sends session_close on close() and does not reconnect', async () => {
    const { client, conn } = await connected();
    const reconnects: unknown[] = [];
    client.on('reconnecting', (r) => reconnects.push(r));
    await client.close();
    expect(await conn.next('session_close')).toMatchObject({ session_id: 'sess-1' });
    expect((await conn.closed).code).toBe(1000);
    expect(reconnects).toEqual([]);
    expect(() => client.sendAudio(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('times out waitForResults with TIMEOUT', async () => {
    const { client } = await connected();
    await expect(client.waitForResults(1, 50)).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});
